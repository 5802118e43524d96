/**
 * Tensors in the shared heap: what every thread of every pool reads in
 * place. Tensors made while a pool is the executor are there already;
 * these helpers put others there.
 *
 * @module
 */
import { type DType, isTensor, Tensor, withExecutor } from "@matgrad/core";
import { allocateData, checkTensorBytes, sizeOf } from "@matgrad/core/backend";
import { heapExecutor, heapSupported, inHeap } from "./heap.ts";

/**
 * Whether `tensor`'s data lives in the shared heap, where the pools' workers
 * read it without a copy.
 *
 * @example
 * ```ts
 * import { isShared, sharedZeros } from "@matgrad/parallel";
 * import { zeros } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(isShared(sharedZeros([2])), true);
 * assertStrictEquals(isShared(zeros([2])), false);
 * ```
 */
export function isShared(tensor: Tensor): boolean {
  return inHeap(tensor.data);
}

function inSharedHeap<T>(fn: () => T): T {
  if (!heapSupported()) {
    throw new Error("matgrad parallel: this runtime has no growable SharedArrayBuffer");
  }
  return withExecutor(heapExecutor, fn);
}

/**
 * A zero-filled tensor in the shared heap, to pass as `out` to the pool.
 *
 * @throws {RangeError} if the shape is too large (see `setMaxTensorBytes`).
 * @example
 * ```ts
 * import { sharedZeros } from "@matgrad/parallel";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(sharedZeros([2, 2], "float64").toArray(), [[0, 0], [0, 0]]);
 * ```
 */
export function sharedZeros(shape: readonly number[], dtype: DType = "float32"): Tensor {
  const size = sizeOf(shape, "sharedZeros");
  checkTensorBytes("sharedZeros", shape, dtype);
  return inSharedHeap(() => new Tensor(allocateData(dtype, size, true), shape));
}

/**
 * `tensor` itself if it lives in the shared heap, else a copy there (same
 * shape, dtype and values): share an operand once, reuse it without copies.
 *
 * @example
 * ```ts
 * import { isShared, toShared } from "@matgrad/parallel";
 * import { tensor } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const t = toShared(tensor([1, 2, 3]));
 * assertStrictEquals(isShared(t), true);
 * assertEquals(t.toArray(), [1, 2, 3]);
 * ```
 */
export function toShared(tensor: Tensor): Tensor {
  if (isShared(tensor)) return tensor;
  return inSharedHeap(() => {
    const data = allocateData(tensor.dtype, tensor.size);
    data.set(tensor.data);
    return new Tensor(data, tensor.shape);
  });
}

/** Throws the pool's TypeError unless `out` lives in the shared heap. */
export function checkShared(out: Tensor, fn: string, name: string): void {
  if (isTensor(out) && !isShared(out)) {
    throw new TypeError(
      `${fn}: ${name} must live in a SharedArrayBuffer for the workers to write into it ` +
        `(make it with sharedZeros or toShared)`,
    );
  }
}
