/**
 * Row gathers and their adjoint: the kernels of `takeRows` and of its
 * gradient.
 *
 * @module
 */
import type { GatherRowsRun, ScatterRowsRun } from "./tasks.ts";

/** Gather units `[from, to)`: output rows, each a copy of the input row its index names. */
export function runGatherRows(t: GatherRowsRun, from: number, to: number): void {
  const { x, index, out, cols } = t;
  for (let r = from; r < to; r++) {
    const s = index[r]! * cols, o = r * cols;
    for (let c = 0; c < cols; c++) out[o + c] = x[s + c]!;
  }
}

/**
 * The one scatter unit: adds row `i` of `g` into row `index[i]` of `out`,
 * for i in order, so that rows taken more than once sum in one fixed order.
 */
export function runScatterRows(t: ScatterRowsRun, from: number, to: number): void {
  if (from > 0 || to < 1) return;
  const { g, index, out, cols } = t;
  for (let i = 0; i < index.length; i++) {
    const o = index[i]! * cols, s = i * cols;
    for (let c = 0; c < cols; c++) out[o + c] = out[o + c]! + g[s + c]!;
  }
}
