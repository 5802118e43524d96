/**
 * The loss loops: mean squared error in blocks (with the block order of a
 * reduction, so that `mse` has the bits of `mean(square(sub(p, t)))`), its
 * gradient, and row-wise softmax cross-entropy with its gradient.
 *
 * @module
 */
import type { TensorData } from "../dtype.ts";
import type { MseGradRun, MseRun, XentGradRun, XentRun } from "./tasks.ts";

/** MSE units `[from, to)`: blocks of `blockLen` elements, each summed in order in float64. */
export function runMse(t: MseRun, from: number, to: number): void {
  const { p, t: y, partial, blockLen } = t;
  const n = p.length;
  for (let b = from; b < to; b++) {
    const i1 = Math.min(n, (b + 1) * blockLen);
    let acc = 0;
    if (t.f32) {
      for (let i = b * blockLen; i < i1; i++) {
        const d = Math.fround(p[i]! - y[i]!);
        acc += Math.fround(d * d);
      }
    } else {
      for (let i = b * blockLen; i < i1; i++) {
        const d = p[i]! - y[i]!;
        acc += d * d;
      }
    }
    partial[b] = acc;
  }
}

/** MSE-gradient units `[from, to)`: elements. */
export function runMseGrad(t: MseGradRun, from: number, to: number): void {
  const { p, t: y, out, gs, n } = t;
  const w = t.f32 ? Math.fround(gs[0]! / n) : gs[0]! / n;
  if (t.f32) mseGrad32(p, y, out as Float32Array, w, from, to);
  else mseGrad64(p, y, out as Float64Array, w, from, to);
}

function mseGrad32(
  p: TensorData,
  y: TensorData,
  out: Float32Array,
  w: number,
  i0: number,
  i1: number,
) {
  for (let i = i0; i < i1; i++) out[i] = w * Math.fround(2 * Math.fround(p[i]! - y[i]!));
}

function mseGrad64(
  p: TensorData,
  y: TensorData,
  out: Float64Array,
  w: number,
  i0: number,
  i1: number,
) {
  for (let i = i0; i < i1; i++) out[i] = w * (2 * (p[i]! - y[i]!));
}

/**
 * Softmax cross-entropy units `[from, to)`: rows of `c` classes. Labels are
 * probabilities (`indexed` 0) or one class index per row. Log-sum-exp is
 * shifted by the row maximum so that no `exp` overflows.
 */
export function runXent(t: XentRun, from: number, to: number): void {
  const { logits, labels, c, probs, logSoftmax, losses } = t;
  for (let r = from; r < to; r++) {
    const off = r * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, logits[off + j]!);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(logits[off + j]! - max);
    const lse = max + Math.log(s);
    let loss = 0;
    for (let j = 0; j < c; j++) {
      const ls = logits[off + j]! - lse;
      logSoftmax[off + j] = ls;
      probs[off + j] = Math.exp(ls);
      if (!t.indexed) loss -= labels[off + j]! * ls;
    }
    losses[r] = t.indexed ? -logSoftmax[off + labels[r]!]! : loss;
  }
}

/** Cross-entropy gradient units `[from, to)`: rows; `(softmax·Σlabels − labels)·w`. */
export function runXentGrad(t: XentGradRun, from: number, to: number): void {
  const { probs, labels, c, gs, n, out } = t;
  const w = gs[0]! / n;
  for (let r = from; r < to; r++) {
    const off = r * c;
    let mass = 1;
    if (!t.indexed) {
      mass = 0;
      for (let j = 0; j < c; j++) mass += labels[off + j]!;
    }
    for (let j = 0; j < c; j++) {
      const p = t.indexed ? (j === labels[r] ? 1 : 0) : labels[off + j]!;
      out[off + j] = (probs[off + j]! * mass - p) * w;
    }
  }
}
