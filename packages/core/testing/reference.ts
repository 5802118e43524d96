/**
 * Test helpers: plain references written independently of the kernels and of
 * the op's planning code, a seeded generator for raw test data, and
 * assertions on exact bits. Not exported from the package.
 *
 * @module
 */
import { assert, assertStrictEquals, fail } from "@std/assert";
import { type DType, Tensor, type TensorData } from "../tensor/tensor.ts";
import type { Gemm } from "../kernels/types.ts";

/** Same seed, same stream: mulberry32, kept apart from the library's randn. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` uniform values in [-1, 1) (float32-exact, so both dtypes see the same numbers). */
export function randomValues(size: number, seed: number): number[] {
  const next = rng(seed);
  const out: number[] = new Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.fround(next() * 2 - 1);
  return out;
}

/**
 * How an operand of logical shape `shape` is stored when it is read
 * transposed: its last two axes swapped (1-D shapes are never transposed).
 */
export function storedShape(shape: readonly number[], trans: boolean): number[] {
  if (!trans || shape.length < 2) return [...shape];
  const s = [...shape];
  s[s.length - 2] = shape[shape.length - 1]!;
  s[s.length - 1] = shape[shape.length - 2]!;
  return s;
}

/** The product of a shape's dimensions. */
export function product(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** A tensor of {@linkcode randomValues} (exact in float32) of the given shape and dtype. */
export function randTensor(shape: readonly number[], dtype: DType, seed: number): Tensor {
  const values = randomValues(product(shape), seed);
  return new Tensor(
    dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values),
    shape,
  );
}

/** A dense row-major array in float64 with its shape. */
export interface RefArray {
  data: Float64Array;
  shape: number[];
}

/** Every multi-index of `shape` in row-major order. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const idx = shape.map(() => 0);
  if (shape.some((d) => d === 0)) return out;
  for (;;) {
    out.push([...idx]);
    let i = shape.length - 1;
    for (; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
    if (i < 0) return out;
  }
}

/**
 * NumPy `matmul` written the slow, obvious way in float64: promote 1-D
 * operands, broadcast batch indices one multi-index at a time, run a triple
 * loop per output element, squeeze the promoted axes.
 */
export function refMatmul(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  transA = false,
  transB = false,
): RefArray {
  const aVec = aShape.length === 1;
  const bVec = bShape.length === 1;
  const as = aVec ? [1, aShape[0]!] : [...aShape];
  const bs = bVec ? [bShape[0]!, 1] : [...bShape];
  const tA = transA && !aVec;
  const tB = transB && !bVec;
  const ar = as.length;
  const br = bs.length;
  const m = tA ? as[ar - 1]! : as[ar - 2]!;
  const k = tA ? as[ar - 2]! : as[ar - 1]!;
  const n = tB ? bs[br - 2]! : bs[br - 1]!;
  const kb = tB ? bs[br - 1]! : bs[br - 2]!;
  if (k !== kb) throw new Error(`refMatmul: inner dimensions ${k} and ${kb} differ`);
  const aBatch = as.slice(0, -2);
  const bBatch = bs.slice(0, -2);
  const nd = Math.max(aBatch.length, bBatch.length);
  const batch: number[] = [];
  for (let i = 0; i < nd; i++) {
    const da = aBatch[aBatch.length - nd + i] ?? 1;
    const db = bBatch[bBatch.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error("refMatmul: batches differ");
    batch.push(da === 1 ? db : da);
  }
  // Offset of an operand's matrix for a batch multi-index: broadcast (size-1)
  // axes read index 0, missing leading axes are ignored.
  const base = (bt: number[], ownBatch: number[], rows: number, cols: number): number => {
    let off = 0;
    ownBatch.forEach((d, i) => {
      off = off * d + (d === 1 ? 0 : bt[nd - ownBatch.length + i]!);
    });
    return off * rows * cols;
  };
  const [aRows, aCols] = [as[ar - 2]!, as[ar - 1]!];
  const [bRows, bCols] = [bs[br - 2]!, bs[br - 1]!];
  const out = new Float64Array(product(batch) * m * n);
  let o = 0;
  for (const bt of indices(batch)) {
    const a0 = base(bt, aBatch, aRows, aCols);
    const b0 = base(bt, bBatch, bRows, bCols);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = tA ? a[a0 + p * aCols + i]! : a[a0 + i * aCols + p]!;
          const y = tB ? b[b0 + j * bCols + p]! : b[b0 + p * bCols + j]!;
          s += x * y;
        }
        out[o++] = s;
      }
    }
  }
  const shape = [...batch];
  if (!aVec) shape.push(m);
  if (!bVec) shape.push(n);
  return { data: out, shape };
}

/**
 * The {@linkcode Gemm} contract as a plain loop: C[i][j] = (acc ? C : 0) +
 * Σ_p opA[i][p]·opB[p][j], one in-order chain per element, each step rounded
 * with `round` (identity for float64, `Math.fround` for float32).
 */
export function refGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: ArrayLike<number>,
  aOff: number,
  lda: number,
  b: ArrayLike<number>,
  bOff: number,
  ldb: number,
  c: { [i: number]: number },
  cOff: number,
  ldc: number,
  accumulate: boolean,
  round: (x: number) => number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c[cOff + i * ldc + j]! : 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[aOff + p * lda + i]! : a[aOff + i * lda + p]!;
        const y = transB ? b[bOff + j * ldb + p]! : b[bOff + p * ldb + j]!;
        s = round(s + round(x * y));
      }
      c[cOff + i * ldc + j] = s;
    }
  }
}

/** {@linkcode refGemm} with its rounding fixed: a {@linkcode Gemm} to run beside a kernel. */
export function refGemmWith(round: (x: number) => number): Gemm {
  return (p) =>
    refGemm(
      p.transA,
      p.transB,
      p.m,
      p.n,
      p.k,
      p.a,
      p.aOff,
      p.lda,
      p.b,
      p.bOff,
      p.ldb,
      p.c,
      p.cOff,
      p.ldc,
      p.accumulate,
      round,
    );
}

/** A {@linkcode Gemm} called with its fifteen arguments in BLAS order, for terse tests. */
export type PositionalGemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: TensorData,
  aOff: number,
  lda: number,
  b: TensorData,
  bOff: number,
  ldb: number,
  c: TensorData,
  cOff: number,
  ldc: number,
  accumulate: boolean,
) => void;

/** `gemm` taking positional arguments (tests only: the record is the kernel's interface). */
export function positional(gemm: Gemm): PositionalGemm {
  return (transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate) =>
    gemm({ transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate });
}

/** A kernel test case: a product with padding added to each leading dimension and offset. */
export interface GemmCase {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  /** Padding added to each leading dimension and before each matrix. */
  pad: number;
  accumulate: boolean;
}

/** The padded buffers of a {@linkcode GemmCase}. */
export interface GemmOperands {
  a: Float32Array | Float64Array;
  b: Float32Array | Float64Array;
  c: Float32Array | Float64Array;
  lda: number;
  ldb: number;
  ldc: number;
  aOff: number;
  bOff: number;
  cOff: number;
}

/** What C holds outside the m×n block, so that a stray write shows. */
export const GEMM_SENTINEL = -7.25;

/**
 * Seeded padded operands for `c`: C holds {@linkcode GEMM_SENTINEL} outside
 * the m×n block, random values inside when accumulating. `make` builds A and
 * B from their values (a plain typed array by default).
 */
export function gemmOperands(
  ctor: Float32ArrayConstructor | Float64ArrayConstructor,
  c: GemmCase,
  seed: number,
  make: (values: number[]) => Float32Array | Float64Array = (v) => ctor.from(v),
): GemmOperands {
  const { transA, transB, m, n, k, pad, accumulate } = c;
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
  const aOff = pad * 3, bOff = pad * 5, cOff = pad * 7;
  const a = make(randomValues(aOff + aRows * lda + pad, seed));
  const b = make(randomValues(bOff + bRows * ldb + pad, seed + 1));
  const cc = new ctor(cOff + m * ldc + pad).fill(GEMM_SENTINEL);
  if (accumulate) {
    const init = randomValues(m * n, seed + 2);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) cc[cOff + i * ldc + j] = init[i * n + j]!;
    }
  }
  return { a, b, c: cc, lda, ldb, ldc, aOff, bOff, cOff };
}

/** Runs `gemm` on case `c`'s operands `o`, writing into `out` (laid out as `o.c`). */
export function runGemm(gemm: Gemm, c: GemmCase, o: GemmOperands, out: TensorData): void {
  const { transA, transB, m, n, k, accumulate } = c;
  gemm({
    transA,
    transB,
    m,
    n,
    k,
    a: o.a,
    aOff: o.aOff,
    lda: o.lda,
    b: o.b,
    bOff: o.bOff,
    ldb: o.ldb,
    c: out,
    cOff: o.cOff,
    ldc: o.ldc,
    accumulate,
  });
}

/** Identity rounding, for float64 references. */
export const exact = (x: number): number => x;

/** Asserts that two arrays hold the same numbers bit for bit (NaN equal to NaN, −0 ≠ +0). */
export function assertSameBits(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what = "",
): void {
  assertStrictEquals(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (bit for bit)`);
    }
  }
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, and
 * reports the worst element.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what = "",
): void {
  assertStrictEquals(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < actual.length; i++) {
    const x = actual[i]!;
    const y = expected[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      fail(`${what}: element ${i} is ${x}, expected ${y} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** The raw bytes of a typed array, to check that a buffer was left untouched. */
export function bytesOf(data: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/** Asserts that `fn` throws an instance of `type` whose message is exactly `message`. */
export function assertThrowsExactly(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => Error,
  message: string,
): void {
  try {
    fn();
  } catch (e) {
    assert(e instanceof type, `expected a ${type.name}, got ${String(e)}`);
    assertStrictEquals(e.name, type.name);
    assertStrictEquals(e.message, message);
    return;
  }
  fail(`expected a ${type.name}: ${message}`);
}
