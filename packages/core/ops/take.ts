/**
 * {@linkcode takeRows} (NumPy's `take(x, rows, axis=0)`) and, beside it,
 * its gradient: the rows of the output's gradient added back into the rows
 * they came from.
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import { getExecutor } from "../executor/executor.ts";
import { ShapeError } from "../errors.ts";
import { allocateData, allocateFor, disown } from "../tensor/storage.ts";
import { describe, storageOf, Tensor } from "../tensor/tensor.ts";
import { checkOut, checkTensor, run } from "./op_helpers.ts";

/** Options of {@linkcode takeRows}. */
export interface TakeRowsOptions {
  /**
   * A tensor to write the rows into instead of allocating one: the result's
   * shape and dtype, sharing no memory with `x`; checked before anything is
   * written.
   */
  out?: Tensor;
}

/**
 * The rows of `x` (along its first axis) that `rows` names, in that order:
 * `out[i] = x[rows[i]]`, as NumPy's `take(x, rows, axis=0)` and PyTorch's
 * `index_select(x, 0, rows)`. A row may be taken more than once; its
 * gradient then sums those rows' gradients, in the order of `rows`. Each
 * output row is a unit, so an executor with threads splits the copy
 * across them (a minibatch gathered from a shuffled data set).
 *
 * @param rows Row numbers of `x`: integers in `[0, rows of x)`.
 * @throws {TypeError} if `x` is not a Tensor or `rows` is not array-like.
 * @throws {ShapeError} if `x` is a scalar, or `out` has the wrong shape.
 * @throws {RangeError} naming the first index that is not a row of `x`, or
 * if `out` shares memory with `x`.
 * @throws {DTypeError} if `out` has the wrong dtype.
 * @example
 * ```ts
 * import { takeRows, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * assertEquals(takeRows(x, [2, 0, 2]).toArray(), [[5, 6], [1, 2], [5, 6]]);
 * ```
 */
export function takeRows(
  x: Tensor,
  rows: ArrayLike<number>,
  options: TakeRowsOptions = {},
): Tensor {
  checkTensor(x, "x", "takeRows");
  if (rows === null || typeof rows !== "object" || typeof rows.length !== "number") {
    throw new TypeError(`takeRows: rows must be an array of row numbers, got ${describe(rows)}`);
  }
  if (x.shape.length === 0) {
    throw new ShapeError("takeRows: x must have at least one axis, got a scalar");
  }
  const n = x.shape[0]!;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new RangeError(
        `takeRows: rows[${i}] is ${String(r)}, not a row of x (${
          n === 0 ? "which has none" : `0 … ${n - 1}`
        })`,
      );
    }
  }
  const device = getExecutor().device;
  if (device !== undefined) {
    throw new TypeError(`takeRows: runs on the CPU executors only, not yet on ${device}`);
  }
  const shape = [rows.length, ...x.shape.slice(1)];
  const out = options.out === undefined
    ? new Tensor(allocateFor("takeRows", shape, x.dtype), shape)
    : checkOut(options.out, shape, x.dtype, [x], "takeRows", "out");
  const cols = n === 0 ? 0 : x.size / n;
  // In the executor's memory, so that its threads read the indices where they lie.
  const index = allocateData("float64", rows.length) as Float64Array;
  for (let i = 0; i < rows.length; i++) index[i] = rows[i]!;
  run({
    kind: "gatherRows",
    x: storageOf(x),
    index,
    out: storageOf(out),
    cols,
    units: rows.length,
    work: 20 * rows.length * cols,
  });
  if (tracing()) {
    const kept = Float64Array.from(index);
    record(out, [x], (g) => [scatterRows(g, kept, x.shape)]);
  }
  disown(index);
  return out;
}

/** Zeros of `shape` with row `index[i]` increased by row `i` of `g`, for each i in order. */
function scatterRows(g: Tensor, index: Float64Array, shape: readonly number[]): Tensor {
  const out = new Tensor(allocateFor("takeRows (gradient)", shape, g.dtype, true), shape);
  const n = shape[0]!;
  run({
    kind: "scatterRows",
    g: storageOf(g),
    index,
    out: storageOf(out),
    cols: n === 0 ? 0 : out.size / n,
    units: 1,
    work: 20 * g.size,
  });
  return out;
}
