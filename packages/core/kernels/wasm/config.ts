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
  /** Whether A values come in by vector loads and lane shuffles instead of one splat load each. */
  readonly shuffle: boolean;
  /**
   * Rows per micro-tile of the kernel that reads a non-transposed A straight
   * from row-major storage, with no packing (0: always pack A).
   */
  readonly rows: number;
  /** Whether a step is one `relaxed_madd` (fused where the CPU has FMA) instead of mul then add. */
  readonly fma: boolean;
  /** Depth of a packed block (K blocking). */
  readonly kc: number;
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
// and 6×8 with shuffles needs a 16th register and spills. (In-cache
// experiments while developing put them at 54, 43 and 38 GFLOP/s; they are
// not kept in the repo. `gflops.ts` measures the chosen kernels end to end.)
/** The relaxed-SIMD module: fused multiply-add for both dtypes. */
export const FMA_SHAPE: ModuleShape = {
  relaxed: true,
  f32: {
    es: 4,
    mr: 5,
    nr: 8,
    unroll: 2,
    shuffle: true,
    rows: 4,
    fma: true,
    kc: 512,
    mc: 140,
    nc: 1024,
  },
  f64: {
    es: 8,
    mr: 4,
    nr: 4,
    unroll: 2,
    shuffle: true,
    rows: 4,
    fma: true,
    kc: 256,
    mc: 128,
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
    shuffle: true,
    rows: 0,
    fma: false,
    kc: 512,
    mc: 140,
    nc: 1024,
  },
  f64: {
    es: 8,
    mr: 4,
    nr: 4,
    unroll: 2,
    shuffle: false,
    rows: 0,
    fma: false,
    kc: 256,
    mc: 128,
    nc: 1024,
  },
};

/** Float32 lanes of the matrix-vector kernels per block (8 vectors). */
export const GEMV_BLOCK = 8;
