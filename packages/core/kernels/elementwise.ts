/**
 * Element loops: binary arithmetic with broadcasting, unary functions,
 * strided copies (broadcasting, casting) and matrix transposes, each over a
 * range of its task's units. Every result is computed in float64 and stored
 * once, so a float32 output is the correctly rounded result of `+ − × ÷`.
 *
 * @module
 */
import type { TensorData } from "../dtype.ts";
import { walkRuns } from "./strided.ts";
import type { BinaryRun, ExpandRun, TransposeRun, UnaryRun } from "./tasks.ts";

/** Operations of a binary task. */
export const Binary = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  /** a·1 where b > 0, else a·0: relu's backward (bit for bit `a · step(b)`), in one pass. */
  gate: 4,
} as const;

/** One of the codes in {@linkcode Binary}. */
export type BinaryOp = typeof Binary[keyof typeof Binary];

/** Element-wise functions of a unary task; `c` is its constant argument. */
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

/** Binary units `[from, to)`: output elements. */
export function runBinary(t: BinaryRun, from: number, to: number): void {
  const { op, a, b, out } = t;
  if (a.length === out.length && b.length === out.length) {
    // One index for all three: the loop the JIT compiles best (half the time of the strided one).
    if (out instanceof Float32Array) same32(op, a, b, out, from, to);
    else same64(op, a, b, out, from, to);
    return;
  }
  const nd = t.shape.length;
  const ia = nd === 0 ? 0 : t.sa[nd - 1]!;
  const ib = nd === 0 ? 0 : t.sb[nd - 1]!;
  if (nd === 2) {
    // Rows directly (a bias over a batch, a column over rows): no walk, no callback per row.
    const cols = t.shape[1]!, sa0 = t.sa[0]!, sb0 = t.sb[0]!;
    if (ia === 1 && ib === 1) {
      if (out instanceof Float32Array) grid32(op, out, a, sa0, b, sb0, cols, from, to);
      else grid64(op, out, a, sa0, b, sb0, cols, from, to);
      return;
    }
    let r = Math.floor(from / cols), c = from - r * cols;
    for (let at = from; at < to; r++, c = 0) {
      const len = Math.min(cols - c, to - at);
      binaryRow(op, out, at, len, a, r * sa0 + c * ia, ia, b, r * sb0 + c * ib, ib);
      at += len;
    }
    return;
  }
  walkRuns(t.shape, [t.sa, t.sb], from, to, (at, len, off) => {
    binaryRow(op, out, at, len, a, off[0]!, ia, b, off[1]!, ib);
  });
}

// Twins per output dtype, so that each stays monomorphic in what it writes.
function same32(
  op: number,
  a: TensorData,
  b: TensorData,
  out: Float32Array,
  i0: number,
  i1: number,
) {
  switch (op) {
    case Binary.add:
      for (let i = i0; i < i1; i++) out[i] = a[i]! + b[i]!;
      return;
    case Binary.sub:
      for (let i = i0; i < i1; i++) out[i] = a[i]! - b[i]!;
      return;
    case Binary.mul:
      for (let i = i0; i < i1; i++) out[i] = a[i]! * b[i]!;
      return;
    case Binary.div:
      for (let i = i0; i < i1; i++) out[i] = a[i]! / b[i]!;
      return;
    case Binary.gate:
      for (let i = i0; i < i1; i++) out[i] = a[i]! * +(b[i]! > 0);
      return;
  }
}

function same64(
  op: number,
  a: TensorData,
  b: TensorData,
  out: Float64Array,
  i0: number,
  i1: number,
) {
  switch (op) {
    case Binary.add:
      for (let i = i0; i < i1; i++) out[i] = a[i]! + b[i]!;
      return;
    case Binary.sub:
      for (let i = i0; i < i1; i++) out[i] = a[i]! - b[i]!;
      return;
    case Binary.mul:
      for (let i = i0; i < i1; i++) out[i] = a[i]! * b[i]!;
      return;
    case Binary.div:
      for (let i = i0; i < i1; i++) out[i] = a[i]! / b[i]!;
      return;
    case Binary.gate:
      for (let i = i0; i < i1; i++) out[i] = a[i]! * +(b[i]! > 0);
      return;
  }
}

/**
 * Output elements `[from, to)` of a `rows×cols` grid whose operands step
 * along rows by `sa0` and `sb0` and are contiguous along each row: the
 * nested loops in one frame, without a call per row (on 64-wide rows the
 * calls cost as much as the arithmetic), each row's inner loop indexed from
 * the row's own offsets ("Element-wise rows" in benchmarks/README.md).
 */
function grid32(
  op: number,
  out: Float32Array,
  a: TensorData,
  sa0: number,
  b: TensorData,
  sb0: number,
  cols: number,
  from: number,
  to: number,
): void {
  const r0 = Math.floor(from / cols), r1 = Math.ceil(to / cols);
  let j0 = from - r0 * cols;
  switch (op) {
    case Binary.add:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! + b[ob + j]!;
      }
      return;
    case Binary.sub:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! - b[ob + j]!;
      }
      return;
    case Binary.mul:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! * b[ob + j]!;
      }
      return;
    case Binary.div:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! / b[ob + j]!;
      }
      return;
    case Binary.gate:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! * +(b[ob + j]! > 0);
      }
      return;
  }
}

/** {@linkcode grid32}'s float64 twin. */
function grid64(
  op: number,
  out: Float64Array,
  a: TensorData,
  sa0: number,
  b: TensorData,
  sb0: number,
  cols: number,
  from: number,
  to: number,
): void {
  const r0 = Math.floor(from / cols), r1 = Math.ceil(to / cols);
  let j0 = from - r0 * cols;
  switch (op) {
    case Binary.add:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! + b[ob + j]!;
      }
      return;
    case Binary.sub:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! - b[ob + j]!;
      }
      return;
    case Binary.mul:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! * b[ob + j]!;
      }
      return;
    case Binary.div:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! / b[ob + j]!;
      }
      return;
    case Binary.gate:
      for (let r = r0; r < r1; r++, j0 = 0) {
        const o = r * cols, oa = r * sa0, ob = r * sb0, j1 = Math.min(cols, to - o);
        for (let j = j0; j < j1; j++) out[o + j] = a[oa + j]! * +(b[ob + j]! > 0);
      }
      return;
  }
}

function rows32(
  op: number,
  out: Float32Array,
  o: number,
  len: number,
  a: TensorData,
  pa: number,
  b: TensorData,
  pb: number,
): void {
  switch (op) {
    case Binary.add:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! + b[pb + j]!;
      return;
    case Binary.sub:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! - b[pb + j]!;
      return;
    case Binary.mul:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! * b[pb + j]!;
      return;
    case Binary.div:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! / b[pb + j]!;
      return;
    case Binary.gate:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! * +(b[pb + j]! > 0);
      return;
  }
}

function rows64(
  op: number,
  out: Float64Array,
  o: number,
  len: number,
  a: TensorData,
  pa: number,
  b: TensorData,
  pb: number,
): void {
  switch (op) {
    case Binary.add:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! + b[pb + j]!;
      return;
    case Binary.sub:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! - b[pb + j]!;
      return;
    case Binary.mul:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! * b[pb + j]!;
      return;
    case Binary.div:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! / b[pb + j]!;
      return;
    case Binary.gate:
      for (let j = 0; j < len; j++) out[o + j] = a[pa + j]! * +(b[pb + j]! > 0);
      return;
  }
}

function binaryRow(
  op: number,
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
  if (ia === 1 && ib === 1) {
    if (out instanceof Float32Array) rows32(op, out, o, len, a, pa, b, pb);
    else rows64(op, out, o, len, a, pa, b, pb);
    return;
  }
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
    case Binary.gate:
      for (let j = 0; j < len; j++, pa += ia, pb += ib) out[o + j] = a[pa]! * +(b[pb]! > 0);
      return;
  }
}

/** Unary units `[from, to)`: elements. */
export function runUnary(t: UnaryRun, from: number, to: number): void {
  if (t.out instanceof Float32Array) unary32(t.op, t.x, t.out, from, to, t.c);
  else unary64(t.op, t.x, t.out, from, to, t.c);
}

// relu and step select without a branch: on activations of random sign a
// branch on `v > 0` mispredicts half the time ("Branches on the sign" in
// benchmarks/README.md). pick[0] stays 0.
const pick = new Float64Array(2);

// Twins per output dtype, so that each stays monomorphic in what it writes.
function unary32(
  op: number,
  x: TensorData,
  out: Float32Array,
  from: number,
  to: number,
  c: number,
): void {
  switch (op) {
    case Unary.neg:
      for (let i = from; i < to; i++) out[i] = -x[i]!;
      return;
    case Unary.scale:
      for (let i = from; i < to; i++) out[i] = x[i]! * c;
      return;
    case Unary.divide:
      for (let i = from; i < to; i++) out[i] = x[i]! / c;
      return;
    case Unary.square:
      for (let i = from; i < to; i++) out[i] = x[i]! * x[i]!;
      return;
    case Unary.sqrt:
      for (let i = from; i < to; i++) out[i] = Math.sqrt(x[i]!);
      return;
    case Unary.exp:
      for (let i = from; i < to; i++) out[i] = Math.exp(x[i]!);
      return;
    case Unary.log:
      for (let i = from; i < to; i++) out[i] = Math.log(x[i]!);
      return;
    case Unary.relu:
      for (let i = from; i < to; i++) {
        const v = x[i]!;
        pick[1] = v;
        out[i] = pick[+(v > 0)]!;
      }
      return;
    case Unary.step:
      for (let i = from; i < to; i++) out[i] = +(x[i]! > 0);
      return;
    case Unary.sigmoid:
      for (let i = from; i < to; i++) {
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
      for (let i = from; i < to; i++) out[i] = x[i]! * (1 - x[i]!);
      return;
    case Unary.tanh:
      for (let i = from; i < to; i++) out[i] = Math.tanh(x[i]!);
      return;
    case Unary.tanhGrad:
      for (let i = from; i < to; i++) out[i] = 1 - x[i]! * x[i]!;
      return;
  }
}

function unary64(
  op: number,
  x: TensorData,
  out: Float64Array,
  from: number,
  to: number,
  c: number,
): void {
  switch (op) {
    case Unary.neg:
      for (let i = from; i < to; i++) out[i] = -x[i]!;
      return;
    case Unary.scale:
      for (let i = from; i < to; i++) out[i] = x[i]! * c;
      return;
    case Unary.divide:
      for (let i = from; i < to; i++) out[i] = x[i]! / c;
      return;
    case Unary.square:
      for (let i = from; i < to; i++) out[i] = x[i]! * x[i]!;
      return;
    case Unary.sqrt:
      for (let i = from; i < to; i++) out[i] = Math.sqrt(x[i]!);
      return;
    case Unary.exp:
      for (let i = from; i < to; i++) out[i] = Math.exp(x[i]!);
      return;
    case Unary.log:
      for (let i = from; i < to; i++) out[i] = Math.log(x[i]!);
      return;
    case Unary.relu:
      for (let i = from; i < to; i++) {
        const v = x[i]!;
        pick[1] = v;
        out[i] = pick[+(v > 0)]!;
      }
      return;
    case Unary.step:
      for (let i = from; i < to; i++) out[i] = +(x[i]! > 0);
      return;
    case Unary.sigmoid:
      for (let i = from; i < to; i++) {
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
      for (let i = from; i < to; i++) out[i] = x[i]! * (1 - x[i]!);
      return;
    case Unary.tanh:
      for (let i = from; i < to; i++) out[i] = Math.tanh(x[i]!);
      return;
    case Unary.tanhGrad:
      for (let i = from; i < to; i++) out[i] = 1 - x[i]! * x[i]!;
      return;
  }
}

/** Strided-copy units `[from, to)`: output elements. */
export function runExpand(t: ExpandRun, from: number, to: number): void {
  const { x, out } = t;
  if (x.length === out.length) {
    for (let i = from; i < to; i++) out[i] = x[i]!;
    return;
  }
  const nd = t.shape.length;
  const step = nd === 0 ? 0 : t.sx[nd - 1]!;
  walkRuns(t.shape, [t.sx], from, to, (at, len, off) => {
    for (let j = 0, q = off[0]!; j < len; j++, q += step) out[at + j] = x[q]!;
  });
}

/** Transpose units `[from, to)`: rows of the source matrices, in order. */
export function runTranspose(t: TransposeRun, from: number, to: number): void {
  const { x, out, rows, cols } = t;
  const mat = rows * cols;
  for (let u = from; u < to; u++) {
    const m = Math.floor(u / rows);
    const i = u - m * rows;
    const src = m * mat + i * cols;
    const dst = m * mat + i;
    for (let j = 0; j < cols; j++) out[dst + j * rows] = x[src + j]!;
  }
}
