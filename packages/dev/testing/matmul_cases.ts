/**
 * Random matmul cases for property tests: shapes up to 300 per dimension,
 * random transposes and dtypes, 1-D operands and broadcast batches.
 *
 * @module
 */
import fc from "fast-check";
import { type DType, Tensor } from "@matgrad/core";
import { randomValues } from "./references.ts";

/** One drawn case: stored operand shapes, options and dtypes. */
export interface MatmulCase {
  readonly aShape: number[];
  readonly bShape: number[];
  readonly dCShape: number[];
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aDType: DType;
  readonly bDType: DType;
  readonly dCDType: DType;
  readonly seed: number;
}

/** The most multiply-adds a case may take (the float64 reference is the slow part). */
export const CASE_VOLUME = 400_000;

// Mostly small dimensions (where the kernels' edges are), sometimes up to 300.
const dim = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 17 }) },
  { weight: 8, arbitrary: fc.integer({ min: 18, max: 300 }) },
);
// A 1-D operand one time in eight (shrinking to a matrix).
const vector = fc.oneof(
  { weight: 7, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);
const dtype = fc.constantFrom<DType>("float32", "float64");

/** Own batch dimensions of an operand: a suffix of the batch, some axes 1 (broadcast). */
function ownBatch(batch: number[], drop: number, ones: boolean[]): number[] {
  return batch.slice(Math.min(drop, batch.length)).map((d, i) => (ones[i] ? 1 : d));
}

/** The arbitrary of {@linkcode MatmulCase}s, shrinking towards small 2-D float32 cases. */
export const matmulCase: fc.Arbitrary<MatmulCase> = fc.record({
  m: dim,
  n: dim,
  k: dim,
  aVec: vector,
  bVec: vector,
  batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  aDrop: fc.nat(2),
  bDrop: fc.nat(2),
  aOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  bOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  aDType: dtype,
  bDType: dtype,
  dCDType: fc.option(dtype, { nil: undefined }),
  seed: fc.nat(1 << 20),
}).map((r) => {
  const aBatch = r.aVec ? [] : ownBatch(r.batch, r.aDrop, r.aOnes);
  const bBatch = r.bVec ? [] : ownBatch(r.batch, r.bDrop, r.bOnes);
  const aShape = r.aVec ? [r.k] : [...aBatch, ...(r.transA ? [r.k, r.m] : [r.m, r.k])];
  const bShape = r.bVec ? [r.k] : [...bBatch, ...(r.transB ? [r.n, r.k] : [r.k, r.n])];
  const batch: number[] = [];
  const nd = Math.max(aBatch.length, bBatch.length);
  for (let i = 0; i < nd; i++) {
    const da = aBatch[aBatch.length - nd + i] ?? 1, db = bBatch[bBatch.length - nd + i] ?? 1;
    batch.push(da === 1 ? db : da);
  }
  const dCShape = [...batch, ...(r.aVec ? [] : [r.m]), ...(r.bVec ? [] : [r.n])];
  const promoted: DType = r.aDType === "float64" || r.bDType === "float64" ? "float64" : "float32";
  return {
    aShape,
    bShape,
    dCShape,
    transA: r.transA,
    transB: r.transB,
    aDType: r.aDType,
    bDType: r.bDType,
    dCDType: r.dCDType ?? promoted,
    seed: r.seed,
  };
}).filter((c) => volume(c) <= CASE_VOLUME);

/** Multiply-adds of a case's product (each gradient takes as many). */
export function volume(c: MatmulCase): number {
  const count = c.dCShape.reduce((p, d) => p * d, 1);
  const k = c.aShape.length === 1 ? c.aShape[0]! : c.aShape[c.aShape.length - (c.transA ? 2 : 1)]!;
  return count * k;
}

/** The operands of a case as tensors, with seeded values exact in float32. */
export function caseTensors(c: MatmulCase): { a: Tensor; b: Tensor; dC: Tensor } {
  const make = (shape: number[], dtype: DType, seed: number) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const v = randomValues(size, seed);
    return new Tensor(dtype === "float32" ? Float32Array.from(v) : v, shape);
  };
  return {
    a: make(c.aShape, c.aDType, c.seed),
    b: make(c.bShape, c.bDType, c.seed + 1),
    dC: make(c.dCShape, c.dCDType, c.seed + 2),
  };
}

/**
 * The seed of a property run: `MATGRAD_SEED` from the environment when it
 * is set and readable (to replay a failure), else `fallback`.
 */
export function propertySeed(fallback: number): number {
  try {
    const s = Deno.env.get("MATGRAD_SEED");
    if (s !== undefined && Number.isInteger(Number(s))) return Number(s);
  } catch {
    // No --allow-env: the fixed seed.
  }
  return fallback;
}
