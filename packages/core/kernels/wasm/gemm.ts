/**
 * The driver of the WebAssembly kernels: copies the operands from the
 * caller's typed arrays into the module's memory (or, over a shared
 * {@linkcode KernelSpace}, reads those already in it in place), runs
 * Goto-style blocking (a KC×NC panel of B and an MC×KC block of A packed
 * into strips) around the generated micro-kernel, and copies C back. Products with one row or one
 * column take the matrix-vector kernels instead.
 *
 * Why copy rather than pack from JavaScript: `TypedArray.prototype.set` moves
 * a float32 in about 0.3 ns here (memory-bound), a JavaScript packing loop in 0.75; the
 * wasm side then packs (or, for a non-transposed A, reads rows in place).
 * When C has a single column panel (the usual case), operands go in piece
 * by piece just before use: B and a transposed A by depth slabs, a
 * non-transposed A by row blocks, so packing and kernels read them from L2
 * (the float32 backward pass of 8192×256×64, whose dB is 8192 deep, went
 * from 37 to 42 GFLOP/s in `gflops.ts --shapes=8192x256x64`).
 *
 * Every element of C is one in-order chain over the depth: the accumulators
 * start from zero (or from C when accumulating), and after the first depth
 * block they are reloaded from the C tile kept in wasm memory, so row and
 * column blocks computed alone have the bits of the whole product.
 *
 * @module
 */
import type { TensorData } from "../../dtype.ts";
import { degenerateProduct } from "../degenerate.ts";
import type { Gemm } from "../types.ts";
import { GEMV_BLOCK, GEMV_DOT_ROWS, type KernelShape, type ModuleShape } from "./config.ts";
import type { KernelExports } from "./loader.ts";

type Mk = (
  ap: number,
  bp: number,
  c: number,
  ldc: number,
  mc: number,
  nc: number,
  kc: number,
  load: number,
) => void;
type MkRows = (
  a: number,
  lda: number,
  bp: number,
  c: number,
  ldc: number,
  mc: number,
  nc: number,
  kc: number,
  load: number,
) => void;
type Pack = (
  src: number,
  lane: number,
  depth: number,
  count: number,
  kc: number,
  dst: number,
) => void;
type PackT = (src: number, lane: number, count: number, kc: number, dst: number) => void;
type Outer = (
  a: number,
  aStride: number,
  bp: number,
  c: number,
  ldc: number,
  mc: number,
  nc: number,
  load: number,
) => void;
type Gemv = (
  w: number,
  m: number,
  ld: number,
  len: number,
  k: number,
  out: number,
  load: number,
) => void;

interface DTypeKernels {
  readonly shape: KernelShape;
  readonly mk: Mk;
  /** The kernel reading a non-transposed A unpacked, if the module has one. */
  readonly mkRows: MkRows | undefined;
  /** `mk` and `mkRows` for products of depth at most `shape.shortK`. */
  readonly mkShort: Mk;
  readonly mkRowsShort: MkRows | undefined;
  readonly packA: Pack;
  readonly packB: Pack;
  /** Packs a transposed B (lanes are rows, depth contiguous) by vector transposes. */
  readonly packBT: PackT;
  /** Packs a non-transposed A (lanes are rows, depth contiguous) likewise. */
  readonly packAT: PackT;
  /** The product one deep (an outer product). */
  readonly outer: Outer;
  readonly gva: Gemv;
  readonly gvd: Gemv;
}

const PAGE = 65536;
// Room after the last buffer for the reads the vector kernels make past a
// row's end (their lanes are padding, never copied out).
const SLACK = 1024;

// Products whose operands and result exceed this many bytes are split in
// halves, keeping the memory well inside wasm32's 4 GiB.
const LIMIT = 1 << 30;

// Bytes of the matrix-vector kernels' operand chunks (well inside L2).
const CHUNK = 1 << 18;

// How much longer than its data a streamed slab's whole span may be and
// still be copied whole. Rows shorter than 512 go in by a JavaScript loop
// at about three times the cost per element of one `set` of the span, so a
// slab of half of each row (a band of a transposed operand, as a thread's
// share of a gradient reads it) is cheaper copied whole: the 64-row half of
// a 128×512ᵀ·512×16 float32 product took as long as the whole product.
const slabSlack = (cols: number): number => cols < 512 ? 3 : 1.25;

// Operands of blocked products larger than this are copied even where they
// could be read in place: a block's copy brings it into L2 in one sequential
// pass, which the kernels' strided reads of a large operand from memory did
// not match ("Reading operands in place" in benchmarks/README.md).
// Matrix-vector products, which read each element once, are read in place
// at any size.
const IN_PLACE_BYTES = 1 << 20;

const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

// Row blocks of equal height (in whole tiles) rather than full blocks and a
// short last one: a thread's share of rows is rarely a multiple of the block
// height, and a 64-row share cut 60 + 4 spent a whole pass over the packed B
// panel on a 4-row tail. Blocking along the rows never changes the bits.
const evenBlock = (len: number, max: number, tile: number): number =>
  len <= max ? max : roundUp(Math.ceil(len / Math.ceil(len / max)), tile);

function copyRows32(
  view: Float32Array,
  src: TensorData,
  off: number,
  rows: number,
  cols: number,
  ld: number,
  ldw: number,
  dst: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = off + r * ld, d = dst + r * ldw;
    for (let j = 0; j < cols; j++) view[d + j] = src[s + j]!;
  }
}

function copyRows64(
  view: Float64Array,
  src: TensorData,
  off: number,
  rows: number,
  cols: number,
  ld: number,
  ldw: number,
  dst: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = off + r * ld, d = dst + r * ldw;
    for (let j = 0; j < cols; j++) view[d + j] = src[s + j]!;
  }
}

/**
 * A memory that several threads' kernel instances share (the tensor heap of
 * `@matgrad/parallel`): each thread keeps its scratch in a region of its
 * own, and operands already in the memory are read where they lie.
 */
export interface KernelSpace {
  /** The memory: shared, with a maximum, as an imported kernel memory must be. */
  readonly memory: WebAssembly.Memory;
  /** The byte address of `data[0]` in the memory, or −1 when `data` lies elsewhere. */
  addressOf(data: TensorData): number;
  /**
   * A region of at least `bytes` for this thread's scratch alone, inside the
   * memory (grown as needed); returns its address.
   */
  scratch(bytes: number): number;
}

/**
 * A {@linkcode Gemm} over one instance of a kernel module. The instance's
 * memory (or its region of a shared `space`) is reused by every call and
 * grown only when a larger problem needs it; the calls are synchronous, so
 * one instance never serves two at once.
 */
export function createWasmGemm(
  exports: KernelExports,
  shape: ModuleShape,
  limitBytes: number = LIMIT,
  space?: KernelSpace,
): Gemm {
  const fn = <T>(name: string): T => exports[name] as T;
  const kernels = (d: "f32" | "f64", s: KernelShape): DTypeKernels => ({
    shape: s,
    mk: fn<Mk>(`mk_${d}`),
    mkRows: s.rows > 0 ? fn<MkRows>(`mkr_${d}`) : undefined,
    mkShort: s.shortK > 0 ? fn<Mk>(`mks_${d}`) : fn<Mk>(`mk_${d}`),
    mkRowsShort: s.rows > 0 ? fn<MkRows>(s.shortK > 0 ? `mkrs_${d}` : `mkr_${d}`) : undefined,
    packA: fn<Pack>(`pack_${d}_${s.mr}`),
    packB: fn<Pack>(`pack_${d}_${s.nr}`),
    packBT: fn<PackT>(`packt_${d}_${s.nr}`),
    packAT: fn<PackT>(`packt_${d}_${s.mr}`),
    outer: fn<Outer>(`outer_${d}`),
    gva: fn<Gemv>(`gva_${d}`),
    gvd: fn<Gemv>(`gvd_${d}`),
  });
  const k32 = kernels("f32", shape.f32);
  const k64 = kernels("f64", shape.f64);
  const memory = exports.mem;
  let viewBuffer = memory.buffer;
  let view32 = new Float32Array(viewBuffer);
  let view64 = new Float64Array(viewBuffer);
  let top = 0;
  // The scratch region: the whole own memory past 64 bytes, or a region of the space.
  let base = 64;
  let room = space === undefined ? Infinity : 0;

  /** Starts a fresh layout for one call. */
  const reset = (): void => {
    top = 0;
  };
  /** Reserves `bytes` (64-byte aligned) and returns its offset from the scratch base. */
  const alloc = (bytes: number): number => {
    const at = top;
    top = roundUp(top + bytes, 64);
    return at;
  };
  /**
   * Makes room for everything allocated so far (plus slack) and returns the
   * scratch base, to add to the offsets `alloc` gave.
   */
  const commit = (): number => {
    if (space !== undefined) {
      if (top + SLACK > room) {
        room = roundUp(Math.max(top + SLACK, room * 1.5), PAGE);
        base = space.scratch(room);
      }
    } else {
      const need = base + top + SLACK - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / PAGE));
    }
    // Another thread may have grown a shared memory too.
    if (memory.buffer !== viewBuffer) {
      viewBuffer = memory.buffer;
      view32 = new Float32Array(viewBuffer);
      view64 = new Float64Array(viewBuffer);
    }
    return base;
  };
  /**
   * The byte address of `data[off]` when the kernels may read a `rows×cols`
   * operand (leading dimension `ld`) where it lies: it is in the shared
   * memory, and so is everything up to `extra` rows and the slack past its
   * end, which edge tiles and vector lanes read (into padding never copied
   * out). Otherwise −1: the operand is copied into scratch.
   */
  const inPlace = (
    data: TensorData,
    off: number,
    rows: number,
    cols: number,
    ld: number,
    extra: number,
    es: number,
    limit = Infinity,
  ): number => {
    if (space === undefined) return -1;
    const at = space.addressOf(data);
    if (at < 0) return -1;
    const span = ((rows - 1 + extra) * ld + cols) * es;
    if (span > limit) return -1;
    const start = at + off * es;
    const end = start + span + SLACK;
    return end <= memory.buffer.byteLength ? start : -1;
  };

  /**
   * Plans the copy of a `rows×cols` operand stored with leading dimension
   * `ld`: the whole span at once (keeping `ld`) when it is at most `slack`
   * times the data, otherwise row by row (packed to `cols`). Returns the
   * leading dimension it will have in wasm memory.
   */
  const copiedLd = (rows: number, cols: number, ld: number, slack = 2): number =>
    rows === 1 || (rows - 1) * ld + cols <= slack * rows * cols ? ld : cols;

  const copyIn = (
    view: TensorData,
    src: TensorData,
    off: number,
    rows: number,
    cols: number,
    ld: number,
    ldw: number,
    dst: number,
  ): void => {
    if (ldw === ld) {
      view.set(src.subarray(off, off + (rows - 1) * ld + cols), dst);
      return;
    }
    // Short rows by hand: a subarray and a set per row cost more than the
    // copy itself below a few hundred elements (a block of a transposed
    // operand cut into row bands is thousands of such rows).
    if (cols < 512) {
      if (view instanceof Float32Array) copyRows32(view, src, off, rows, cols, ld, ldw, dst);
      else copyRows64(view as Float64Array, src, off, rows, cols, ld, ldw, dst);
      return;
    }
    for (let r = 0; r < rows; r++) {
      view.set(src.subarray(off + r * ld, off + r * ld + cols), dst + r * ldw);
    }
  };

  const copyOut = (
    view: TensorData,
    src: number,
    ldw: number,
    c: TensorData,
    cOff: number,
    ldc: number,
    rows: number,
    cols: number,
  ): void => {
    if (ldw === cols && ldc === cols) {
      c.set(view.subarray(src, src + rows * cols), cOff);
    } else if (cols >= 16) {
      for (let r = 0; r < rows; r++) {
        c.set(view.subarray(src + r * ldw, src + r * ldw + cols), cOff + r * ldc);
      }
    } else {
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) c[cOff + r * ldc + j] = view[src + r * ldw + j]!;
      }
    }
  };

  const blocked = (
    kd: DTypeKernels,
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
  ): void => {
    const { es, mr, nr, nc: NC } = kd.shape;
    // The same for every block of a product, since it depends only on k.
    const KC = k <= kd.shape.singleK ? k : kd.shape.kc;
    const [aRows, aCols] = transA ? [k, m] : [m, k];
    const ldcw = roundUp(n, nr);
    const short = k <= kd.shape.shortK;
    const mk = short ? kd.mkShort : kd.mk;
    const mkRows = transA || n >= kd.shape.rowsBelowN
      ? undefined
      : short
      ? kd.mkRowsShort
      : kd.mkRows;
    // The height of the tile that runs. Row blocks are whole tiles, so that
    // no block's edge tile writes into the rows of the next.
    const tileRows = k === 1 ? 1 : mkRows ? kd.shape.rows : mr;
    const MC = evenBlock(m, kd.shape.mc, tileRows);
    // Each slab of B (one depth block of one column panel) is read once, and
    // so is each block of A when there is one column panel: each goes in just
    // before the packing or the kernel reads it, so that read hits L2 rather
    // than a whole-operand copy in L3 or memory. A transposed A goes in by
    // depth slabs (its blocks would be strided columns).
    const streamA = n <= NC;
    // With one depth block as well, each row block of C is done in one pass:
    // C goes out (and in, when accumulating) block by block while in L2.
    const single = streamA && k <= KC;
    const kcMax = Math.min(KC, k), mcMax = Math.min(MC, m), ncMax = Math.min(NC, n);
    const [aHeldRows, aHeldCols] = !streamA ? [aRows, aCols] : transA ? [kcMax, m] : [mcMax, kcMax];
    const [bHeldRows, bHeldCols] = transB ? [ncMax, kcMax] : [kcMax, ncMax];
    // A block or slab copied whole spans the rest of its rows too, read
    // again for every block: only worth it when that rest is small.
    // Edge tiles and packing read up to a tile's lanes past an operand's last row.
    const extra = Math.max(mr, nr, kd.shape.rows) + 1;
    // A streamed transposed A that is a band of a wider matrix (a thread's
    // share of a gradient's columns) is packed where it lies: its slabs'
    // copies would carry the rest of every row too ("Bands of a transposed
    // A, in place" in benchmarks/README.md).
    const aLimit = streamA && transA && 2 * lda > 3 * aCols ? Infinity : IN_PLACE_BYTES;
    const aHere = inPlace(a, aOff, aRows, aCols, lda, extra, es, aLimit);
    const bHere = inPlace(b, bOff, transB ? n : k, transB ? k : n, ldb, extra, es, IN_PLACE_BYTES);
    const ldaw = aHere >= 0
      ? lda
      : copiedLd(aHeldRows, aHeldCols, lda, streamA ? slabSlack(aHeldCols) : 2);
    const ldbw = bHere >= 0 ? ldb : copiedLd(bHeldRows, bHeldCols, ldb, slabSlack(bHeldCols));
    reset();
    // The unpacked kernel's edge tile reads up to `rows − 1` rows past A.
    const aExtra = mkRows ? kd.shape.rows * ldaw : 0;
    let aPtr = aHere >= 0 ? -1 : alloc(((aHeldRows - 1) * ldaw + aHeldCols + aExtra) * es);
    let bPtr = bHere >= 0 ? -1 : alloc(((bHeldRows - 1) * ldbw + bHeldCols) * es);
    // Padded rows and columns take the edge tiles' lanes that are never copied
    // out. The rows are padded to the height of the tile that runs: the
    // unpacked kernel's edge tile writes up to `rows − 1` rows past C, the
    // packed one's up to `mr − 1`, and padding to the larger of the two let a
    // 4-row edge tile run into the packed B panel allocated next.
    const cRows = roundUp(single ? mcMax : m, tileRows);
    let cPtr = alloc(cRows * ldcw * es);
    let paPtr = alloc(Math.min(MC, roundUp(m, mr)) * kcMax * es);
    let pbPtr = alloc(kcMax * roundUp(ncMax, nr) * es);
    const at = commit();
    aPtr = aHere >= 0 ? aHere : aPtr + at;
    bPtr = bHere >= 0 ? bHere : bPtr + at;
    cPtr += at;
    paPtr += at;
    pbPtr += at;
    const view = es === 4 ? view32 : view64;
    if (!streamA && aHere < 0) copyIn(view, a, aOff, aRows, aCols, lda, ldaw, aPtr / es);
    if (accumulate && !single) copyIn(view, c, cOff, m, n, ldc, ldcw, cPtr / es);
    // Strides of opA/opB along their lanes (rows of A, columns of B) and depth.
    const aLane = (transA ? 1 : ldaw) * es, aDepth = (transA ? ldaw : 1) * es;
    const bLane = (transB ? ldbw : 1) * es, bDepth = (transB ? 1 : ldbw) * es;
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        if (transB) {
          const bAt = bHere >= 0 ? bHere + (jc * ldb + pc) * es : bPtr;
          if (bHere < 0) copyIn(view, b, bOff + jc * ldb + pc, nc, kc, ldb, ldbw, bPtr / es);
          kd.packBT(bAt, bLane, nc, kc, pbPtr);
        } else {
          const bAt = bHere >= 0 ? bHere + (pc * ldb + jc) * es : bPtr;
          if (bHere < 0) copyIn(view, b, bOff + pc * ldb + jc, kc, nc, ldb, ldbw, bPtr / es);
          kd.packB(bAt, bLane, bDepth, nc, kc, pbPtr);
        }
        // Where a streamed transposed A's slab starts.
        let aSlab = aPtr;
        if (streamA && transA) {
          if (aHere >= 0) aSlab = aHere + pc * lda * es;
          else copyIn(view, a, aOff + pc * lda, kc, m, lda, ldaw, aPtr / es);
        }
        const load = accumulate || pc > 0 ? 1 : 0;
        for (let ic = 0; ic < m; ic += MC) {
          const mc = Math.min(MC, m - ic);
          const cBlock = single ? cPtr : cPtr + (ic * ldcw + jc) * es;
          if (single && accumulate) copyIn(view, c, cOff + ic * ldc, mc, n, ldc, ldcw, cPtr / es);
          let aAt = aPtr + ic * aLane + pc * aDepth;
          if (streamA) {
            if (transA) aAt = aSlab + ic * aLane;
            else if (aHere >= 0) aAt = aHere + (ic * lda + pc) * es;
            else {
              aAt = aPtr;
              copyIn(view, a, aOff + ic * lda + pc, mc, kc, lda, ldaw, aPtr / es);
            }
          }
          if (k === 1) kd.outer(aAt, aLane, pbPtr, cBlock, ldcw * es, mc, roundUp(nc, nr), load);
          else if (mkRows) mkRows(aAt, ldaw * es, pbPtr, cBlock, ldcw * es, mc, nc, kc, load);
          else {
            if (transA) kd.packA(aAt, aLane, aDepth, mc, kc, paPtr);
            else kd.packAT(aAt, aLane, mc, kc, paPtr);
            mk(paPtr, pbPtr, cBlock, ldcw * es, mc, nc, kc, load);
          }
          if (single) copyOut(view, cPtr / es, ldcw, c, cOff + ic * ldc, ldc, mc, n);
        }
      }
    }
    if (!single) copyOut(view, cPtr / es, ldcw, c, cOff, ldc, m, n);
  };

  /**
   * One row or one column of C: `out[l] = Σ_p w[p]·M[l][p]` where the matrix
   * M (A for a column, B for a row) is read along lanes `l` and depth `p`.
   */
  const gemv = (
    kd: DTypeKernels,
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
  ): void => {
    const es = kd.shape.es;
    const column = n === 1;
    const len = column ? m : n;
    const cStride = column ? ldc : 1;
    // The vector w and the matrix M with its storage: lanes contiguous (axpy
    // form) or depth contiguous (dot form).
    const w = column ? b : a;
    const wOff = column ? bOff : aOff;
    const wStride = column ? (transB ? 1 : ldb) : (transA ? lda : 1);
    const mat = column ? a : b;
    const mOff = column ? aOff : bOff;
    const ld = column ? lda : ldb;
    const axpy = column ? transA : !transB;
    const [rows, cols] = axpy ? [k, len] : [len, k];
    // M goes in by chunks that stay in L2 for the kernel right after the
    // copy, instead of a whole-matrix copy the kernel then re-reads from
    // memory: the product is memory-bound, so that halves its traffic.
    // Chunks split the lanes (dot form) or the depth with partial sums
    // reloaded (axpy form), so the bits do not depend on the chunking.
    // (Dot-form chunks are whole kernel blocks, so a block's padding rows
    // never overwrite the next chunk's outputs.)
    const chunk = Math.min(
      rows,
      Math.max(axpy ? 1 : GEMV_DOT_ROWS, roundUp(Math.floor(CHUNK / (cols * es)), GEMV_DOT_ROWS)),
    );
    const here = inPlace(mat, mOff, rows, cols, ld, GEMV_DOT_ROWS + 1, es);
    const ldw = here >= 0 ? ld : copiedLd(chunk, cols, ld);
    reset();
    let wPtr = alloc(k * es);
    let mPtr = here >= 0 ? 0 : alloc(((chunk - 1) * ldw + cols) * es);
    let outPtr = alloc(roundUp(len, Math.max(GEMV_BLOCK * 16 / es, GEMV_DOT_ROWS)) * es);
    const at = commit();
    wPtr += at;
    mPtr += at;
    outPtr += at;
    const view = es === 4 ? view32 : view64;
    const w0 = wPtr / es;
    for (let p = 0; p < k; p++) view[w0 + p] = w[wOff + p * wStride]!;
    const o0 = outPtr / es;
    if (accumulate) { for (let l = 0; l < len; l++) view[o0 + l] = c[cOff + l * cStride]!; }
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const r1 = Math.min(rows, r0 + chunk);
      const mAt = here >= 0 ? here + r0 * ld * es : mPtr;
      if (here < 0) copyIn(view, mat, mOff + r0 * ld, r1 - r0, cols, ld, ldw, mPtr / es);
      if (axpy) {
        const load = accumulate || r0 > 0 ? 1 : 0;
        kd.gva(wPtr + r0 * es, mAt, ldw * es, len, r1 - r0, outPtr, load);
      } else {
        kd.gvd(wPtr, mAt, ldw * es, r1 - r0, k, outPtr + r0 * es, accumulate ? 1 : 0);
      }
    }
    for (let l = 0; l < len; l++) c[cOff + l * cStride] = view[o0 + l]!;
  };

  const run = (
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
  ): void => {
    if (degenerateProduct(m, n, k, c, cOff, ldc, accumulate)) return;
    const kd = c instanceof Float32Array ? k32 : k64;
    if (m === 1 || n === 1) {
      gemv(kd, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
      return;
    }
    if ((m * k + k * n + m * n) * kd.shape.es > limitBytes) {
      // Too large to hold at once: halve the longer side of C. By the Gemm
      // contract the halves have the bits of the whole.
      if (m >= n) {
        const h = m >> 1;
        run(transA, transB, h, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        const aShift = transA ? h : h * lda;
        run(
          transA,
          transB,
          m - h,
          n,
          k,
          a,
          aOff + aShift,
          lda,
          b,
          bOff,
          ldb,
          c,
          cOff + h * ldc,
          ldc,
          accumulate,
        );
      } else {
        const h = n >> 1;
        run(transA, transB, m, h, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        const bShift = transB ? h * ldb : h;
        run(
          transA,
          transB,
          m,
          n - h,
          k,
          a,
          aOff,
          lda,
          b,
          bOff + bShift,
          ldb,
          c,
          cOff + h,
          ldc,
          accumulate,
        );
      }
      return;
    }
    blocked(kd, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
  };
  return (p) =>
    run(
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
    );
}
