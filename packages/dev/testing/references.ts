/**
 * The float64 references of the sweep: a product and both its gradients by
 * plain loops, written apart from the kernels and from core's planning.
 *
 * @module
 */
import { type DType, Tensor } from "@matgrad/core";
import type { ShapeClass } from "./shape_classes.ts";

/**
 * Each output element summed over the inner index in ascending order three
 * ways: rounded to float32 at every step (`s32`, empty for a float64 case),
 * in float64 (`s64`), and the sum of the terms' magnitudes (`abs`, for
 * error bounds).
 */
export interface Chains {
  readonly s32: Float64Array;
  readonly s64: Float64Array;
  readonly abs: Float64Array;
}

/** A product C = op(A)·op(B) with a gradient dC, logical row-major operands and references. */
export interface SweepCase {
  readonly shape: ShapeClass;
  /** op(A), m×k. */
  readonly a: Float64Array;
  /** op(B), k×n. */
  readonly b: Float64Array;
  /** dC, m×n. */
  readonly dC: Float64Array;
  /** C = op(A)·op(B), m×n, summed over p. */
  readonly c: Chains;
  /** dA = dC·op(B)ᵀ, m×k, summed over j. */
  readonly dA: Chains;
  /** dB = op(A)ᵀ·dC, k×n, summed over i. */
  readonly dB: Chains;
}

/** Same seed, same stream: mulberry32, independent of the library's randn. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` values uniform in [-1, 1), exact in float32 so both dtypes see the same numbers. */
export function randomValues(size: number, seed: number): Float64Array {
  const next = rng(seed);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.fround(next() * 2 - 1);
  return out;
}

/** The rows×cols matrix `x` transposed (cols×rows). */
export function transposed(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  }
  return out;
}

/**
 * `out[r][c] = Σ_q x[r][q]·y[c][q]` over q ascending, for x rows×depth and
 * y cols×depth (both with the depth contiguous). The float32 chain is
 * computed only when asked for (it is the slow part).
 */
function chains(
  x: Float64Array,
  y: Float64Array,
  rows: number,
  cols: number,
  depth: number,
  f32: boolean,
): Chains {
  const s32 = new Float64Array(f32 ? rows * cols : 0);
  const s64 = new Float64Array(rows * cols);
  const abs = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const xo = r * depth;
    for (let c = 0; c < cols; c++) {
      const yo = c * depth;
      let d = 0, m = 0;
      if (f32) {
        let f = 0;
        for (let q = 0; q < depth; q++) {
          const t = x[xo + q]! * y[yo + q]!;
          f = Math.fround(f + Math.fround(t));
          d += t;
          m += Math.abs(t);
        }
        s32[r * cols + c] = f;
      } else {
        for (let q = 0; q < depth; q++) {
          const t = x[xo + q]! * y[yo + q]!;
          d += t;
          m += Math.abs(t);
        }
      }
      s64[r * cols + c] = d;
      abs[r * cols + c] = m;
    }
  }
  return { s32, s64, abs };
}

/**
 * Random operands for `shape` (seeded by it) and the references of C, dA
 * and dB; the float32 chains only for `dtype` float32.
 */
export function sweepCase(shape: ShapeClass, dtype: DType, seed = 1): SweepCase {
  const f32 = dtype === "float32";
  const { m, n, k } = shape;
  const s = seed * 7919 + m * 1_000_003 + n * 10_007 + k;
  const a = randomValues(m * k, s);
  const b = randomValues(k * n, s + 1);
  const dC = randomValues(m * n, s + 2);
  const bT = transposed(b, k, n);
  const aT = transposed(a, m, k);
  const dCT = transposed(dC, m, n);
  return {
    shape,
    a,
    b,
    dC,
    c: chains(a, bT, m, n, k, f32),
    dA: chains(dC, b, m, k, n, f32),
    dB: chains(aT, dCT, k, n, m, f32),
  };
}

/**
 * A rows×cols logical matrix as a tensor of `dtype`, stored transposed
 * (cols×rows) when `trans`, as `matmul` reads it with a transpose option.
 */
export function storedTensor(
  x: Float64Array,
  rows: number,
  cols: number,
  trans: boolean,
  dtype: DType,
): Tensor {
  const data = trans ? transposed(x, rows, cols) : x;
  return new Tensor(
    dtype === "float32" ? Float32Array.from(data) : Float64Array.from(data),
    trans ? [cols, rows] : [rows, cols],
  );
}

/** How a result must agree with its {@linkcode Chains}. */
export type Agreement = "bits" | "bound";

/**
 * Compares `got` (a rows×cols logical result, stored transposed when
 * `trans`) with its references: with `"bits"`, equal to the in-order chain
 * of its dtype bit for bit; with `"bound"` (fused kernels), within
 * (depth + 2)·u·Σ|terms| of the float64 sum (u = 2⁻²⁴ for float32, 2⁻⁵² for
 * float64, which covers the float64 sum's own rounding). Returns a
 * description of the first disagreement, or undefined.
 */
export function disagreement(
  got: Tensor,
  want: Chains,
  rows: number,
  cols: number,
  trans: boolean,
  depth: number,
  agreement: Agreement,
): string | undefined {
  if (got.size !== rows * cols) return `has ${got.size} elements, expected ${rows * cols}`;
  const f32 = got.dtype === "float32";
  const exact = f32 ? want.s32 : want.s64;
  const u = f32 ? 2 ** -24 : 2 ** -52;
  const data = got.data;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = data[trans ? c * rows + r : r * cols + c]!;
      const i = r * cols + c;
      if (agreement === "bits") {
        if (!Object.is(x, exact[i])) {
          return `element (${r}, ${c}) is ${x}, the in-order ${got.dtype} loop gives ${exact[i]}`;
        }
      } else {
        const bound = (depth + 2) * u * want.abs[i]!;
        const err = Math.abs(x - want.s64[i]!);
        if (!(err <= bound)) {
          return `element (${r}, ${c}) is ${x}, the float64 sum is ${
            want.s64[i]
          }: error ${err} > bound ${bound}`;
        }
      }
    }
  }
  return undefined;
}
