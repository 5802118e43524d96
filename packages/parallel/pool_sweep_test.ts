/**
 * The shape-class sweep through the pool: every shape derived from the
 * active kernels' blocking parameters, NN/NT/TN/TT, the product and both
 * gradients, on pools of 1, 2 and 3 workers that send every product to the
 * workers (`serialBelowFlops: 0`). Each result must equal core's serial
 * result bit for bit; the serial kernels are checked against the float64
 * references by `@matgrad/testing`'s kernel sweep.
 */
import assert from "node:assert/strict";
import { type DType, matmul, matmulGrad, type Tensor } from "@matgrad/core";
import { getKernels } from "@matgrad/core/kernels";
import {
  randomValues,
  shapeClasses,
  storedTensor,
  transposeName,
  TRANSPOSES,
} from "@matgrad/dev/testing";
import { createPool } from "./mod.ts";

function sameBits(x: Tensor, y: Tensor): boolean {
  if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) return false;
  for (let i = 0; i < x.size; i++) if (!Object.is(x.data[i], y.data[i])) return false;
  return true;
}

for (const dtype of ["float32", "float64"] as const satisfies DType[]) {
  Deno.test(`pool sweep, ${dtype}: 1, 2 and 3 workers equal serial bit for bit`, async () => {
    const pools = [1, 2, 3].map((workers) => createPool({ workers, serialBelowFlops: 0 }));
    const shapes = shapeClasses(getKernels().blocking[dtype]);
    const failures: string[] = [];
    try {
      for (const { m, n, k } of shapes) {
        const seed = m * 1_000_003 + n * 10_007 + k;
        const av = randomValues(m * k, seed), bv = randomValues(k * n, seed + 1);
        const dC = storedTensor(randomValues(m * n, seed + 2), m, n, false, dtype);
        await Promise.all(TRANSPOSES.map(async ([transA, transB]) => {
          const o = { transposeA: transA, transposeB: transB };
          const a = storedTensor(av, m, k, transA, dtype),
            b = storedTensor(bv, k, n, transB, dtype);
          const c = matmul(a, b, o);
          const g = matmulGrad(a, b, dC, o);
          await Promise.all(pools.map(async (pool) => {
            const [pc, pg] = await Promise.all([
              pool.matmul(a, b, o),
              pool.matmulGrad(a, b, dC, o),
            ]);
            const what = `${pool.size} workers ${dtype} ${
              transposeName(transA, transB)
            } ${m}×${k}·${k}×${n}`;
            if (!sameBits(pc, c)) failures.push(`${what} C`);
            if (!sameBits(pg.dA, g.dA)) failures.push(`${what} dA`);
            if (!sameBits(pg.dB, g.dB)) failures.push(`${what} dB`);
          }));
        }));
      }
    } finally {
      for (const pool of pools) pool.close();
    }
    console.log(
      `${dtype}: ${shapes.length} shapes × 4 transposes × 3 pools, ${failures.length} differ`,
    );
    assert.deepEqual(failures.slice(0, 20), []);
  });
}
