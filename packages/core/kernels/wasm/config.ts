/**
 * Shapes of the WebAssembly micro-kernels and the cache blocking around
 * them, shared by the generator (which bakes them into the bytes) and the
 * driver (which packs panels to match).
 *
 * @module
 */

/** One micro-kernel and its blocking, for one dtype in one module. */
export interface KernelShape {
  /** Bytes per element. */
  readonly es: 4 | 8;
  /** Rows of C per micro-tile (the width of a packed A strip). */
  readonly mr: number;
  /** Columns of C per micro-tile (the width of a packed B strip): 8 lanes of f32 or 4 of f64. */
  readonly nr: number;
  /** Depth steps per trip of the micro-kernel's loop. */
  readonly unroll: number;
  /**
   * Depth steps per trip for products of depth at most `shortK` (0: no such
   * variant): with few depths per micro-tile, fewer trips pay off, while for
   * deep products the longer loop body was slower.
   */
  readonly shortUnroll: number;
  /** The deepest product that takes the `shortUnroll` kernels. */
  readonly shortK: number;
  /** Whether A values come in by vector loads and lane shuffles instead of one splat load each. */
  readonly shuffle: boolean;
  /**
   * Rows per micro-tile of the kernel that reads a non-transposed A straight
   * from row-major storage, with no packing (0: always pack A).
   */
  readonly rows: number;
  /**
   * The unpacked kernel serves only products with fewer columns than this:
   * packing A costs the same whatever the width, so wider products repay it
   * when the packed kernel's taller tile is faster.
   */
  readonly rowsBelowN: number;
  /** Whether a step is one `relaxed_madd` (fused where the CPU has FMA) instead of mul then add. */
  readonly fma: boolean;
  /** Depth of a packed block (K blocking). */
  readonly kc: number;
  /**
   * Products at most this deep run as one depth block instead (`kc` = the
   * depth): C then never goes back to memory between depth blocks.
   */
  readonly singleK: number;
  /**
   * Rows of an A block: a multiple of `mr` and of `rows`, since a micro-tile
   * that ran past its block would add its depth block to the next block's
   * rows twice.
   */
  readonly mc: number;
  /** Columns of a packed B panel (a multiple of `nr`). */
  readonly nc: number;
}

/** The kernels of one module: float32 and float64. */
export interface ModuleShape {
  /** Whether the module uses relaxed SIMD (so it validates only where that exists). */
  readonly relaxed: boolean;
  /** The float32 kernel. */
  readonly f32: KernelShape;
  /** The float64 kernel. */
  readonly f64: KernelShape;
}

// V8 bounds-checks every load here (Deno installs no trap handler), so loads,
// not multiply-adds, limit the kernel. A 5×8 tile whose A values arrive four
// per vector load and are broadcast by lane shuffles does 10 multiply-adds
// per 4 loads; the 6×8 tile with one splat load per A value does 12 per 6,
// and 6×8 with shuffles needs a 16th register and spills (V8 keeps xmm15 as
// scratch). float64 follows the same rule with two lanes: 5×4 with shuffles
// (10 multiply-adds per 5 loads) beat 4×4 (8 per 4), 6×4 with splats and 6×4
// with shuffles (spills). Unrolling 8 depth steps helped float64 by ~7%
// (each trip pays counters, a branch and V8's interrupt check). The unpacked
// 4-row kernel wins for float32 at every width, for float64 only below 128
// columns. Running products up to 1024 deep as one depth block (`singleK`)
// gained 5–8% for float32 at 1024³ (C is finished block by block while in
// L2, never reloaded) and 2–5% for float64 with 60-row A blocks; deeper
// single blocks overflow L1 with the B strip. The comparisons were throwaway
// scripts, not kept; `gflops.ts` measures the chosen kernels end to end,
// `ceiling.ts` the multiply-add ceiling they chase.
/** The relaxed-SIMD module: fused multiply-add for both dtypes. */
export const FMA_SHAPE: ModuleShape = {
  relaxed: true,
  f32: {
    es: 4,
    mr: 5,
    nr: 8,
    unroll: 4,
    shortUnroll: 8,
    shortK: 128,
    shuffle: true,
    rows: 4,
    rowsBelowN: 1 << 30,
    fma: true,
    kc: 512,
    singleK: 1024,
    mc: 140,
    nc: 1024,
  },
  f64: {
    es: 8,
    mr: 5,
    nr: 4,
    unroll: 8,
    shortUnroll: 0,
    shortK: 0,
    shuffle: true,
    rows: 4,
    rowsBelowN: 128,
    fma: true,
    kc: 256,
    singleK: 1024,
    mc: 60,
    nc: 1024,
  },
};

/** The SIMD module: multiply then add, each rounded, as the JavaScript kernel does. */
export const MULADD_SHAPE: ModuleShape = {
  relaxed: false,
  f32: {
    es: 4,
    mr: 5,
    nr: 8,
    unroll: 1,
    shortUnroll: 0,
    shortK: 0,
    shuffle: true,
    rows: 0,
    rowsBelowN: 0,
    fma: false,
    kc: 512,
    singleK: 512,
    mc: 140,
    nc: 1024,
  },
  f64: {
    es: 8,
    mr: 5,
    nr: 4,
    unroll: 8,
    shortUnroll: 0,
    shortK: 0,
    shuffle: false,
    rows: 0,
    rowsBelowN: 0,
    fma: false,
    kc: 256,
    singleK: 256,
    mc: 120,
    nc: 1024,
  },
};

/** Float32 lanes of the matrix-vector kernels per block (8 vectors). */
export const GEMV_BLOCK = 8;

/**
 * Rows per block of the dot-form matrix-vector kernel: each row is one
 * chain of multiply-adds, so 16 rows keep four float32 chains in flight
 * (eight gave 8–10% less with FMA, whose latency then bound the loop, in a
 * throwaway comparison not kept; `gflops.ts` measures the chosen kernel).
 */
export const GEMV_DOT_ROWS = 16;
