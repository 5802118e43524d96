/**
 * A pool of Web Workers for matgrad's matrix products and their gradients.
 *
 * The backward pass of C = A·B splits the way the math allows: row i of
 * dA = dC·Bᵀ needs only row i of dC, and column j of dB = Aᵀ·dC only
 * column j of dC. So each worker computes row blocks of dA and column blocks
 * of dB with core's own kernels, straight into shared memory, and the result
 * has exactly the bits of core's serial `matmulGrad`.
 *
 * The workers run a self-contained bundled module started from a Blob URL,
 * so the package works when consumed from JSR, npm, a bundler or a plain
 * HTTP server, and needs no Deno permissions.
 *
 * @example
 * ```ts
 * import { createPool, toShared } from "@matgrad/parallel";
 * import { matmulGrad, randn } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * await using pool = createPool(); // one worker per hardware thread
 * const a = toShared(randn([600, 400], { seed: 1 })); // shared once, reused without copies
 * const b = toShared(randn([400, 200], { seed: 2 }));
 * const dC = randn([600, 200], { seed: 3 });
 * const { dA, dB } = await pool.matmulGrad(a, b, dC);
 * assert.deepEqual(dA.data, matmulGrad(a, b, dC).dA.data); // bit for bit
 * assert.deepEqual(dB.shape, [400, 200]);
 * ```
 *
 * @module
 */
export { PoolClosedError, WorkerError } from "./errors.ts";
export { BLOCK_TILE, type BlockAxis, planBlocks } from "./plan_blocks.ts";
export { SERIAL_BELOW_FLOPS } from "./crossover.ts";
export { createPool, Pool, type PoolOptions } from "./pool.ts";
export { isShared, sharedZeros, toShared } from "./shared.ts";
export { valueAndGradParallel } from "./value_and_grad.ts";
// Types of core that this API names, so its documentation is complete here.
export type {
  Argnums,
  DType,
  GradOf,
  MatmulGradName,
  MatmulGradOptions,
  MatmulGrads,
  MatmulOptions,
  MatmulOutOptions,
  NestedArray,
  Tensor,
  TensorData,
  ValueAndGrad,
} from "@matgrad/core";
export type { GemmTask, TaskBlock, TaskBuffer } from "@matgrad/core/kernels";
