/**
 * Differentiable reductions {@linkcode sum} and {@linkcode mean}, over all
 * axes or one axis. Sums accumulate in float64, in row-major order, and are
 * rounded once to the input's dtype.
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import { formatShape } from "../tensor/shape.ts";
import { type DType, storageOf, Tensor } from "../tensor/tensor.ts";
import { broadcastTo, reduceTo } from "./broadcast.ts";
import { Unary } from "../kernels/elementwise.ts";
import { unaryTask } from "./elementwise.ts";
import { checkTensor, run } from "./op_helpers.ts";

/** Options of {@linkcode sum} and {@linkcode mean}. */
export interface ReduceOptions {
  /** The axis to reduce (negative counts from the end). Default: all axes. */
  axis?: number;
  /** Keep the reduced axis (or all axes) with length 1. Default: false. */
  keepDims?: boolean;
}

interface Reduction {
  /** The input's shape with reduced axes set to 1. */
  kept: number[];
  /** The result's shape. */
  shape: number[];
  /** How many elements each result sums. */
  count: number;
}

function plan(fn: string, x: Tensor, options: ReduceOptions): Reduction {
  checkTensor(x, "x", fn);
  const { axis, keepDims = false } = options;
  if (typeof keepDims !== "boolean") {
    throw new TypeError(`${fn}: option keepDims must be a boolean, got ${String(keepDims)}`);
  }
  const nd = x.shape.length;
  if (axis === undefined) {
    const kept = x.shape.map(() => 1);
    return { kept, shape: keepDims ? kept : [], count: x.size };
  }
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd) {
    throw new RangeError(
      `${fn}: axis ${String(axis)} is out of range for x of shape ${
        formatShape(x.shape)
      } (${nd} dimensions)`,
    );
  }
  const ax = axis < 0 ? axis + nd : axis;
  const kept = [...x.shape];
  kept[ax] = 1;
  const shape = keepDims ? kept : x.shape.filter((_, i) => i !== ax);
  return { kept, shape, count: x.shape[ax]! };
}

function reduce(fn: string, x: Tensor, r: Reduction, dtype: DType, divide: boolean): Tensor {
  const s = reduceTo(x, r.kept, dtype, divide ? r.count : 1, fn);
  return new Tensor(storageOf(s), r.shape);
}

/**
 * Sums the elements of `x`: all of them (a scalar) or along one axis.
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @throws {RangeError} if `axis` is out of range.
 * @example
 * ```ts
 * import { sum, tensor } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * assertStrictEquals(sum(x).item(), 21);
 * assertEquals(sum(x, { axis: 0 }).toArray(), [5, 7, 9]);
 * assertEquals(sum(x, { axis: -1, keepDims: true }).toArray(), [[6], [15]]);
 * ```
 */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  const r = plan("sum", x, options);
  const y = reduce("sum", x, r, x.dtype, false);
  if (tracing()) record(y, [x], (g) => [broadcastTo(new Tensor(storageOf(g), r.kept), x.shape)]);
  return y;
}

/**
 * Averages the elements of `x`: all of them (a scalar) or along one axis.
 * The float64 sum is divided by the count before rounding to x's dtype.
 *
 * @throws {TypeError} if `x` is not a Tensor.
 * @throws {RangeError} if `axis` is out of range.
 * @example
 * ```ts
 * import { mean, tensor } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * assertStrictEquals(mean(x).item(), 3.5);
 * assertEquals(mean(x, { axis: 1 }).toArray(), [2, 5]);
 * ```
 */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  const r = plan("mean", x, options);
  const y = reduce("mean", x, r, x.dtype, true);
  if (tracing()) {
    record(y, [x], (g) => {
      const d = broadcastTo(new Tensor(storageOf(g), r.kept), x.shape);
      run(unaryTask(Unary.divide, storageOf(d), storageOf(d), r.count));
      return [d];
    });
  }
  return y;
}
