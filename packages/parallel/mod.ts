/**
 * A pool of workers that runs matgrad's ops in parallel: an executor of
 * `@matgrad/core`. Make it the executor and every op of a training step —
 * products, element-wise work, reductions, losses, optimizer updates — is
 * split across the calling thread and the workers, over a shared tensor
 * heap, with exactly the serial bits.
 *
 * The backward pass of C = A·B splits the way the math allows: row i of
 * dA = dC·Bᵀ needs only row i of dC, and column j of dB = Aᵀ·dC only
 * column j of dC; each element is one summation chain, computed whole by
 * one thread.
 *
 * The workers run a self-contained bundled module started from a Blob URL
 * (Web Workers: Deno, browsers, Bun) or a `data:` URL (`node:worker_threads`:
 * Node), so the package works when consumed from JSR, npm, a bundler or a
 * plain HTTP server, and needs no Deno permissions. Where workers or shared
 * memory are missing, `createPool` throws a `PoolUnsupportedError`, or runs
 * on the calling thread with `fallback: "serial"`.
 *
 * @example Training on every core
 * ```ts
 * import { createPool } from "@matgrad/parallel";
 * import { matmul, mse, randn, setExecutor, sgd, type Tensor, valueAndGrad } from "@matgrad/core";
 * import { assert } from "@std/assert";
 *
 * await using pool = createPool(); // the calling thread and one worker per other core
 * setExecutor(pool);
 * const x = randn([512, 16], { seed: 1 }); // made on the pool: in shared memory
 * const y = randn([512, 1], { seed: 2 });
 * const w = randn([16, 1], { seed: 3 });
 * const step = valueAndGrad((w: Tensor) => mse(matmul(x, w), y));
 * const opt = sgd({ lr: 0.1 });
 * const first = step(w).value.item();
 * for (let i = 0; i < 20; i++) opt.step([w], [step(w).grad]);
 * assert(step(w).value.item() < first);
 * setExecutor(undefined);
 * ```
 *
 * @example The async products
 * ```ts
 * import { createPool, toShared } from "@matgrad/parallel";
 * import { matmulGrad, randn } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * await using pool = createPool({ workers: 2 });
 * const a = toShared(randn([600, 400], { seed: 1 })); // shared once, reused without copies
 * const b = toShared(randn([400, 200], { seed: 2 }));
 * const dC = randn([600, 200], { seed: 3 });
 * const { dA, dB } = await pool.matmulGrad(a, b, dC);
 * assertEquals(dA.data, matmulGrad(a, b, dC).dA.data); // bit for bit
 * assertEquals(dB.shape, [400, 200]);
 * ```
 *
 * @module
 */
export { PoolClosedError, PoolUnsupportedError, WorkerError } from "./errors.ts";
export { SERIAL_BELOW_FLOPS } from "./crossover.ts";
export { SPIN_MS } from "./idle.ts";
export { createPool, Pool, type PoolOptions } from "./pool.ts";
export { isShared, sharedZeros, toShared } from "./shared.ts";
export { valueAndGradParallel } from "./value_and_grad.ts";
// Types of core that this API names, so its documentation is complete here.
export type {
  Argnums,
  DType,
  Executor,
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
export type { Allocation } from "@matgrad/core/backend";
export type {
  AdamRun,
  BinaryRun,
  CombineRun,
  ExpandRun,
  GatherRowsRun,
  GemmRun,
  GemmTask,
  MseGradRun,
  MseRun,
  ReduceRun,
  ScatterRowsRun,
  SgdRun,
  Task,
  TaskBase,
  TaskBuffer,
  TransposeRun,
  UnaryRun,
  XentGradRun,
  XentRun,
} from "@matgrad/core/kernels";
