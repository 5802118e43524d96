/**
 * Tensors on SharedArrayBuffers: workers read and write them in place, so a
 * product's operands and results cross no thread boundary by copy.
 *
 * @module
 */
import { type DType, sizeOf, Tensor, type TensorData } from "@matgrad/core";

/**
 * Whether `tensor`'s elements live in a SharedArrayBuffer (so the pool uses
 * them without copying).
 *
 * @example
 * ```ts
 * import { isShared, sharedZeros } from "@matgrad/parallel";
 * import { zeros } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isShared(sharedZeros([2, 3])), true);
 * assert.equal(isShared(zeros([2, 3])), false);
 * ```
 */
export function isShared(tensor: Tensor): boolean {
  return isSharedData(tensor.data);
}

/**
 * A tensor of zeros whose elements live in a new SharedArrayBuffer.
 *
 * @param shape The dimensions, outermost first.
 * @param dtype The element type; float32 by default, as core's constructors.
 * @throws {ShapeError} if the shape is invalid.
 * @example
 * ```ts
 * import { sharedZeros } from "@matgrad/parallel";
 * import assert from "node:assert/strict";
 *
 * const t = sharedZeros([2, 2], "float64");
 * assert.equal(t.data.buffer instanceof SharedArrayBuffer, true);
 * assert.deepEqual(t.toArray(), [[0, 0], [0, 0]]);
 * ```
 */
export function sharedZeros(shape: readonly number[], dtype: DType = "float32"): Tensor {
  return new Tensor(allocateShared(dtype, sizeOf(shape, "sharedZeros")), shape);
}

/**
 * Returns `tensor` itself if its elements are already shared, otherwise a
 * copy in a new SharedArrayBuffer (same shape, dtype and bits). Share the
 * tensors you multiply repeatedly (weights, inputs) once with it, and the
 * pool copies nothing per call.
 *
 * @example
 * ```ts
 * import { isShared, toShared } from "@matgrad/parallel";
 * import { tensor } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * const t = toShared(tensor([[1, 2], [3, 4]]));
 * assert.equal(isShared(t), true);
 * assert.equal(toShared(t), t); // no second copy
 * assert.deepEqual(t.toArray(), [[1, 2], [3, 4]]);
 * ```
 */
export function toShared(tensor: Tensor): Tensor {
  if (isShared(tensor)) return tensor;
  return new Tensor(sharedData(tensor.data, tensor.dtype), tensor.shape);
}

/** `data` in `dtype` on a SharedArrayBuffer: itself when it already is, else one copy. */
export function sharedData(data: TensorData, dtype: DType): TensorData {
  if (isSharedAs(data, dtype)) return data;
  const out = allocateShared(dtype, data.length);
  // `set` converts float64 to float32 with the same rounding as core's `cast`.
  out.set(data);
  return out;
}

/** A zeroed typed array of `dtype` on a new SharedArrayBuffer. */
export function allocateShared(dtype: DType, size: number): TensorData {
  const bytes = dtype === "float32" ? 4 : 8;
  const buffer = new SharedArrayBuffer(size * bytes);
  return dtype === "float32" ? new Float32Array(buffer) : new Float64Array(buffer);
}

/** Whether `data` is already what a product of `dtype` reads: shared, of that dtype. */
export function isSharedAs(data: TensorData, dtype: DType): boolean {
  return isSharedData(data) && (dtype === "float32") === (data instanceof Float32Array);
}

/** Whether `data` lives in a SharedArrayBuffer. */
export function isSharedData(data: TensorData): boolean {
  return typeof SharedArrayBuffer !== "undefined" && data.buffer instanceof SharedArrayBuffer;
}
