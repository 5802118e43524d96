/**
 * Typed errors thrown by matgrad. Every message starts with the name of the
 * function at fault and names the shapes, dtypes or values involved.
 *
 * @module
 */

/**
 * Thrown when a shape is invalid or shapes do not fit together.
 *
 * @example Catching a shape error
 * ```ts
 * import { matmul, ShapeError, zeros } from "@matgrad/core";
 * import { assertThrows } from "@std/assert";
 *
 * assertThrows(() => matmul(zeros([3, 4]), zeros([5, 2])), ShapeError);
 * ```
 */
export class ShapeError extends Error {
  /** Creates a shape error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

/**
 * Thrown when a dtype is unknown or does not match what an operation needs,
 * for example an `out` buffer of the wrong dtype.
 *
 * @example Catching a dtype error
 * ```ts
 * import { DTypeError, zeros } from "@matgrad/core";
 * import { assertThrows } from "@std/assert";
 *
 * // deno-lint-ignore no-explicit-any
 * assertThrows(() => zeros([2], "int8" as any), DTypeError);
 * ```
 */
export class DTypeError extends Error {
  /** Creates a dtype error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "DTypeError";
  }
}
