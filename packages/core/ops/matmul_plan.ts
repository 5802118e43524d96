/**
 * Shape logic of `matmul` and `matmulGrad`: NumPy's rules for 1-D operands
 * and broadcast batch dimensions, turned into {@linkcode GemmTask}s that
 * kernels (serial) or workers (parallel) run on raw buffers.
 *
 * @module
 */
import { ShapeError } from "../errors.ts";
import type { GemmTask } from "../kernels/gemm_task.ts";
import type { DType } from "../dtype.ts";
import { walkRuns } from "../kernels/strided.ts";
import { checkTensorBytes } from "../tensor/limits.ts";
import { broadcastShapes, formatShape, sameShape, sizeOf } from "../tensor/shape.ts";
import { describe } from "../tensor/tensor.ts";

/** Options shared by `matmul`, `matmulGrad` and their parallel twins. */
export interface MatmulOptions {
  /** Read A's last two axes transposed (ignored for a 1-D A). Default: false. */
  transposeA?: boolean;
  /** Read B's last two axes transposed (ignored for a 1-D B). Default: false. */
  transposeB?: boolean;
}

/** Everything `matmul` and `matmulGrad` need to know about two operand shapes. */
export interface MatmulPlan {
  /** A's shape as given. */
  readonly aShape: readonly number[];
  /** B's shape as given. */
  readonly bShape: readonly number[];
  /** The result's shape (1-D operands' axes squeezed, as NumPy does). */
  readonly outShape: readonly number[];
  /** Rows of op(A) and of each C matrix. */
  readonly m: number;
  /** Columns of op(B) and of each C matrix. */
  readonly n: number;
  /** The inner dimension. */
  readonly k: number;
  /** Whether A is read transposed (false for a 1-D A). */
  readonly transA: boolean;
  /** Whether B is read transposed (false for a 1-D B). */
  readonly transB: boolean;
  /** Row stride of A's matrices as stored. */
  readonly lda: number;
  /** Row stride of B's matrices as stored. */
  readonly ldb: number;
  /** For each C matrix (row-major over the broadcast batch), the A matrix it reads. */
  readonly aIndex: readonly number[];
  /** For each C matrix, the B matrix it reads. */
  readonly bIndex: readonly number[];
  /** How many matrices A holds. */
  readonly aCount: number;
  /** How many matrices B holds. */
  readonly bCount: number;
}

/**
 * Resolves the shapes of `op(A)·op(B)` with NumPy `matmul` semantics.
 *
 * @throws {ShapeError} for 0-D operands, differing inner dimensions or batch
 * dimensions that do not broadcast.
 * @throws {RangeError} if the result (in `dtype`, default float32) or the
 * batch's index would exceed the tensor limit (see `setMaxTensorBytes`);
 * checked before anything is allocated.
 * @example
 * ```ts
 * import { planMatmul } from "@matgrad/core/backend";
 * import { assertEquals } from "@std/assert";
 *
 * const plan = planMatmul([2, 1, 3, 4], [5, 4, 6]);
 * assertEquals(plan.outShape, [2, 5, 3, 6]);
 * ```
 */
export function planMatmul(
  aShape: readonly number[],
  bShape: readonly number[],
  options: MatmulOptions = {},
  fn = "matmul",
  dtype: DType = "float32",
): MatmulPlan {
  const transposeA = flag(options.transposeA, "transposeA", fn);
  const transposeB = flag(options.transposeB, "transposeB", fn);
  if (aShape.length === 0 || bShape.length === 0) {
    const which = aShape.length === 0 ? "A" : "B";
    throw new ShapeError(
      `${fn}: operand ${which} is 0-D (a scalar); matmul needs at least 1 dimension, got ${
        formatShape(aShape)
      } and ${formatShape(bShape)}`,
    );
  }
  const aVec = aShape.length === 1;
  const bVec = bShape.length === 1;
  const transA = transposeA && !aVec;
  const transB = transposeB && !bVec;
  // Stored matrix dimensions (a 1-D A is a 1×K row, a 1-D B a K×1 column).
  const aRows = aVec ? 1 : aShape[aShape.length - 2]!;
  const aCols = aShape[aShape.length - 1]!;
  const bRows = bVec ? bShape[0]! : bShape[bShape.length - 2]!;
  const bCols = bVec ? 1 : bShape[bShape.length - 1]!;
  const m = transA ? aCols : aRows;
  const k = transA ? aRows : aCols;
  const kB = transB ? bCols : bRows;
  const n = transB ? bRows : bCols;
  if (k !== kB) {
    const opts = [transA ? "transposeA" : "", transB ? "transposeB" : ""].filter(Boolean);
    throw new ShapeError(
      `${fn}: cannot multiply ${formatShape(aShape)} by ${formatShape(bShape)}${
        opts.length ? ` with ${opts.join(" and ")}` : ""
      }: inner dimensions ${k} and ${kB} differ`,
    );
  }
  const aBatch = aShape.slice(0, aVec ? 0 : -2);
  const bBatch = bShape.slice(0, bVec ? 0 : -2);
  const batch = broadcastShapes(aBatch, bBatch, fn);
  const outShape = [...batch];
  if (!aVec) outShape.push(m);
  if (!bVec) outShape.push(n);

  const count = sizeOf(batch, fn);
  // Sized before the batch's index arrays are filled: a broadcast of tiny
  // operands can name billions of matrices.
  checkTensorBytes(fn, outShape, dtype);
  checkTensorBytes(fn, batch, "float64", "the batch index of");
  const aIndex = batchIndex(batch, aBatch, count);
  const bIndex = batchIndex(batch, bBatch, count);
  return {
    aShape: [...aShape],
    bShape: [...bShape],
    outShape,
    m,
    n,
    k,
    transA,
    transB,
    lda: aCols,
    ldb: bCols,
    aIndex,
    bIndex,
    aCount: sizeOf(aBatch, fn),
    bCount: sizeOf(bBatch, fn),
  };
}

/** For each matrix of the broadcast batch, in row-major order, the index of `own`'s matrix it reads. */
function batchIndex(batch: readonly number[], own: readonly number[], count: number): number[] {
  const out: number[] = new Array(count);
  if (count === 0) return out;
  // `own`'s matrix strides seen from the batch (0 on broadcast axes), walked as one operand.
  const nd = batch.length;
  const strides: number[] = new Array(nd).fill(0);
  let s = 1;
  for (let i = own.length - 1; i >= 0; i--) {
    strides[i + nd - own.length] = own[i] === 1 ? 0 : s;
    s *= own[i]!;
  }
  walkRuns(batch, [strides], 0, count, (at, len, off) => {
    const step = nd === 0 ? 0 : strides[nd - 1]!;
    for (let j = 0, o = off[0]!; j < len; j++, o += step) out[at + j] = o;
  });
  return out;
}

function flag(v: unknown, name: string, fn: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") {
    throw new TypeError(`${fn}: option ${name} must be a boolean, got ${describe(v)}`);
  }
  return v;
}

/**
 * The task that computes `C = op(A)·op(B)`: one output matrix per batch entry.
 *
 * @example
 * ```ts
 * import { forwardTask, planMatmul } from "@matgrad/core/backend";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const task = forwardTask(planMatmul([3, 4], [4, 5]));
 * assertStrictEquals(task.m * task.n, 15);
 * ```
 */
export function forwardTask(plan: MatmulPlan): GemmTask {
  const { m, n, k } = plan;
  const count = plan.aIndex.length;
  const termStart: number[] = [];
  const cOffsets: number[] = [];
  for (let o = 0; o <= count; o++) termStart.push(o);
  for (let o = 0; o < count; o++) cOffsets.push(o * m * n);
  return {
    x: "a",
    y: "b",
    out: "c",
    transX: plan.transA,
    transY: plan.transB,
    m,
    n,
    k,
    ldx: plan.lda,
    ldy: plan.ldb,
    ldc: n,
    cOffsets,
    termStart,
    xOffsets: plan.aIndex.map((i) => i * m * k),
    yOffsets: plan.bIndex.map((i) => i * k * n),
  };
}

/**
 * The two tasks of the backward pass: `dA` (from dC and B) and `dB` (from A
 * and dC), each summing the terms of broadcast batch entries back into the
 * operand's own matrices, in batch order.
 *
 * With op(A) of shape m×k, op(B) k×n and dC m×n, the stored gradients are
 * `dA = dC·op(B)ᵀ` (or its transpose `op(B)·dCᵀ` when A is read transposed)
 * and `dB = op(A)ᵀ·dC` (or `dCᵀ·op(A)` when B is read transposed).
 *
 * @example
 * ```ts
 * import { gradTasks, planMatmul } from "@matgrad/core/backend";
 * import { assertEquals } from "@std/assert";
 *
 * const { dA, dB } = gradTasks(planMatmul([3, 4], [4, 5]));
 * assertEquals([dA.m, dA.n, dB.m, dB.n], [3, 4, 4, 5]);
 * ```
 */
export function gradTasks(plan: MatmulPlan): { dA: GemmTask; dB: GemmTask } {
  const { m, n, k, transA, transB, lda, ldb } = plan;
  const aMat = m * k;
  const bMat = k * n;
  const cMat = m * n;
  const groupsA = groups(plan.aIndex, plan.aCount);
  const groupsB = groups(plan.bIndex, plan.bCount);

  const dATerms = terms(groupsA, (c) => c * cMat, (c) => plan.bIndex[c]! * bMat, aMat);
  const dA: GemmTask = transA
    // dA stored k×m = op(B)·dCᵀ
    ? {
      x: "b",
      y: "dC",
      out: "dA",
      transX: transB,
      transY: true,
      m: k,
      n: m,
      k: n,
      ldx: ldb,
      ldy: n,
      ldc: m,
      ...swapXY(dATerms),
    }
    // dA stored m×k = dC·op(B)ᵀ
    : {
      x: "dC",
      y: "b",
      out: "dA",
      transX: false,
      transY: !transB,
      m,
      n: k,
      k: n,
      ldx: n,
      ldy: ldb,
      ldc: k,
      ...dATerms,
    };

  const dBTerms = terms(groupsB, (c) => plan.aIndex[c]! * aMat, (c) => c * cMat, bMat);
  const dB: GemmTask = transB
    // dB stored n×k = dCᵀ·op(A)
    ? {
      x: "dC",
      y: "a",
      out: "dB",
      transX: true,
      transY: transA,
      m: n,
      n: k,
      k: m,
      ldx: n,
      ldy: lda,
      ldc: k,
      ...swapXY(dBTerms),
    }
    // dB stored k×n = op(A)ᵀ·dC
    : {
      x: "a",
      y: "dC",
      out: "dB",
      transX: !transA,
      transY: false,
      m: k,
      n,
      k: m,
      ldx: lda,
      ldy: n,
      ldc: n,
      ...dBTerms,
    };
  return { dA, dB };
}

/** For each operand matrix, the C matrices (batch entries) that read it, in order. */
function groups(index: readonly number[], count: number): number[][] {
  const out: number[][] = Array.from({ length: count }, () => []);
  for (let c = 0; c < index.length; c++) out[index[c]!]!.push(c);
  return out;
}

interface Terms {
  cOffsets: number[];
  termStart: number[];
  xOffsets: number[];
  yOffsets: number[];
}

function terms(
  groups: number[][],
  xOf: (c: number) => number,
  yOf: (c: number) => number,
  outMat: number,
): Terms {
  const t: Terms = { cOffsets: [], termStart: [0], xOffsets: [], yOffsets: [] };
  groups.forEach((cs, o) => {
    t.cOffsets.push(o * outMat);
    for (const c of cs) {
      t.xOffsets.push(xOf(c));
      t.yOffsets.push(yOf(c));
    }
    t.termStart.push(t.xOffsets.length);
  });
  return t;
}

function swapXY(t: Terms): Terms {
  return { ...t, xOffsets: t.yOffsets, yOffsets: t.xOffsets };
}

/** A remembered plan, with its tasks made on first use. */
export interface CachedPlan {
  readonly plan: MatmulPlan;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** The forward task, set on first use. */
  forward?: GemmTask;
  /** The gradient tasks, set on first use. */
  grads?: { dA: GemmTask; dB: GemmTask };
}

// Training loops multiply the same shapes every step; planning them again
// (arrays of offsets, broadcast batches) costs 1.2 µs a call, 5% of a 64³
// gradient (`deno bench packages/core/bench/matmul_overhead_bench.ts`).
// An entry gains its tasks on first use; a plan or task, once made, is never
// changed, so entries are shared.
const CACHE_SIZE = 16;
const cache: CachedPlan[] = [];
let nextSlot = 0;

/**
 * {@linkcode planMatmul}, remembered for the last few shape pairs. Errors
 * are planMatmul's, and the size check is made for each call's dtype.
 */
export function cachedPlan(
  aShape: readonly number[],
  bShape: readonly number[],
  options: MatmulOptions,
  fn: string,
  dtype: DType,
): CachedPlan {
  const transposeA = flag(options.transposeA, "transposeA", fn);
  const transposeB = flag(options.transposeB, "transposeB", fn);
  for (const e of cache) {
    if (
      e.transposeA === transposeA && e.transposeB === transposeB &&
      sameShape(e.plan.aShape, aShape) && sameShape(e.plan.bShape, bShape)
    ) {
      if (dtype === "float64") checkTensorBytes(fn, e.plan.outShape, dtype);
      return e;
    }
  }
  const entry: CachedPlan = {
    plan: planMatmul(aShape, bShape, options, fn, dtype),
    transposeA,
    transposeB,
  };
  cache[nextSlot] = entry;
  nextSlot = (nextSlot + 1) % CACHE_SIZE;
  return entry;
}

/** The forward task of a cached plan. */
export function forwardOf(p: CachedPlan): GemmTask {
  return p.forward ??= forwardTask(p.plan);
}

/** The gradient tasks of a cached plan. */
export function gradsOf(p: CachedPlan): { dA: GemmTask; dB: GemmTask } {
  return p.grads ??= gradTasks(p.plan);
}
