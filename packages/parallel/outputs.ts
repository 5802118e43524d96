/**
 * The pool's results: output tensors given by the caller, and gradients
 * returned in their operand's dtype.
 *
 * @module
 */
import { cast, checkOut, type DType, Tensor, type TensorData } from "@matgrad/core";
import { isShared } from "./shared.ts";

/** `out` itself, if it lives in a SharedArrayBuffer that workers can write into. */
export function checkShared(out: Tensor, fn: string, name: string): Tensor {
  if (!isShared(out)) {
    throw new TypeError(
      `${fn}: ${name} must live in a SharedArrayBuffer for the workers to write into it ` +
        `(make it with sharedZeros or toShared)`,
    );
  }
  return out;
}

/**
 * The gradient in `of`'s dtype, rounded once at the end as core does; written
 * into `out` when given (unless the workers already wrote there).
 */
export function like(data: TensorData, of: Tensor, out: Tensor | undefined): Tensor {
  if (out !== undefined) {
    if (out.data !== data) out.data.set(data);
    return out;
  }
  const same = (of.dtype === "float32") === (data instanceof Float32Array);
  return new Tensor(same ? data : cast(data, of.dtype), of.shape);
}

/**
 * Checks an optional output tensor as core does (shape, dtype, no overlap
 * with `inputs`) and that workers can write into it.
 */
export function sharedOut(
  out: Tensor | undefined,
  shape: readonly number[],
  dtype: DType,
  inputs: readonly Tensor[],
  fn: string,
  name: string,
): Tensor | undefined {
  if (out === undefined) return undefined;
  return checkShared(checkOut(out, shape, dtype, inputs, fn, name), fn, name);
}
