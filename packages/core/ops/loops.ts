/**
 * Element loops on raw buffers for the element-wise ops, reductions and
 * broadcasting. They never see a Tensor or a tape; the ops check and size.
 *
 * Every result is computed in float64 and stored once into the output array,
 * so a float32 output is the correctly rounded float32 result of `+ − × ÷`.
 *
 * @module
 */
import type { TensorData } from "../tensor/tensor.ts";

/** Row-major strides of `shape` seen from a broadcast shape of `nd` axes (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const nd = outShape.length;
  const off = nd - shape.length;
  const strides: number[] = new Array(nd).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    strides[i + off] = d === 1 && outShape[i + off] !== 1 ? 0 : s;
    s *= d;
  }
  return strides;
}

/** Operations of {@linkcode binaryLoop}. */
export const Binary = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/** One of the codes in {@linkcode Binary}. */
export type BinaryOp = typeof Binary[keyof typeof Binary];

/**
 * `out[i] = a[ia] op b[ib]` over the broadcast shape `outShape`, where `ia`
 * and `ib` follow the strides `sa`, `sb` (from {@linkcode broadcastStrides}).
 * The operation is a code, not a callback, so each inner loop stays monomorphic.
 */
export function binaryLoop(
  op: BinaryOp,
  outShape: readonly number[],
  a: TensorData,
  sa: readonly number[],
  b: TensorData,
  sb: readonly number[],
  out: TensorData,
): void {
  const n = out.length;
  if (n === 0) return;
  if (a.length === n && b.length === n) {
    binaryRow(op, out, 0, n, a, 0, 1, b, 0, 1);
    return;
  }
  const nd = outShape.length;
  const inner = outShape[nd - 1]!;
  const ia = sa[nd - 1]!;
  const ib = sb[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let pa = 0;
  let pb = 0;
  for (let o = 0; o < n; o += inner) {
    binaryRow(op, out, o, inner, a, pa, ia, b, pb, ib);
    // Odometer over the outer axes.
    for (let ax = nd - 2; ax >= 0; ax--) {
      pa += sa[ax]!;
      pb += sb[ax]!;
      if (++idx[ax]! < outShape[ax]!) break;
      pa -= sa[ax]! * outShape[ax]!;
      pb -= sb[ax]! * outShape[ax]!;
      idx[ax] = 0;
    }
  }
}

function binaryRow(
  op: BinaryOp,
  out: TensorData,
  o: number,
  len: number,
  a: TensorData,
  pa: number,
  ia: number,
  b: TensorData,
  pb: number,
  ib: number,
): void {
  switch (op) {
    case Binary.add:
      for (let j = 0; j < len; j++, pa += ia, pb += ib) out[o + j] = a[pa]! + b[pb]!;
      return;
    case Binary.sub:
      for (let j = 0; j < len; j++, pa += ia, pb += ib) out[o + j] = a[pa]! - b[pb]!;
      return;
    case Binary.mul:
      for (let j = 0; j < len; j++, pa += ia, pb += ib) out[o + j] = a[pa]! * b[pb]!;
      return;
    case Binary.div:
      for (let j = 0; j < len; j++, pa += ia, pb += ib) out[o + j] = a[pa]! / b[pb]!;
      return;
  }
}

/** Element-wise functions of {@linkcode unaryLoop}; `c` is its constant argument. */
export const Unary = {
  /** −x */
  neg: 0,
  /** x·c */
  scale: 1,
  /** x / c */
  divide: 2,
  /** x² */
  square: 3,
  /** √x */
  sqrt: 4,
  /** eˣ */
  exp: 5,
  /** ln x */
  log: 6,
  /** max(x, 0) */
  relu: 7,
  /** 1 where x > 0, else 0 (relu's derivative) */
  step: 8,
  /** 1 / (1 + e⁻ˣ), without overflow */
  sigmoid: 9,
  /** s·(1 − s) for s = sigmoid(x) (its derivative, from the output) */
  sigmoidGrad: 10,
  /** tanh x */
  tanh: 11,
  /** 1 − t² for t = tanh(x) (its derivative, from the output) */
  tanhGrad: 12,
} as const;

/** One of the codes in {@linkcode Unary}. */
export type UnaryOp = typeof Unary[keyof typeof Unary];

/** `out[i] = op(x[i])` (with the constant `c` where the op takes one). */
export function unaryLoop(op: UnaryOp, x: TensorData, out: TensorData, c = 0): void {
  const n = x.length;
  switch (op) {
    case Unary.neg:
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      return;
    case Unary.scale:
      for (let i = 0; i < n; i++) out[i] = x[i]! * c;
      return;
    case Unary.divide:
      for (let i = 0; i < n; i++) out[i] = x[i]! / c;
      return;
    case Unary.square:
      for (let i = 0; i < n; i++) out[i] = x[i]! * x[i]!;
      return;
    case Unary.sqrt:
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
      return;
    case Unary.exp:
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      return;
    case Unary.log:
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
      return;
    case Unary.relu:
      for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
      return;
    case Unary.step:
      for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? 1 : 0;
      return;
    case Unary.sigmoid:
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v >= 0) {
          out[i] = 1 / (1 + Math.exp(-v));
        } else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      return;
    case Unary.sigmoidGrad:
      for (let i = 0; i < n; i++) out[i] = x[i]! * (1 - x[i]!);
      return;
    case Unary.tanh:
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
      return;
    case Unary.tanhGrad:
      for (let i = 0; i < n; i++) out[i] = 1 - x[i]! * x[i]!;
      return;
  }
}

/**
 * Sums `g` (of shape `gShape`) into `out` (the reduced shape with strides
 * `so`, 0 on summed axes), accumulating in float64 in row-major order of `g`,
 * then stores once into `out`. `acc` is a float64 scratch of `out.length`.
 */
export function sumLoop(
  gShape: readonly number[],
  g: TensorData,
  so: readonly number[],
  acc: Float64Array,
  out: TensorData,
): void {
  acc.fill(0);
  const n = g.length;
  const nd = gShape.length;
  if (nd === 0) {
    if (n === 1) acc[0] = g[0]!;
  } else if (n > 0) {
    const inner = gShape[nd - 1]!;
    const step = so[nd - 1]!;
    const idx = new Array<number>(nd).fill(0);
    let p = 0;
    for (let o = 0; o < n; o += inner) {
      for (let j = 0, q = p; j < inner; j++, q += step) acc[q] = acc[q]! + g[o + j]!;
      for (let ax = nd - 2; ax >= 0; ax--) {
        p += so[ax]!;
        if (++idx[ax]! < gShape[ax]!) break;
        p -= so[ax]! * gShape[ax]!;
        idx[ax] = 0;
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
}

/**
 * Row-wise softmax cross-entropy on `rows` rows of `c` classes. `labels` is
 * either `rows × c` probabilities (`indexed` false) or `rows` class indices.
 * Writes each row's softmax into `probs` and each row's loss into `losses`.
 * Log-sum-exp is shifted by the row maximum so no `exp` overflows.
 */
export function softmaxXentLoop(
  rows: number,
  c: number,
  logits: TensorData,
  labels: TensorData,
  indexed: boolean,
  probs: Float64Array,
  logSoftmax: Float64Array,
  losses: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
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
      if (!indexed) loss -= labels[off + j]! * ls;
    }
    losses[r] = indexed ? -logSoftmax[off + labels[r]!]! : loss;
  }
}
