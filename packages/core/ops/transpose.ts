/**
 * {@linkcode transpose}: swaps the last two axes.
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import { ShapeError } from "../errors.ts";
import { formatShape } from "../tensor/shape.ts";
import { allocateFor } from "../tensor/storage.ts";
import { describe, isTensor, storageOf, Tensor } from "../tensor/tensor.ts";
import { run } from "./op_helpers.ts";

/**
 * Returns a copy with the last two axes swapped: the matrix transpose of a
 * 2-D tensor, and of every matrix in a stack of matrices. `matmul` never
 * needs this: pass `transposeA` / `transposeB` instead, which reads the
 * operand transposed without copying it.
 *
 * @throws {ShapeError} if the tensor has fewer than two dimensions.
 * @throws {TypeError} if `t` is not a Tensor.
 * @example
 * ```ts
 * import { tensor, transpose } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(transpose(tensor([[1, 2, 3], [4, 5, 6]])).toArray(), [[1, 4], [2, 5], [3, 6]]);
 * ```
 */
export function transpose(t: Tensor): Tensor {
  if (!isTensor(t)) {
    throw new TypeError(`transpose: expected a Tensor, got ${describe(t)}`);
  }
  const nd = t.shape.length;
  if (nd < 2) {
    throw new ShapeError(
      `transpose: needs at least 2 dimensions, got shape ${formatShape(t.shape)}`,
    );
  }
  const rows = t.shape[nd - 2]!;
  const cols = t.shape[nd - 1]!;
  const shape = [...t.shape];
  shape[nd - 2] = cols;
  shape[nd - 1] = rows;
  const dst = allocateFor("transpose", shape, t.dtype);
  const count = rows * cols === 0 ? 0 : t.size / (rows * cols);
  run({
    kind: "transpose",
    x: storageOf(t),
    out: dst,
    rows,
    cols,
    units: count * rows,
    work: 40 * t.size,
  });
  const out = new Tensor(dst, shape);
  if (tracing()) record(out, [t], (g) => [transpose(g)]);
  return out;
}
