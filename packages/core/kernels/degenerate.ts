/**
 * What every kernel does before any arithmetic, so that the backends agree
 * on it by construction.
 *
 * @module
 */
import type { TensorData } from "../dtype.ts";

/**
 * Handles a product with nothing to multiply and returns true: an empty C
 * (`m` or `n` is 0) is left alone, and an empty sum (`k` is 0) is 0, so C is
 * cleared, or kept when accumulating. Returns false for every other product.
 */
export function degenerateProduct(
  m: number,
  n: number,
  k: number,
  c: TensorData,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): boolean {
  if (m === 0 || n === 0) return true;
  if (k !== 0) return false;
  if (!accumulate) {
    for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
  }
  return true;
}
