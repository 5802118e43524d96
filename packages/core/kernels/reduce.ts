/**
 * Sums over axes in a fixed block order. The reduced positions of each
 * output are cut into blocks of {@linkcode REDUCE_BLOCK}; a unit adds one
 * block's terms of a chunk of outputs in order, in float64, and several
 * blocks are then added up in block order. The blocks do not depend on how
 * many threads share the work, so every split gives the same bits, and a
 * sum of at most one block is the plain in-order float64 sum.
 *
 * @module
 */
import { volume } from "./strided.ts";
import type { CombineRun, ReduceRun } from "./tasks.ts";

/** Reduced positions per block. */
export const REDUCE_BLOCK = 2048;

/** Outputs per unit. */
export const REDUCE_CHUNK = 256;

// One chunk of running sums, reused (a thread runs one unit at a time).
const acc = new Float64Array(REDUCE_CHUNK);

/** The plan of summing `g` (shape `gShape`) down to `shape` (right-aligned, 1 or missing where summed). */
export function planReduce(
  gShape: readonly number[],
  shape: readonly number[],
): Omit<ReduceRun, "kind" | "g" | "out" | "work" | "units"> & { units: number } {
  const nd = gShape.length;
  const off = nd - shape.length;
  const kept: [number, number][] = [];
  const reduced: [number, number][] = [];
  let stride = 1;
  const strides: number[] = new Array(nd);
  for (let ax = nd - 1; ax >= 0; ax--) {
    strides[ax] = stride;
    stride *= gShape[ax]!;
  }
  for (let ax = 0; ax < nd; ax++) {
    const d = gShape[ax]!;
    const target = ax - off >= 0 ? shape[ax - off]! : 1;
    if (d === 1) continue;
    (target === 1 ? reduced : kept).push([d, strides[ax]!]);
  }
  const merge = (axes: [number, number][]) => {
    const out: [number, number][] = [];
    for (const [d, s] of axes) {
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === s * d) out[out.length - 1] = [last[0] * d, s];
      else out.push([d, s]);
    }
    return out;
  };
  const k = merge(kept), r = merge(reduced);
  const outLen = volume(k.map(([d]) => d));
  const positions = volume(r.map(([d]) => d));
  const blocks = Math.max(1, Math.ceil(positions / REDUCE_BLOCK));
  const chunks = Math.max(1, Math.ceil(outLen / REDUCE_CHUNK));
  return {
    keptDims: k.map(([d]) => d),
    keptStrides: k.map(([, s]) => s),
    reducedDims: r.map(([d]) => d),
    reducedStrides: r.map(([, s]) => s),
    outLen,
    blocks,
    blockLen: REDUCE_BLOCK,
    chunk: REDUCE_CHUNK,
    units: outLen === 0 ? 0 : blocks * chunks,
  };
}

/** Offset of flat index `i` of a row-major `dims` walk with `strides`. */
function offsetOf(i: number, dims: readonly number[], strides: readonly number[]): number {
  let o = 0;
  for (let ax = dims.length - 1; ax >= 0; ax--) {
    const d = dims[ax]!;
    o += (i % d) * strides[ax]!;
    i = Math.floor(i / d);
  }
  return o;
}

/** Reduce units `[from, to)`: (block, chunk of outputs) pairs, block-major. */
export function runReduce(t: ReduceRun, from: number, to: number): void {
  const { g, out, outLen, blockLen, chunk, keptDims, keptStrides, reducedDims, reducedStrides } = t;
  const positions = volume(reducedDims);
  const chunks = Math.ceil(outLen / chunk);
  // One kept axis of stride 1 with the reduced ones outside it (a bias
  // gradient): add whole rows, positions outermost, for contiguous reads.
  const rows = keptDims.length === 1 && keptStrides[0] === 1 && reducedDims.length === 1;
  for (let u = from; u < to; u++) {
    const b = Math.floor(u / chunks);
    const o0 = (u - b * chunks) * chunk;
    const o1 = Math.min(outLen, o0 + chunk);
    const r0 = b * blockLen;
    const r1 = Math.min(positions, r0 + blockLen);
    const base = t.blocks === 1 ? 0 : b * outLen;
    if (rows) {
      const rs = reducedStrides[0]!;
      acc.fill(0, 0, o1 - o0);
      for (let r = r0; r < r1; r++) {
        const p = r * rs + o0;
        for (let o = 0; o < o1 - o0; o++) acc[o] = acc[o]! + g[p + o]!;
      }
      for (let o = o0; o < o1; o++) out[base + o] = acc[o - o0]!;
      continue;
    }
    const inner = reducedDims.length === 0 ? 1 : reducedDims[reducedDims.length - 1]!;
    const innerStride = reducedDims.length === 0 ? 0 : reducedStrides[reducedStrides.length - 1]!;
    for (let o = o0; o < o1; o++) {
      const ko = offsetOf(o, keptDims, keptStrides);
      let s = 0;
      let r = r0;
      while (r < r1) {
        // One stretch of the innermost reduced axis at a time.
        const at = r % inner;
        const len = Math.min(inner - at, r1 - r);
        let q = ko + offsetOf(r, reducedDims, reducedStrides);
        for (let j = 0; j < len; j++, q += innerStride) s += g[q]!;
        r += len;
      }
      out[base + o] = s;
    }
  }
}

/**
 * Adds the block sums of a reduce task in block order into `out` (float64
 * sums, stored once), scaled by `1 / divisor`.
 */
export function combineBlocks(
  partial: Float64Array,
  blocks: number,
  outLen: number,
  out: { [i: number]: number },
  divisor = 1,
): void {
  for (let o = 0; o < outLen; o++) {
    let s = 0;
    for (let b = 0; b < blocks; b++) s += partial[b * outLen + o]!;
    out[o] = divisor === 1 ? s : s / divisor;
  }
}

/** Combine units `[from, to)`: outputs, each the block sums added in block order. */
export function runCombine(t: CombineRun, from: number, to: number): void {
  const { partial, blocks, outLen, out, divisor } = t;
  for (let o = from; o < to; o++) {
    let s = 0;
    for (let b = 0; b < blocks; b++) s += partial[b * outLen + o]!;
    out[o] = divisor === 1 ? s : s / divisor;
  }
}
