/**
 * Element types and the typed arrays behind them: the one module every layer
 * may import, kernels included (it imports nothing).
 *
 * @module
 */

/** The element types matgrad computes in. */
export type DType = "float32" | "float64";

/** The typed array behind a tensor of each dtype. */
export type DataFor<D extends DType> = D extends "float32" ? Float32Array : Float64Array;

/** Any typed array a tensor can hold. */
export type TensorData = Float32Array | Float64Array;

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): 4 | 8 {
  return dtype === "float32" ? 4 : 8;
}

/** float32 only when both are float32, as NumPy and JAX promote. */
export function resultDType(a: DType, b: DType): DType {
  return a === "float64" || b === "float64" ? "float64" : "float32";
}
