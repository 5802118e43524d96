/**
 * The kernel room: tasks and the loops that run them on raw buffers, on any
 * thread (a worker imports only this). Kernels see typed arrays, offsets and
 * shapes; never a Tensor, a tape or an executor. Executors run
 * {@linkcode runTask} over a task's units, whole or in pieces.
 *
 * @example
 * ```ts
 * import { getKernels } from "@matgrad/core/kernels";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(typeof getKernels().gemm, "function");
 * ```
 *
 * @module
 */
export type { DType, TensorData } from "../dtype.ts";
export {
  type BackendName,
  type BackendOptions,
  getBackend,
  getKernels,
  setBackend,
} from "./backend.ts";
export { Binary, type BinaryOp, Unary, type UnaryOp } from "./elementwise.ts";
export {
  cheaperAxis,
  GEMM_BAND,
  type GemmTask,
  gemmUnits,
  runGemmTask,
  type TaskBlock,
  type TaskBuffer,
  wholeTask,
} from "./gemm_task.ts";
export { gemmJs, jsBackend } from "./js/gemm.ts";
export { combineBlocks, REDUCE_BLOCK } from "./reduce.ts";
export { broadcastStrides, walkRuns } from "./strided.ts";
export {
  type AdamRun,
  type BinaryRun,
  type CombineRun,
  type ExpandRun,
  type GatherRowsRun,
  type GemmRun,
  type MseGradRun,
  type MseRun,
  type ReduceRun,
  runTask,
  type ScatterRowsRun,
  type SgdRun,
  type Task,
  type TaskBase,
  type TaskKind,
  type TransposeRun,
  type UnaryRun,
  type XentGradRun,
  type XentRun,
} from "./tasks.ts";
export {
  decodeTask,
  dtypeCode,
  encodedSize,
  encodeTask,
  everyBuffer,
  taskBuffers,
} from "./task_codec.ts";
export type { Gemm, GemmArgs, KernelBackend, KernelBlocking } from "./types.ts";
export { useKernelSpace, wasmBackend, type WasmBackendOptions } from "./wasm/backend.ts";
export type { KernelSpace } from "./wasm/gemm.ts";
export { adoptKernelModule, kernelModule, type WasmFeatures, wasmFeatures } from "./wasm/loader.ts";
