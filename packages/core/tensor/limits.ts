/**
 * The largest tensor matgrad allocates, checked before any allocation, so
 * that a shape too large for memory is a clear error naming the function,
 * the shape, the dtype and the bytes, never an engine crash or a machine
 * filling its memory.
 *
 * @module
 */
import type { DType } from "../dtype.ts";
import { formatShape, sizeOf } from "./shape.ts";

/** The default limit: 2 GiB per tensor. */
export const DEFAULT_MAX_TENSOR_BYTES: number = 2 ** 31;

let maxBytes = DEFAULT_MAX_TENSOR_BYTES;

/**
 * Sets the most bytes one tensor may take (default 2 GiB,
 * {@linkcode DEFAULT_MAX_TENSOR_BYTES}). Constructors and ops check the size
 * of every tensor they are about to allocate against it first, and throw a
 * `RangeError` naming the function, the shape and the bytes instead.
 *
 * @throws {RangeError} if `bytes` is not a positive number.
 * @example
 * ```ts
 * import { getMaxTensorBytes, setMaxTensorBytes, zeros } from "@matgrad/core";
 * import { assertStrictEquals, assertThrows } from "@std/assert";
 *
 * const before = getMaxTensorBytes();
 * setMaxTensorBytes(1024);
 * {
 *   const error = assertThrows(() => zeros([1024]), Error);
 *   assertStrictEquals(error.name, "RangeError");
 *   assertStrictEquals(error.message, "zeros: the result 1024 float32 needs 4 KiB, more than the 1 KiB limit " +
 *     "(see setMaxTensorBytes)");
 * }
 * setMaxTensorBytes(before);
 * ```
 */
export function setMaxTensorBytes(bytes: number): void {
  if (typeof bytes !== "number" || !(bytes > 0)) {
    throw new RangeError(`setMaxTensorBytes: bytes must be a positive number, got ${bytes}`);
  }
  maxBytes = bytes;
}

/**
 * The most bytes one tensor may take; see {@linkcode setMaxTensorBytes}.
 *
 * @example
 * ```ts
 * import { getMaxTensorBytes } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(getMaxTensorBytes(), 2 ** 31);
 * ```
 */
export function getMaxTensorBytes(): number {
  return maxBytes;
}

/** Bytes in binary units: `32 GiB`, `4 KiB`, `12 bytes`. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = i === 0 ? String(v) : String(Number(v.toPrecision(3)));
  return `${text} ${units[i]}`;
}

/**
 * Checks that `count` elements of `dtype` (a tensor of `shape`, or what a
 * plan would fill) fit the limit before anything is allocated.
 *
 * @throws {RangeError} naming `fn`, the shape, the dtype and the bytes.
 */
export function checkTensorBytes(
  fn: string,
  shape: readonly number[],
  dtype: DType,
  what = "the result",
): void {
  const bytes = sizeOf(shape, fn) * (dtype === "float32" ? 4 : 8);
  if (bytes > maxBytes) {
    throw new RangeError(
      `${fn}: ${what} ${formatShape(shape)} ${dtype} needs ${formatBytes(bytes)}, more than ` +
        `the ${formatBytes(maxBytes)} limit (see setMaxTensorBytes)`,
    );
  }
}
