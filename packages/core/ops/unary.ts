/**
 * Differentiable element-wise functions: {@linkcode square},
 * {@linkcode sqrt}, {@linkcode exp}, {@linkcode log}, {@linkcode relu},
 * {@linkcode sigmoid} and {@linkcode tanh}. Each backward rule sits right
 * under its forward and keeps the input's dtype.
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import { Unary, type UnaryOp } from "../kernels/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { div, gate, mul, scale, unary } from "./elementwise.ts";

/** Checks `x` and applies `op` to every element, in x's dtype. */
export function map(fn: string, x: Tensor, op: UnaryOp): Tensor {
  return unary(fn, x, op);
}

/**
 * Element-wise `x²`.
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { square, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(square(tensor([-3, 2])).toArray(), [9, 4]);
 * ```
 */
export function square(x: Tensor): Tensor {
  const y = map("square", x, Unary.square);
  if (tracing()) record(y, [x], (g) => [mul(g, scale(x, 2))]);
  return y;
}

/**
 * Element-wise `√x` (NaN for negative x; the gradient at 0 is +Infinity).
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { sqrt, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(sqrt(tensor([4, 9])).toArray(), [2, 3]);
 * ```
 */
export function sqrt(x: Tensor): Tensor {
  const y = map("sqrt", x, Unary.sqrt);
  if (tracing()) record(y, [x], (g) => [div(g, scale(y, 2))]);
  return y;
}

/**
 * Element-wise `eˣ`.
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { exp, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(exp(tensor([0], [1], "float64")).toArray(), [1]);
 * ```
 */
export function exp(x: Tensor): Tensor {
  const y = map("exp", x, Unary.exp);
  if (tracing()) record(y, [x], (g) => [mul(g, y)]);
  return y;
}

/**
 * Element-wise natural logarithm (−Infinity at 0, NaN below).
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { log, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(log(tensor([1], [1], "float64")).toArray(), [0]);
 * ```
 */
export function log(x: Tensor): Tensor {
  const y = map("log", x, Unary.log);
  if (tracing()) record(y, [x], (g) => [div(g, x)]);
  return y;
}

/**
 * Element-wise `max(x, 0)`; its gradient is 1 where x > 0 and 0 elsewhere
 * (0 at x = 0, as in PyTorch and JAX).
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { relu, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(relu(tensor([-1, 0, 2])).toArray(), [0, 0, 2]);
 * ```
 */
export function relu(x: Tensor): Tensor {
  const y = map("relu", x, Unary.relu);
  if (tracing()) record(y, [x], (g) => [gate(g, x)]);
  return y;
}

/**
 * Element-wise logistic function `1 / (1 + e⁻ˣ)`, computed without overflow
 * for large |x|.
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { sigmoid, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(sigmoid(tensor([0, 1000, -1000])).toArray(), [0.5, 1, 0]);
 * ```
 */
export function sigmoid(x: Tensor): Tensor {
  const y = map("sigmoid", x, Unary.sigmoid);
  if (tracing()) record(y, [x], (g) => [mul(g, map("sigmoid", y, Unary.sigmoidGrad))]);
  return y;
}

/**
 * Element-wise hyperbolic tangent.
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { tanh, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(tanh(tensor([0])).toArray(), [0]);
 * ```
 */
export function tanh(x: Tensor): Tensor {
  const y = map("tanh", x, Unary.tanh);
  if (tracing()) record(y, [x], (g) => [mul(g, map("tanh", y, Unary.tanhGrad))]);
  return y;
}
