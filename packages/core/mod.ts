/**
 * matgrad's core: tensors, the matrix product and its gradients.
 *
 * For C = A·B with A: N×D, B: D×M and a scalar y = f(C) whose gradient
 * dC = ∂y/∂C is known, ∂y/∂A = dC·Bᵀ and ∂y/∂B = Aᵀ·dC.
 *
 * @example
 * ```ts
 * import { matmul, matmulGrad, randn } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = randn([3, 4], { seed: 1 });
 * const b = randn([4, 2], { seed: 2 });
 * const c = matmul(a, b);
 * const { dA, dB } = matmulGrad(a, b, c); // gradients of y = ½‖C‖²
 * assert.deepEqual([dA.shape, dB.shape], [[3, 4], [4, 2]]);
 * ```
 *
 * @module
 */
export { DTypeError, ShapeError } from "./errors.ts";
export { getBackend, setBackend, type BackendName } from "./kernels/backend.ts";
export {
  cast,
  matmul,
  matmulGrad,
  type MatmulGradOptions,
  type MatmulGrads,
  type MatmulOutOptions,
  resultDType,
} from "./ops/matmul.ts";
export {
  broadcastShapes,
  forwardTask,
  gradTasks,
  type MatmulOptions,
  type MatmulPlan,
  planMatmul,
} from "./ops/matmul_plan.ts";
export { reshape } from "./ops/reshape.ts";
export { transpose } from "./ops/transpose.ts";
export { full, ones, randn, type RandnOptions, tensor, zeros } from "./tensor/constructors.ts";
export { formatShape, sameShape, sizeOf } from "./tensor/shape.ts";
export {
  allocate,
  checkDType,
  type DataFor,
  type DType,
  dtypeOf,
  type NestedArray,
  Tensor,
  type TensorData,
} from "./tensor/tensor.ts";
