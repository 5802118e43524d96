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

/**
 * Thrown when a tensor whose memory lives on a device (the `"webgpu"`
 * backend) is read synchronously through `data`, `toArray()` or `item()`,
 * or used by ops running somewhere else: its host placeholder does not hold
 * its values. Read it with `await t.read()`.
 *
 * @example
 * ```ts
 * import { DeviceTensorError } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(new DeviceTensorError("x").name, "DeviceTensorError");
 * ```
 */
export class DeviceTensorError extends Error {
  /** Creates a device-tensor error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "DeviceTensorError";
  }
}

/**
 * Thrown (or the promise of `setBackend` rejected with it) when a backend
 * cannot be used: an unknown name, a package not imported, or no device
 * (`reason` says which, e.g. `"navigator.gpu.requestAdapter() returned
 * null"`).
 *
 * @example
 * ```ts
 * import { BackendError } from "@matgrad/core";
 * import { assertMatch, assertStrictEquals } from "@std/assert";
 *
 * const e = new BackendError("webgpu", "no adapter");
 * assertStrictEquals(e.backend, "webgpu");
 * assertMatch(e.message, /no adapter/);
 * ```
 */
export class BackendError extends Error {
  /** The backend asked for. */
  readonly backend: string;
  /** Why it cannot be used. */
  readonly reason: string;
  /** Creates the error for `backend`, saying `reason`. */
  constructor(backend: string, reason: string) {
    super(`setBackend(${JSON.stringify(backend)}): ${reason}`);
    this.name = "BackendError";
    this.backend = backend;
    this.reason = reason;
  }
}
