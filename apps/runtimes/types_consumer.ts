/**
 * A consumer's program, type-checked by TypeScript's own compiler against the declarations
 * in dist/ (`npm run test:types`, resolved through package.json `exports` as Node resolves
 * them), and by Deno against the sources.
 *
 * @module
 */
import { matmulGrad, type Tensor, tensor } from "@matgrad/core";
import {
  createPool,
  type Pool,
  PoolUnsupportedError,
  valueAndGradParallel,
} from "@matgrad/parallel";

export async function gradients(): Promise<number[]> {
  let pool: Pool;
  try {
    pool = createPool({ workers: 1 });
  } catch (e) {
    if (!(e instanceof PoolUnsupportedError)) throw e;
    const missing: "Worker" | "SharedArrayBuffer" = e.missing;
    console.log(`no pool here: ${missing}`);
    pool = createPool({ fallback: "serial" });
  }
  const a: Tensor = tensor([[1, 2], [3, 4]]);
  const { dA } = await pool.matmulGrad(a, a, tensor([[1, 0], [0, 1]]));
  const step = valueAndGradParallel((w: Tensor) => matmulGrad(w, w, w).dA, pool);
  const { grad } = await step(a);
  pool.close();
  return [...dA.data, ...grad.data];
}
