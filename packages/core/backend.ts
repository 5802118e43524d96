/**
 * For backend authors: what an executor (such as `@matgrad/parallel`'s
 * pool) needs beyond the user API. Ops come prepared (checked, planned,
 * outputs allocated) as stages of {@linkcode Task}s; an executor runs them,
 * whole or split by units, and calls `finish`. The kernels that run a task
 * on any thread are in `@matgrad/core/kernels`. Most users need only
 * `@matgrad/core`.
 *
 * @example Running a prepared product
 * ```ts
 * import { tensor } from "@matgrad/core";
 * import { prepareMatmul } from "@matgrad/core/backend";
 * import { runTask } from "@matgrad/core/kernels";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const op = prepareMatmul(tensor([[1, 2]]), tensor([[3], [4]]));
 * for (const stage of op.stages) for (const task of stage) runTask(task, 0, task.units);
 * assertStrictEquals(op.finish().item(), 11);
 * ```
 *
 * @module
 */
export { bytesPerElement, type DType, resultDType, type TensorData } from "./dtype.ts";
export { type Allocation, type Executor, getExecutor } from "./executor/executor.ts";
export { type BackendFactory, registerBackend } from "./executor/backends.ts";
export {
  checkGradName,
  checkGradShape,
  type PreparedOp,
  prepareMatmul,
  prepareMatmulGrad,
  prepareMatmulGradPart,
  runPrepared,
} from "./ops/matmul.ts";
export { forwardTask, gradTasks, type MatmulPlan, planMatmul } from "./ops/matmul_plan.ts";
export { checkOut, checkTensor } from "./ops/op_helpers.ts";
export { checkTensorBytes, formatBytes } from "./tensor/limits.ts";
export { broadcastShapes, formatShape, sameShape, sizeOf } from "./tensor/shape.ts";
export { allocateData, allocateFor } from "./tensor/storage.ts";
export { checkDType, dtypeOf, sharesMemory, storageOf } from "./tensor/tensor.ts";
export { deviceOwner } from "./tensor/storage.ts";
