/**
 * Test shapes derived from a kernel's own blocking parameters, so that
 * retuning a kernel moves its tests with it: every boundary b is taken at
 * b−1, b and b+1 (tile sizes at their second multiple too), and crossed
 * over the three dimensions of a product.
 *
 * @module
 */
import type { KernelBlocking } from "@matgrad/core/kernels";

/** One product shape: op(A) is m×k, op(B) k×n. */
export interface ShapeClass {
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** Boundaries at most this large are tile sizes, crossed in full over the three dimensions. */
export const TILE_LIMIT = 48;

/**
 * Boundaries above this are switches no test shape can afford to reach
 * (today only `rowsBelowN` = 2³⁰, which disables that limit for float32).
 */
export const BOUNDARY_LIMIT = 4096;

/** How many of the smallest companions (1, 2 and the first tile plus one) go with pairs. */
export const PAIR_COMPANIONS = 3;

/**
 * The values near the boundaries of `blocking`: tile sizes (`small`), block
 * sizes (`large`), the first size past each block boundary (`past`), and
 * the sizes just past each tile (`companions`).
 */
export function boundaryValues(
  blocking: KernelBlocking,
): { small: number[]; large: number[]; past: number[]; companions: number[] } {
  const small = new Set<number>([1]);
  const large = new Set<number>();
  const past = new Set<number>();
  const companions = new Set<number>([1, 2]);
  for (const b of Object.values(blocking)) {
    if (!Number.isInteger(b) || b < 1 || b > BOUNDARY_LIMIT) continue;
    const near = b <= TILE_LIMIT
      ? [b - 1, b, b + 1, 2 * b - 1, 2 * b, 2 * b + 1]
      : [b - 1, b, b + 1];
    for (const v of near) if (v >= 1) (v <= TILE_LIMIT ? small : large).add(v);
    if (b <= TILE_LIMIT) companions.add(b + 1);
    else past.add(b + 1);
  }
  const sorted = (s: Set<number>) => [...s].sort((x, y) => x - y);
  return {
    small: sorted(small),
    large: sorted(large),
    past: sorted(past),
    companions: sorted(companions),
  };
}

/**
 * The sweep for one kernel and dtype, without repeats:
 * - every small value crossed over m, n and k;
 * - each large value on one dimension with every pair of companions on the
 *   other two (wide and shallow, deep and narrow, tall and thin);
 * - the first size past each block boundary on two dimensions at once
 *   (full blocks and a one-element remainder on both), with one of the
 *   smallest companions on the third.
 */
export function shapeClasses(blocking: KernelBlocking): ShapeClass[] {
  const { small, large, past, companions } = boundaryValues(blocking);
  const seen = new Set<string>();
  const out: ShapeClass[] = [];
  const add = (m: number, n: number, k: number) => {
    const key = `${m},${n},${k}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ m, n, k });
  };
  for (const m of small) for (const n of small) for (const k of small) add(m, n, k);
  const place = (axis: number, v: number, x: number, y: number) =>
    axis === 0 ? add(v, x, y) : axis === 1 ? add(x, v, y) : add(x, y, v);
  for (const v of large) {
    for (let axis = 0; axis < 3; axis++) {
      for (const x of companions) for (const y of companions) place(axis, v, x, y);
    }
  }
  for (const u of past) {
    for (const v of past) {
      for (const c of companions.slice(0, PAIR_COMPANIONS)) {
        for (let axis = 0; axis < 3; axis++) place(axis, c, u, v);
      }
    }
  }
  return out;
}
