/**
 * The shape-class sweep through the pool, on every backend (js, wasm, and
 * wasm with FMA where the engine has it): every shape derived from that
 * backend's blocking parameters, NN/NT/TN/TT, the product and both
 * gradients, on pools of 1, 2 and 3 workers that send every product to the
 * workers (`serialBelowFlops: 0`). Each result must equal core's serial
 * result bit for bit; the serial kernels are checked against the float64
 * references by `@matgrad/testing`'s kernel sweep.
 */
import { assertEquals, assertStrictEquals } from "@std/assert";
import { type DType, matmul, matmulGrad, type Tensor, withExecutor } from "@matgrad/core";
import { getKernels } from "@matgrad/core/kernels";
import {
  randomValues,
  shapeClasses,
  storedTensor,
  transposeName,
  TRANSPOSES,
} from "@matgrad/dev/testing";
import { createPool } from "./mod.ts";
import { backends, withBackend } from "./test_util.ts";

function sameBits(x: Tensor, y: Tensor): boolean {
  if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) return false;
  for (let i = 0; i < x.size; i++) if (!Object.is(x.data[i], y.data[i])) return false;
  return true;
}

for (const backend of backends()) {
  for (const dtype of ["float32", "float64"] as const satisfies DType[]) {
    Deno.test(`pool sweep, ${backend.label}, ${dtype}: 1, 2 and 3 workers equal serial bit for bit`, () =>
      withBackend(backend, async () => {
        const shapes = shapeClasses(getKernels().blocking[dtype]);
        const failures: string[] = [];
        // One pool at a time (idle workers of other pools would spin on the same
        // cores), each on every third shape: every shape goes through a pool.
        // Products this small cost their cache lines' trips between cores more
        // than their arithmetic, so a sweep on every pool would take minutes.
        let checked = 0;
        for (const workers of [1, 2, 3]) {
          const pool = createPool({ workers, serialBelowFlops: 0 });
          await pool.ready();
          try {
            for (const { m, n, k } of shapes.filter((_, i) => i % 3 === workers - 1)) {
              checked++;
              const seed = m * 1_000_003 + n * 10_007 + k;
              const av = randomValues(m * k, seed), bv = randomValues(k * n, seed + 1);
              const dC = storedTensor(randomValues(m * n, seed + 2), m, n, false, dtype);
              for (const [transA, transB] of TRANSPOSES) {
                const o = { transposeA: transA, transposeB: transB };
                const a = storedTensor(av, m, k, transA, dtype);
                const b = storedTensor(bv, k, n, transB, dtype);
                const c = matmul(a, b, o);
                const g = matmulGrad(a, b, dC, o);
                // The executor path: the calling thread and the workers share each product.
                const [pc, pg] = withExecutor(
                  pool,
                  () => [matmul(a, b, o), matmulGrad(a, b, dC, o)],
                );
                const what = `${workers} workers ${dtype} ${
                  transposeName(transA, transB)
                } ${m}×${k}·${k}×${n}`;
                if (!sameBits(pc, c)) failures.push(`${what} C`);
                if (!sameBits(pg.dA, g.dA)) failures.push(`${what} dA`);
                if (!sameBits(pg.dB, g.dB)) failures.push(`${what} dB`);
                for (const t of [pc, pg.dA, pg.dB]) t.dispose();
              }
            }
          } finally {
            pool.close();
          }
        }
        console.log(
          `${backend.label}, ${dtype}: ${checked} shapes × 4 transposes, each on one of 3 pools, ${failures.length} differ`,
        );
        assertStrictEquals(checked, shapes.length);
        assertEquals(failures.slice(0, 20), []);
      }));
  }
}
