/**
 * The closed-form least-squares fit, in float64, that training is measured
 * against: min over W, b of ‖X·W + b − Y‖².
 *
 * @module
 */
import { Tensor } from "@matgrad/core";

/** Linear-model parameters: weights D×M and bias of length M. */
export interface LinearParams {
  /** Weights, D×M. */
  readonly w: Tensor;
  /** Bias, length M. */
  readonly b: Tensor;
}

/**
 * Solves min ‖X·W + b − Y‖² exactly. The columns are centred (which removes
 * b), then W comes from a Householder QR of the centred X (better conditioned
 * than the normal equations XᵀX·W = XᵀY), and b = ȳ − x̄·W. A column that is a
 * combination of others gets weight 0.
 *
 * @param onProgress Called after each Householder step with the share of the
 * work done, in (0, 1] (the fit is O(n·d·(d + m)): seconds at 16384×512).
 * @example
 * ```ts
 * import { leastSquares } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assert } from "@std/assert";
 *
 * // y = 2x + 1 exactly
 * const { w, b } = leastSquares(tensor([[0], [1], [2]], undefined, "float64"),
 *   tensor([[1], [3], [5]], undefined, "float64"));
 * assert(Math.abs(w.data[0]! - 2) < 1e-12 && Math.abs(b.data[0]! - 1) < 1e-12);
 * ```
 */
export function leastSquares(
  x: Tensor,
  y: Tensor,
  onProgress?: (fraction: number) => void,
): LinearParams {
  const [n, d] = x.shape as [number, number];
  const m = y.shape[1]!;
  const xMean = columnMeans(x.data, n, d), yMean = columnMeans(y.data, n, m);
  // Column-major copies: Householder works down columns.
  const a = new Float64Array(n * d), q = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) a[j * n + i] = x.data[i * d + j]! - xMean[j]!;
    for (let j = 0; j < m; j++) q[j * n + i] = y.data[i * m + j]! - yMean[j]!;
  }
  const diag = new Float64Array(d);
  const steps = Math.min(n, d);
  // Step k reflects d − k − 1 + m columns of n − k rows.
  const work = (k: number) => (d - k - 1 + m) * (n - k);
  let total = 0, done = 0;
  if (onProgress) { for (let k = 0; k < steps; k++) total += work(k); }
  for (let k = 0; k < steps; k++) {
    if (onProgress) {
      if (k > 0) onProgress(done / total);
      done += work(k);
    }
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[k * n + i]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = a[k * n + k]! > 0 ? -norm : norm;
    diag[k] = alpha;
    if (norm === 0) continue;
    // v = x − alpha·e₁ stored in place of column k below the diagonal.
    a[k * n + k]! -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += a[k * n + i]! ** 2;
    if (vv === 0) continue;
    const reflect = (col: Float64Array, c: number) => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += a[k * n + i]! * col[c * n + i]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < n; i++) col[c * n + i]! -= f * a[k * n + i]!;
    };
    for (let c = k + 1; c < d; c++) reflect(a, c);
    for (let c = 0; c < m; c++) reflect(q, c);
  }
  onProgress?.(1);
  // Back substitution R·W = (QᵀY)[0:d]; R's diagonal is `diag`, above it `a`.
  let scale = 0;
  for (let k = 0; k < steps; k++) scale = Math.max(scale, Math.abs(diag[k]!));
  const w = new Float64Array(d * m);
  for (let c = 0; c < m; c++) {
    for (let k = steps - 1; k >= 0; k--) {
      if (Math.abs(diag[k]!) <= 1e-12 * scale) continue; // dependent column: weight 0
      let s = q[c * n + k]!;
      for (let j = k + 1; j < d; j++) s -= a[j * n + k]! * w[j * m + c]!;
      w[k * m + c] = s / diag[k]!;
    }
  }
  const b = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    let s = yMean[c]!;
    for (let j = 0; j < d; j++) s -= xMean[j]! * w[j * m + c]!;
    b[c] = s;
  }
  return { w: new Tensor(w, [d, m]), b: new Tensor(b, [m]) };
}

function columnMeans(data: ArrayLike<number>, n: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) mean[j]! += data[i * cols + j]!;
  for (let j = 0; j < cols; j++) mean[j]! /= Math.max(n, 1);
  return mean;
}
