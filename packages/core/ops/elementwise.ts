/**
 * Differentiable element-wise arithmetic with NumPy broadcasting:
 * {@linkcode add}, {@linkcode sub}, {@linkcode mul}, {@linkcode div},
 * {@linkcode neg} and {@linkcode scale}. Each backward rule sits right under
 * its forward; broadcast gradients are summed back to each input's shape.
 *
 * Mixed dtypes promote as in `matmul`: float32 with float32 gives float32,
 * anything with float64 gives float64; each input's gradient comes back in
 * that input's own dtype.
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import { Binary, type BinaryOp, Unary, type UnaryOp } from "../kernels/elementwise.ts";
import { broadcastStrides } from "../kernels/strided.ts";
import type { TensorData } from "../dtype.ts";
import type { UnaryRun } from "../kernels/tasks.ts";
import { allocateFor } from "../tensor/storage.ts";
import { storageOf, Tensor } from "../tensor/tensor.ts";
import { broadcastShape, sumTo } from "./broadcast.ts";
import { checkTensor, resultDType, run } from "./op_helpers.ts";

/** Checks, broadcasts and promotes two operands, then runs the element loop. */
function binary(fn: string, a: Tensor, b: Tensor, op: BinaryOp): Tensor {
  checkTensor(a, "a", fn);
  checkTensor(b, "b", fn);
  const shape = broadcastShape(a.shape, b.shape, fn);
  const out = allocateFor(fn, shape, resultDType(a.dtype, b.dtype));
  const size = out.length;
  run({
    kind: "binary",
    op,
    shape,
    a: storageOf(a),
    sa: broadcastStrides(a.shape, shape),
    b: storageOf(b),
    sb: broadcastStrides(b.shape, shape),
    out,
    units: size,
    work: 20 * size,
  });
  return new Tensor(out, shape);
}

/** `op(x, c)` element by element into a new tensor of x's shape and dtype. */
export function unary(fn: string, x: Tensor, op: UnaryOp, c = 0): Tensor {
  checkTensor(x, "x", fn);
  const out = allocateFor(fn, x.shape, x.dtype);
  run(unaryTask(op, storageOf(x), out, c));
  return new Tensor(out, x.shape);
}

/** The task of `out[i] = op(x[i], c)`; `out` may be `x`. */
export function unaryTask(op: UnaryOp, x: TensorData, out: TensorData, c = 0): UnaryRun {
  return { kind: "unary", op, x, out, c, units: x.length, work: 20 * x.length };
}

/**
 * Element-wise `a + b` with broadcasting.
 *
 * @throws {TypeError} if an operand is not a Tensor.
 * @throws {ShapeError} if the shapes do not broadcast.
 * @example
 * ```ts
 * import { add, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * // A bias row broadcasts over every row.
 * assertEquals(add(tensor([[1, 2], [3, 4]]), tensor([10, 20])).toArray(), [[11, 22], [13, 24]]);
 * ```
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const out = binary("add", a, b, Binary.add);
  if (tracing()) {
    record(
      out,
      [a, b],
      (g, [na, nb]) => [na ? sumTo(g, a) : undefined, nb ? sumTo(g, b) : undefined],
    );
  }
  return out;
}

/**
 * Element-wise `a − b` with broadcasting.
 *
 * @throws {TypeError} if an operand is not a Tensor.
 * @throws {ShapeError} if the shapes do not broadcast.
 * @example
 * ```ts
 * import { sub, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(sub(tensor([5, 7]), tensor([1, 2])).toArray(), [4, 5]);
 * ```
 */
export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binary("sub", a, b, Binary.sub);
  if (tracing()) {
    record(out, [a, b], (g, [na, nb]) => [
      na ? sumTo(g, a) : undefined,
      nb ? sumTo(neg(g), b) : undefined,
    ]);
  }
  return out;
}

/**
 * Element-wise (Hadamard) product `a ⊙ b` with broadcasting.
 *
 * @throws {TypeError} if an operand is not a Tensor.
 * @throws {ShapeError} if the shapes do not broadcast.
 * @example
 * ```ts
 * import { mul, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(mul(tensor([[1, 2], [3, 4]]), tensor([[2], [3]])).toArray(), [[2, 4], [9, 12]]);
 * ```
 */
export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binary("mul", a, b, Binary.mul);
  if (tracing()) {
    record(out, [a, b], (g, [na, nb]) => [
      na ? sumTo(mul(g, b), a) : undefined,
      nb ? sumTo(mul(g, a), b) : undefined,
    ]);
  }
  return out;
}

/**
 * Element-wise quotient `a / b` with broadcasting (IEEE: `x / 0` is ±Infinity or NaN).
 *
 * @throws {TypeError} if an operand is not a Tensor.
 * @throws {ShapeError} if the shapes do not broadcast.
 * @example
 * ```ts
 * import { div, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(div(tensor([3, 8]), tensor([2])).toArray(), [1.5, 4]);
 * ```
 */
export function div(a: Tensor, b: Tensor): Tensor {
  const out = binary("div", a, b, Binary.div);
  // ∂(a/b)/∂b = −(a/b)/b, read from the saved output.
  if (tracing()) {
    record(out, [a, b], (g, [na, nb]) => [
      na ? sumTo(div(g, b), a) : undefined,
      nb ? sumTo(neg(div(mul(g, out), b)), b) : undefined,
    ]);
  }
  return out;
}

/**
 * `g` where `x > 0` and `g·0` elsewhere, in one pass: relu's backward rule,
 * bit for bit `mul(g, step(x))` without the step's tensor. Linear in `g`,
 * and constant in `x` (whose derivative through it is 0 almost everywhere).
 */
export function gate(g: Tensor, x: Tensor): Tensor {
  const out = binary("gate", g, x, Binary.gate);
  if (tracing()) record(out, [g], (h) => [sumTo(gate(h, x), g)]);
  return out;
}

/**
 * Element-wise negation `−x`.
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @example
 * ```ts
 * import { neg, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(neg(tensor([1, -2])).toArray(), [-1, 2]);
 * ```
 */
export function neg(x: Tensor): Tensor {
  const y = unary("neg", x, Unary.neg);
  if (tracing()) record(y, [x], (g) => [neg(g)]);
  return y;
}

/**
 * Multiplies every element by the number `s`: `s·x`, in x's dtype.
 *
 * @throws {TypeError} if `x` is not a Tensor or `s` is not a number.
 * @example
 * ```ts
 * import { scale, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(scale(tensor([1, -2]), 3).toArray(), [3, -6]);
 * ```
 */
export function scale(x: Tensor, s: number): Tensor {
  checkTensor(x, "x", "scale");
  if (typeof s !== "number") {
    throw new TypeError(`scale: s must be a number, got ${typeof s} ${String(s)}`);
  }
  const y = unary("scale", x, Unary.scale, s);
  if (tracing()) record(y, [x], (g) => [scale(g, s)]);
  return y;
}
