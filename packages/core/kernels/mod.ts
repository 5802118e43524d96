/**
 * Kernels on raw buffers, for code that runs products outside the ops (such
 * as `@matgrad/parallel`'s workers). Most users need only `@matgrad/core`.
 *
 * @example
 * ```ts
 * import { getKernels } from "@matgrad/core/kernels";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof getKernels().gemm, "function");
 * ```
 *
 * @module
 */
export {
  type BackendName,
  type BackendOptions,
  getBackend,
  getKernels,
  setBackend,
} from "./backend.ts";
export {
  type GemmTask,
  runGemmTask,
  type TaskBlock,
  type TaskBuffer,
  wholeTask,
} from "./gemm_task.ts";
export { gemmJs, jsBackend } from "./js/gemm.ts";
export type { Gemm, KernelBackend, KernelBlocking } from "./types.ts";
export { wasmBackend, type WasmBackendOptions } from "./wasm/backend.ts";
export { type WasmFeatures, wasmFeatures } from "./wasm/loader.ts";
