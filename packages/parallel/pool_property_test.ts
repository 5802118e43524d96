/**
 * Property tests of the pool: random shapes up to 300 per dimension,
 * transposes, dtypes, 1-D operands and broadcast batches, on pools of 1, 2
 * and 3 workers with every product on the workers; each result equals
 * core's serial result bit for bit. Seeded (replay with MATGRAD_SEED=…).
 */
import fc from "fast-check";
import { matmul, matmulGrad, type Tensor } from "@matgrad/core";
import { caseTensors, matmulCase, propertySeed } from "@matgrad/dev/testing";
import { createPool } from "./mod.ts";

const SEED = propertySeed(20261203);

function differs(name: string, x: Tensor, y: Tensor): void {
  if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) {
    throw new Error(`${name}: ${x} but serial gives ${y}`);
  }
  for (let i = 0; i < x.size; i++) {
    if (!Object.is(x.data[i], y.data[i])) {
      throw new Error(`${name}: element ${i} is ${x.data[i]}, serial gives ${y.data[i]}`);
    }
  }
}

Deno.test("property: the pool's products and gradients equal serial bit for bit", async () => {
  const pools = [1, 2, 3].map((workers) => createPool({ workers, serialBelowFlops: 0 }));
  await Promise.all(pools.map((pool) => pool.ready()));
  try {
    await fc.assert(
      fc.asyncProperty(matmulCase, fc.constantFrom(...pools), async (c, pool) => {
        const { a, b, dC } = caseTensors(c);
        const o = { transposeA: c.transA, transposeB: c.transB };
        differs(`C on ${pool.size} workers`, await pool.matmul(a, b, o), matmul(a, b, o));
        const serial = matmulGrad(a, b, dC, o);
        const got = await pool.matmulGrad(a, b, dC, o);
        differs(`dA on ${pool.size} workers`, got.dA, serial.dA);
        differs(`dB on ${pool.size} workers`, got.dB, serial.dB);
      }),
      { seed: SEED, numRuns: 300 },
    );
  } finally {
    for (const pool of pools) pool.close();
  }
});
