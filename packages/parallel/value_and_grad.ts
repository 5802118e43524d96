/**
 * {@linkcode valueAndGradParallel}: core's `valueAndGrad` with the pool as
 * the executor, so every op of the step (products, element-wise work,
 * reductions, the loss) splits across the calling thread and the workers.
 *
 * @module
 */
import {
  type Argnums,
  type GradOf,
  type Tensor,
  type ValueAndGrad,
  valueAndGrad,
  withExecutor,
} from "@matgrad/core";
import { Pool } from "./pool.ts";

/**
 * Like core's `valueAndGrad`, with every op of f and of its backward walk
 * run on `pool`: the same value and gradients, bit for bit. The returned
 * function gives a promise (it runs the step synchronously, blocking the
 * calling thread while the workers finish, so it needs a thread that may
 * block: Deno, Node, Bun or a browser worker). Like `valueAndGrad`, each
 * call reuses the previous call's intermediates' memory.
 *
 * @throws {TypeError} if `pool` is not a Pool.
 * @example
 * ```ts
 * import { createPool, valueAndGradParallel } from "@matgrad/parallel";
 * import { matmul, mse, randn, type Tensor, valueAndGrad } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
 * const x = randn([64, 8], { seed: 1 });
 * const y = randn([64, 1], { seed: 2 });
 * const loss = (w: Tensor) => mse(matmul(x, w), y);
 * const w = randn([8, 1], { seed: 3 });
 * const parallel = await valueAndGradParallel(loss, pool)(w);
 * assertEquals(parallel.grad.data, valueAndGrad(loss)(w).grad.data);
 * ```
 */
export function valueAndGradParallel<A extends unknown[] = Tensor[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  pool: Pool,
  argnums?: N,
): (...args: A) => Promise<ValueAndGrad<GradOf<N>>> {
  if (!(pool instanceof Pool)) {
    throw new TypeError(
      `valueAndGradParallel: pool must be a Pool made by createPool, got ${
        pool === null ? "null" : typeof pool
      }`,
    );
  }
  const step = valueAndGrad(f, argnums);
  let ready: Promise<void> | undefined;
  return async (...args: A) => {
    // A browser starts the workers only while this thread runs its event loop.
    await (ready ??= pool.ready());
    return withExecutor(pool, () => step(...args));
  };
}
