/**
 * The products the benchmark measures: C = A·B with A: N×D and B: D×M.
 *
 * @module
 */

/** The element types a case can run in. */
export type DType = "float32" | "float64";

/** Forward is C = A·B; backward is dA = dC·Bᵀ and dB = Aᵀ·dC together; train is one SGD step. */
export type Op = "forward" | "backward" | "train";

/** A product's dimensions: A is n×d, B is d×m. */
export interface Shape {
  readonly n: number;
  readonly d: number;
  readonly m: number;
}

/** One measurement: an op on a shape in a dtype. */
export interface Case extends Shape {
  readonly op: Op;
  readonly dtype: DType;
}

/** The shapes of the full run (2048³ is added by `--big`). */
export const SHAPES: readonly Shape[] = [
  { n: 64, d: 64, m: 64 },
  { n: 256, d: 256, m: 256 },
  { n: 1024, d: 1024, m: 1024 },
  { n: 8192, d: 256, m: 64 },
  { n: 4096, d: 1024, m: 1 },
];

/** The extra shape behind `--big`. */
export const BIG_SHAPE: Shape = { n: 2048, d: 2048, m: 2048 };

/** Small shapes for `--quick`: odd sizes exercise the kernels' edges. */
export const QUICK_SHAPES: readonly Shape[] = [
  { n: 64, d: 64, m: 64 },
  { n: 37, d: 19, m: 11 },
  { n: 96, d: 48, m: 1 },
];

/**
 * The training step's model Y = X·W + b: a batch of n samples with d
 * features and m outputs.
 */
export const TRAIN_SHAPE: Shape = { n: 8192, d: 256, m: 64 };

/** A small training shape for `--quick`. */
export const QUICK_TRAIN_SHAPE: Shape = { n: 64, d: 16, m: 4 };

/** Floating-point operations of a case: 2·N·D·M forward, 4·N·D·M backward, 6·N·D·M a step. */
export function flops(c: Case): number {
  const base = c.n * c.d * c.m;
  return c.op === "forward" ? 2 * base : c.op === "backward" ? 4 * base : 6 * base;
}

/** `"1024³"` for cubes, `"8192×256×64"` otherwise. */
export function shapeLabel(s: Shape): string {
  return s.n === s.d && s.d === s.m ? `${s.n}³` : `${s.n}×${s.d}×${s.m}`;
}
