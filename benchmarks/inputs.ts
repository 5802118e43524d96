/**
 * Deterministic operands, generated independently of every library measured.
 *
 * @module
 */
import type { DType, Shape } from "./shapes.ts";

/** A float32 or float64 buffer. */
export type Data = Float32Array | Float64Array;

/**
 * Row-major operands of a case: A is n×d, B is d×m, dC is n×m. The training
 * step reads them as X = A, W = B, targets = dC, and its bias as `bias` (m).
 */
export interface Operands {
  readonly a: Data;
  readonly b: Data;
  readonly dC: Data;
  readonly bias: Data;
}

/** The same stream for the same seed (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `size` uniform values in [-1, 1), exact in float32, so both dtypes and the
 * float64 reference see the same numbers.
 */
export function uniform(size: number, seed: number, dtype: DType): Data {
  const next = rng(seed);
  const out = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.fround(next() * 2 - 1);
  return out;
}

/** The operands of a shape in a dtype; the seed depends only on the shape. */
export function operands(s: Shape, dtype: DType): Operands {
  const seed = s.n * 7919 + s.d * 104729 + s.m;
  return {
    a: uniform(s.n * s.d, seed, dtype),
    b: uniform(s.d * s.m, seed + 1, dtype),
    dC: uniform(s.n * s.m, seed + 2, dtype),
    bias: uniform(s.m, seed + 3, dtype),
  };
}
