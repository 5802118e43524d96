/**
 * A batched product described on raw buffers, and its runner. Ops turn
 * shapes into a {@linkcode GemmTask}; the serial path runs it whole, the
 * worker pool runs blocks of it. Both call {@linkcode runGemmTask}, so every
 * output element is computed by the same kernel calls in the same order.
 *
 * @module
 */
import type { TensorData } from "../dtype.ts";
import { getKernels } from "./backend.ts";
import type { GemmRun } from "./tasks.ts";
import type { Gemm, GemmArgs } from "./types.ts";

/** Which tensor of a product or a gradient a task reads or writes. */
export type TaskBuffer = "a" | "b" | "dC" | "c" | "dA" | "dB";

/**
 * `out[o] = Σ_t opX(x at xOffsets[t]) · opY(y at yOffsets[t])` for every
 * output matrix `o`, over its terms `t = termStart[o] … termStart[o+1]−1` in
 * order. Each output matrix is `m×n` with row stride `ldc`; the depth is `k`.
 * Several terms appear where broadcast batch dimensions are summed back in a
 * gradient. Plain data: it survives structured cloning to a worker.
 */
export interface GemmTask {
  /** The buffer read as the left factor. */
  readonly x: TaskBuffer;
  /** The buffer read as the right factor. */
  readonly y: TaskBuffer;
  /** The buffer written. */
  readonly out: TaskBuffer;
  /** Whether x is read transposed. */
  readonly transX: boolean;
  /** Whether y is read transposed. */
  readonly transY: boolean;
  /** Rows of each output matrix. */
  readonly m: number;
  /** Columns of each output matrix. */
  readonly n: number;
  /** The depth of each product. */
  readonly k: number;
  /** Row stride of x as stored. */
  readonly ldx: number;
  /** Row stride of y as stored. */
  readonly ldy: number;
  /** Row stride of the output. */
  readonly ldc: number;
  /** Start of each output matrix in the output buffer. */
  readonly cOffsets: readonly number[];
  /** `termStart[o]` is the first term of output `o`; one extra entry ends the last. */
  readonly termStart: readonly number[];
  /** Start of x's matrix in each term. */
  readonly xOffsets: readonly number[];
  /** Start of y's matrix in each term. */
  readonly yOffsets: readonly number[];
}

/**
 * A rectangle of a task's output: matrices `[o0, o1)`, and in each of them
 * rows `[r0, r1)` and columns `[c0, c1)`.
 */
export interface TaskBlock {
  /** First output matrix. */
  readonly o0: number;
  /** One past the last output matrix. */
  readonly o1: number;
  /** First row. */
  readonly r0: number;
  /** One past the last row. */
  readonly r1: number;
  /** First column. */
  readonly c0: number;
  /** One past the last column. */
  readonly c1: number;
}

/** The block that covers a whole task. */
export function wholeTask(task: GemmTask): TaskBlock {
  return { o0: 0, o1: task.cOffsets.length, r0: 0, r1: task.m, c0: 0, c1: task.n };
}

// The record every product call fills: one object shape, no allocation per call.
const args: GemmArgs = {
  transA: false,
  transB: false,
  m: 0,
  n: 0,
  k: 0,
  a: new Float64Array(0),
  aOff: 0,
  lda: 0,
  b: new Float64Array(0),
  bOff: 0,
  ldb: 0,
  c: new Float64Array(0),
  cOff: 0,
  ldc: 0,
  accumulate: false,
};

/**
 * Runs `block` of `task` (the whole task by default) with `gemm`, writing
 * only that block of `out`. The first term of each output overwrites, later
 * terms accumulate, so no separate zero-fill pass is needed.
 */
export function runGemmTask(
  gemm: Gemm,
  task: GemmTask,
  x: TensorData,
  y: TensorData,
  out: TensorData,
  block: TaskBlock = wholeTask(task),
): void {
  const { o0, o1, r0, r1, c0, c1 } = block;
  const rows = r1 - r0;
  const cols = c1 - c0;
  if (rows <= 0 || cols <= 0) return;
  const { transX, transY, k, ldx, ldy, ldc } = task;
  const shiftX = transX ? r0 : r0 * ldx;
  const shiftY = transY ? c0 * ldy : c0;
  for (let o = o0; o < o1; o++) {
    const cOff = task.cOffsets[o]! + r0 * ldc + c0;
    const t0 = task.termStart[o]!;
    const t1 = task.termStart[o + 1]!;
    if (t0 === t1) {
      for (let r = 0; r < rows; r++) out.fill(0, cOff + r * ldc, cOff + r * ldc + cols);
      continue;
    }
    for (let t = t0; t < t1; t++) {
      args.transA = transX;
      args.transB = transY;
      args.m = rows;
      args.n = cols;
      args.k = k;
      args.a = x;
      args.aOff = task.xOffsets[t]! + shiftX;
      args.lda = ldx;
      args.b = y;
      args.bOff = task.yOffsets[t]! + shiftY;
      args.ldb = ldy;
      args.c = out;
      args.cOff = cOff;
      args.ldc = ldc;
      args.accumulate = t > t0;
      gemm(args);
    }
  }
}

/** Rows or columns of a product per unit of a gemm task. */
export const GEMM_BAND = 8;

/**
 * The units of a product: bands of {@linkcode GEMM_BAND} rows (axis 0) or
 * columns (axis 1) of every output matrix, matrix by matrix.
 */
export function gemmUnits(task: GemmTask, axis: 0 | 1): number {
  const len = axis === 0 ? task.m : task.n;
  const other = axis === 0 ? task.n : task.m;
  if (len === 0 || other === 0) return 0;
  return task.cOffsets.length * Math.ceil(len / GEMM_BAND);
}

/**
 * The axis to cut a product along: rows when B (read whole by every band of
 * rows) is no larger than A (read whole by every band of columns), so that
 * threads duplicate the smaller operand's reading and packing.
 */
export function cheaperAxis(task: GemmTask): 0 | 1 {
  return task.n <= task.m ? 0 : 1;
}

/** Gemm-task units `[from, to)` with the active kernels. */
export function runGemmBands(t: GemmRun, from: number, to: number): void {
  const { spec, axis, band } = t;
  const len = axis === 0 ? spec.m : spec.n;
  const per = Math.ceil(len / band);
  const gemm = getKernels().gemm;
  let u = from;
  while (u < to) {
    const o = Math.floor(u / per);
    const first = u - o * per;
    const last = Math.min(per, to - o * per);
    const lo = first * band, hi = Math.min(len, last * band);
    const block = axis === 0
      ? { o0: o, o1: o + 1, r0: lo, r1: hi, c0: 0, c1: spec.n }
      : { o0: o, o1: o + 1, r0: 0, r1: spec.m, c0: lo, c1: hi };
    runGemmTask(gemm, spec, t.x, t.y, t.out, block);
    u = o * per + last;
  }
}
