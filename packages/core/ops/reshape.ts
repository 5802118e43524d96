/**
 * {@linkcode reshape}: the same elements under another shape.
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import { ShapeError } from "../errors.ts";
import { formatShape, sizeOf } from "../tensor/shape.ts";
import { describe, isTensor, storageOf, Tensor } from "../tensor/tensor.ts";

/**
 * Returns a tensor with the same elements in the same row-major order under
 * a new shape. One dimension may be `-1`, meaning "whatever fits". The result
 * shares `data` with the input (no copy), as NumPy's `reshape` does when it can.
 *
 * @throws {ShapeError} if the sizes differ or the shape is invalid.
 * @throws {TypeError} if `t` is not a Tensor.
 * @example
 * ```ts
 * import { reshape, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const t = reshape(tensor([1, 2, 3, 4, 5, 6]), [2, -1]);
 * assertEquals(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
 * ```
 */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const resolved = resolveShape(t, shape);
  const out = new Tensor(storageOf(t), resolved);
  if (tracing()) record(out, [t], (g) => [reshape(g, t.shape)]);
  return out;
}

/** Resolves a `-1` in a target shape and checks the element count. */
export function resolveShape(t: Tensor, shape: readonly number[]): number[] {
  if (!isTensor(t)) {
    throw new TypeError(`reshape: expected a Tensor, got ${describe(t)}`);
  }
  if (!Array.isArray(shape)) {
    throw new ShapeError(`reshape: shape must be an array of dimensions, got ${String(shape)}`);
  }
  const free = shape.indexOf(-1);
  const out = [...shape];
  if (free >= 0) {
    if (shape.indexOf(-1, free + 1) >= 0) {
      throw new ShapeError(`reshape: only one dimension may be -1, got [${shape.join(", ")}]`);
    }
    out[free] = 1;
    const rest = sizeOf(out, "reshape");
    if (rest === 0 || t.size % rest !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) to [${
          shape.join(", ")
        }]`,
      );
    }
    out[free] = t.size / rest;
  }
  const size = sizeOf(out, "reshape");
  if (size !== t.size) {
    throw new ShapeError(
      `reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) to ${
        formatShape(out)
      } (${size} elements)`,
    );
  }
  return out;
}
