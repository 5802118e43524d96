/**
 * Gradients of traced functions with their matmul products on the pool.
 *
 * @module
 */
import {
  type Argnums,
  type GradOf,
  type Tensor,
  type ValueAndGrad,
  valueAndGradAsync,
} from "@matgrad/core";
import { Pool } from "./pool.ts";

/**
 * Like core's `valueAndGrad`, but the products of every matmul node's
 * backward step run on `pool` (`pool.matmulGrad`, or `pool.matmulGradPart`
 * when one operand is a constant, as X in X·W, whose gradient is then not
 * computed); the other backward rules run on the calling thread, in the same
 * order. The gradients have exactly the bits of `valueAndGrad`'s. It is
 * core's `valueAndGradAsync` with a `matmulGrad` option that calls the pool.
 *
 * Tensors produced inside f are not shared, so each of their products copies
 * them once into shared memory; share long-lived arguments (weights, inputs)
 * with `toShared` to skip their copies.
 *
 * @param f The function to differentiate; it must return a scalar tensor.
 * @param pool The pool that runs the matmul gradients.
 * @param argnums The argument(s) to differentiate: an index (default 0) or an array of them.
 * @returns An async function returning `{ value, grad }`.
 * @throws {TypeError} if `pool` is not a {@linkcode Pool}.
 * @example
 * ```ts
 * import { createPool, valueAndGradParallel } from "@matgrad/parallel";
 * import { matmul, mse, randn, type Tensor, valueAndGrad } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * await using pool = createPool({ workers: 2 });
 * const loss = (w: Tensor, x: Tensor, y: Tensor) => mse(matmul(x, w), y);
 * const [w, x, y] = [randn([64, 32], { seed: 1 }), randn([256, 64], { seed: 2 }), randn([256, 32], { seed: 3 })];
 * const { value, grad } = await valueAndGradParallel(loss, pool)(w, x, y);
 * const serial = valueAndGrad(loss)(w, x, y);
 * assert.equal(value.item(), serial.value.item());
 * assert.deepEqual(grad.data, serial.grad.data); // bit for bit
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
  return valueAndGradAsync(f, argnums, {
    matmulGrad: async (a, b, dC, { needs, ...flags }) => {
      if (needs.dA && needs.dB) return await pool.matmulGrad(a, b, dC, flags);
      // A constant operand (X in X·W): its gradient is not computed at all.
      const which = needs.dA ? "dA" : "dB";
      return { [which]: await pool.matmulGradPart(which, a, b, dC, flags) };
    },
  });
}
