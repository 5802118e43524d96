/**
 * A batched product described on raw buffers, and its runner. Ops turn
 * shapes into a {@linkcode GemmTask}; the serial path runs it whole, the
 * worker pool runs blocks of it. Both call {@linkcode runGemmTask}, so every
 * output element is computed by the same kernel calls in the same order.
 *
 * @module
 */
import type { TensorData } from "../tensor/tensor.ts";
import type { Gemm } from "./types.ts";

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
      gemm(
        transX,
        transY,
        rows,
        cols,
        k,
        x,
        task.xOffsets[t]! + shiftX,
        ldx,
        y,
        task.yOffsets[t]! + shiftY,
        ldy,
        out,
        cOff,
        ldc,
        t > t0,
      );
    }
  }
}
