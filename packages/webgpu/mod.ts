/**
 * The WebGPU backend of matgrad: importing this module registers `"webgpu"`
 * with core, and `await setBackend("webgpu")` makes every op run on the
 * GPU, its tensors living in device buffers. Read a device tensor with
 * `await t.read()`; its `data` (and `toArray()`, `item()`) throws a
 * `DeviceTensorError` instead of returning stale host memory.
 *
 * @example Training a linear model on the device
 * ```ts
 * import "@matgrad/webgpu";
 * import { matmul, mse, randn, sgd, setBackend, type Tensor, valueAndGrad, zeros } from "@matgrad/core";
 *
 * try {
 *   await setBackend("webgpu");
 *   const x = randn([64, 8], { seed: 1 });
 *   const y = randn([64, 1], { seed: 2 });
 *   const w = zeros([8, 1]);
 *   const step = valueAndGrad((w: Tensor) => mse(matmul(x, w), y));
 *   const opt = sgd({ lr: 0.1 });
 *   for (let i = 0; i < 10; i++) opt.step([w], [step(w).grad]);
 *   console.log(await step(w).value.read());
 * } catch (e) {
 *   console.log((e as Error).message); // no adapter on this machine
 * } finally {
 *   await setBackend("wasm");
 * }
 * ```
 *
 * @module
 */
import { setExecutor } from "@matgrad/core";
import { getExecutor, registerBackend } from "@matgrad/core/backend";
import { requestGpuDevice } from "./device.ts";
import { WebGpuExecutor } from "./executor.ts";

export { type GpuDevice, requestGpuDevice } from "./device.ts";
export { WebGpuExecutor } from "./executor.ts";
// Types of core that this API names, so its documentation is complete here.
export type { DType, Executor, TensorData } from "@matgrad/core";
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

let started: Promise<WebGpuExecutor> | undefined;

/**
 * The WebGPU executor, started once (its device requested on the first
 * call); what `setBackend("webgpu")` installs. Useful to read the adapter's
 * description, or to run a block of ops with `withExecutor`.
 *
 * @throws {BackendError} (as a rejection) where there is no adapter, saying why.
 * @example
 * ```ts
 * import { webgpuExecutor } from "@matgrad/webgpu";
 *
 * const executor = await webgpuExecutor().catch(() => undefined);
 * console.log(executor?.adapter ?? "no WebGPU adapter");
 * ```
 */
export function webgpuExecutor(): Promise<WebGpuExecutor> {
  if (started === undefined) {
    started = requestGpuDevice().then((d) => new WebGpuExecutor(d));
    started.catch(() => (started = undefined));
  }
  return started;
}

/**
 * Destroys the device of {@linkcode webgpuExecutor} (its tensors become
 * unusable) and forgets it; the next `setBackend("webgpu")` starts a new
 * one. If it is the active executor, ops go back to the CPU. Call it before
 * a program exits: some drivers (Mesa's lavapipe) have crashed tearing a
 * live device down at exit.
 *
 * @example
 * ```ts
 * import { releaseWebgpu } from "@matgrad/webgpu";
 *
 * await releaseWebgpu(); // nothing to do when no device was started
 * ```
 */
export async function releaseWebgpu(): Promise<void> {
  const pending = started;
  started = undefined;
  const executor = await pending?.catch(() => undefined);
  if (executor === undefined) return;
  if (getExecutor() === executor) setExecutor(undefined);
  await executor.sync().catch(() => {});
  executor.gpu.destroy();
}

registerBackend("webgpu", webgpuExecutor);
