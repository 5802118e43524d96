/**
 * Packing of operand panels into contiguous, zero-padded strips so that the
 * micro-kernels read both operands sequentially whatever their transposition.
 *
 * @module
 */
import type { TensorData } from "../../dtype.ts";

/**
 * Packs rows `i0 … i0+mc−1`, depths `p0 … p0+kc−1` of opA into strips of
 * `mr` rows: `dst[s·kc·mr + p·mr + r] = opA[i0 + s·mr + r][p0 + p]`, with
 * rows past `mc` set to zero.
 */
export function packA(
  transA: boolean,
  a: TensorData,
  aOff: number,
  lda: number,
  i0: number,
  mc: number,
  p0: number,
  kc: number,
  mr: number,
  dst: Float64Array,
): void {
  let d = 0;
  for (let s = 0; s < mc; s += mr) {
    const rows = Math.min(mr, mc - s);
    for (let p = 0; p < kc; p++) {
      if (transA) {
        const base = aOff + (p0 + p) * lda + i0 + s;
        for (let r = 0; r < rows; r++) dst[d + r] = a[base + r]!;
      } else {
        const base = aOff + (i0 + s) * lda + p0 + p;
        for (let r = 0; r < rows; r++) dst[d + r] = a[base + r * lda]!;
      }
      for (let r = rows; r < mr; r++) dst[d + r] = 0;
      d += mr;
    }
  }
}

/**
 * Packs depths `p0 … p0+kc−1`, columns `j0 … j0+nc−1` of opB into strips of
 * `nr` columns: `dst[s·kc·nr + p·nr + c] = opB[p0 + p][j0 + s·nr + c]`, with
 * columns past `nc` set to zero.
 */
export function packB(
  transB: boolean,
  b: TensorData,
  bOff: number,
  ldb: number,
  p0: number,
  kc: number,
  j0: number,
  nc: number,
  nr: number,
  dst: Float64Array,
): void {
  let d = 0;
  for (let s = 0; s < nc; s += nr) {
    const cols = Math.min(nr, nc - s);
    for (let p = 0; p < kc; p++) {
      if (transB) {
        const base = bOff + (j0 + s) * ldb + p0 + p;
        for (let c = 0; c < cols; c++) dst[d + c] = b[base + c * ldb]!;
      } else {
        const base = bOff + (p0 + p) * ldb + j0 + s;
        for (let c = 0; c < cols; c++) dst[d + c] = b[base + c]!;
      }
      for (let c = cols; c < nr; c++) dst[d + c] = 0;
      d += nr;
    }
  }
}
