/**
 * matgrad's core: tensors, the matrix product and its gradients.
 *
 * For C = A·B with A: N×D, B: D×M and a scalar y = f(C) whose gradient
 * dC = ∂y/∂C is known, ∂y/∂A = dC·Bᵀ and ∂y/∂B = Aᵀ·dC.
 *
 * @example
 * ```ts
 * import { matmul, matmulGrad, randn } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const a = randn([3, 4], { seed: 1 });
 * const b = randn([4, 2], { seed: 2 });
 * const c = matmul(a, b);
 * const { dA, dB } = matmulGrad(a, b, c); // gradients of y = ½‖C‖²
 * assertEquals([dA.shape, dB.shape], [[3, 4], [4, 2]]);
 * ```
 *
 * Around it, reverse-mode autograd (`grad`, `valueAndGrad`, `checkGrad`),
 * differentiable ops and the `sgd` and `adam` optimizers train small models.
 *
 * @example Fitting y = 2x + 1
 * ```ts
 * import { add, matmul, mse, sgd, type Tensor, tensor, valueAndGrad, zeros } from "@matgrad/core";
 * import { assert } from "@std/assert";
 *
 * const x = tensor([[0], [1], [2], [3]], undefined, "float64");
 * const y = tensor([[1], [3], [5], [7]], undefined, "float64");
 * const w = zeros([1, 1], "float64");
 * const b = zeros([1], "float64");
 * const step = valueAndGrad((w: Tensor, b: Tensor) => mse(add(matmul(x, w), b), y), [0, 1]);
 * const opt = sgd({ lr: 0.1, momentum: 0.5 });
 * for (let i = 0; i < 300; i++) opt.step([w, b], step(w, b).grad);
 * assert(Math.abs(w.item() - 2) < 1e-6 && Math.abs(b.item() - 1) < 1e-6);
 * ```
 *
 * @module
 */
export {
  checkGrad,
  type CheckGradOptions,
  type GradCheckEntry,
  GradCheckError,
  type GradCheckReport,
} from "./autograd/check_grad.ts";
export {
  type Argnums,
  grad,
  type GradOf,
  type ValueAndGrad,
  valueAndGrad,
} from "./autograd/grad.ts";
export type { DataFor, DType, TensorData } from "./dtype.ts";
export { BackendError, DeviceTensorError, DTypeError, ShapeError } from "./errors.ts";
export { type Executor, getExecutor, setExecutor, withExecutor } from "./executor/executor.ts";
export { serialExecutor } from "./executor/serial.ts";
export {
  type DecodedSafetensors,
  decodeSafetensors,
  type DecodeSafetensorsOptions,
  encodeSafetensors,
} from "./io/safetensors.ts";
export { SafetensorsError } from "./io/safetensors_error.ts";
export { type BackendName, type BackendOptions } from "./kernels/backend.ts";
export { backendNames, getBackend, setBackend } from "./executor/backends.ts";
export {
  matmul,
  matmulGrad,
  type MatmulGradName,
  type MatmulGradOptions,
  matmulGradPart,
  type MatmulGrads,
  type MatmulOutOptions,
} from "./ops/matmul.ts";
export type { MatmulOptions } from "./ops/matmul_plan.ts";
export { add, div, mul, neg, scale, sub } from "./ops/elementwise.ts";
export { mse, softmaxCrossEntropy } from "./ops/loss.ts";
export { mean, type ReduceOptions, sum } from "./ops/reduce.ts";
export { reshape } from "./ops/reshape.ts";
export { takeRows, type TakeRowsOptions } from "./ops/take.ts";
export { transpose } from "./ops/transpose.ts";
export { exp, log, relu, sigmoid, sqrt, square, tanh } from "./ops/unary.ts";
export { adam, type AdamOptions } from "./optim/adam.ts";
export type { Optimizer } from "./optim/optimizer.ts";
export { sgd, type SgdOptions } from "./optim/sgd.ts";
export { full, ones, randn, type RandnOptions, tensor, zeros } from "./tensor/constructors.ts";
export { getMaxTensorBytes, setMaxTensorBytes } from "./tensor/limits.ts";
export { formatShape } from "./tensor/shape.ts";
export { isTensor, type NestedArray, ReleasedTensorError, Tensor } from "./tensor/tensor.ts";
