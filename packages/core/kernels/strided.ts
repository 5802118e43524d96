/**
 * The one strided walk: a shape in row-major order, with the flat offsets
 * of several operands that follow it by their own strides (0 on a
 * broadcast axis). Element loops, broadcasting, reductions and the matmul
 * planner's batch indices all go through it.
 *
 * @module
 */

/** The number of elements of already-checked dimensions (the kernels' twin of core's `sizeOf`). */
export function volume(dims: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < dims.length; i++) n *= dims[i]!;
  return n;
}

/** Row-major strides of `shape` seen from a broadcast shape `outShape` (0 on broadcast axes). */
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

/**
 * Calls `run(at, len, offsets)` for each stretch of consecutive elements of
 * `shape` along its last axis, over the flat range `[from, to)` in row-major
 * order: `at` is the flat index where the stretch starts, `len` its length,
 * and `offsets[i]` where operand `i` (with strides `strides[i]`) is there.
 * Along a stretch, operand `i` advances by `strides[i][last]` per element.
 * `offsets` is reused between calls.
 */
export function walkRuns(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  from: number,
  to: number,
  run: (at: number, len: number, offsets: number[]) => void,
): void {
  if (to <= from) return;
  const nd = shape.length;
  const k = strides.length;
  const offsets: number[] = new Array(k).fill(0);
  if (nd === 0) {
    run(0, 1, offsets);
    return;
  }
  const inner = shape[nd - 1]!;
  // The multi-index of `from`, and each operand's offset there.
  const idx: number[] = new Array(nd).fill(0);
  let rest = from;
  for (let ax = nd - 1; ax >= 0; ax--) {
    const d = shape[ax]!;
    idx[ax] = rest % d;
    rest = Math.floor(rest / d);
  }
  for (let i = 0; i < k; i++) {
    let o = 0;
    for (let ax = 0; ax < nd; ax++) o += idx[ax]! * strides[i]![ax]!;
    offsets[i] = o;
  }
  let at = from;
  while (at < to) {
    const len = Math.min(inner - idx[nd - 1]!, to - at);
    run(at, len, offsets);
    at += len;
    if (at >= to) return;
    // Back to the start of this row, then on to the next row (the stretch ran to its end).
    for (let i = 0; i < k; i++) {
      offsets[i] = offsets[i]! - (idx[nd - 1]!) * strides[i]![nd - 1]!;
    }
    idx[nd - 1] = 0;
    for (let ax = nd - 2; ax >= 0; ax--) {
      for (let i = 0; i < k; i++) offsets[i] = offsets[i]! + strides[i]![ax]!;
      if (++idx[ax]! < shape[ax]!) break;
      for (let i = 0; i < k; i++) offsets[i] = offsets[i]! - strides[i]![ax]! * shape[ax]!;
      idx[ax] = 0;
    }
  }
}
