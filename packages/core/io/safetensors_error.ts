/**
 * {@linkcode SafetensorsError}: the one error a safetensors file that cannot
 * be read is reported with.
 *
 * @module
 */

/**
 * Thrown by {@linkcode decodeSafetensors} when the bytes are not a valid
 * safetensors file or hold a tensor matgrad cannot represent. The message
 * starts with `decodeSafetensors:`, names the problem and, where there is one,
 * the tensor at fault.
 *
 * @example Catching a truncated file
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, SafetensorsError, tensor } from "@matgrad/core";
 * import { assertStrictEquals, assertThrows } from "@std/assert";
 *
 * const bytes = encodeSafetensors({ "layer.weight": tensor([[1, 2], [3, 4]]) });
 * {
 *   const e = assertThrows(() => decodeSafetensors(bytes.subarray(0, bytes.length - 1)));
 *   assertStrictEquals(e instanceof SafetensorsError && /"layer\.weight"/.test(e.message), true);
 * }
 * ```
 */
export class SafetensorsError extends Error {
  /** Creates a safetensors error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}
