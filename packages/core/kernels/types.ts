/**
 * The kernel interface: what every backend (pure JavaScript, WebAssembly)
 * implements. Kernels see raw typed arrays, offsets and leading dimensions;
 * never a Tensor, a tape or a worker.
 *
 * @module
 */
import type { TensorData } from "../dtype.ts";

/**
 * The arguments of a general matrix product on raw buffers, in the BLAS
 * convention:
 *
 * `C[i][j] = (accumulate ? C[i][j] : 0) + Σ_p opA[i][p] · opB[p][j]` for
 * `i < m`, `j < n`, `p < k`, where
 * `opA[i][p] = transA ? a[aOff + p·lda + i] : a[aOff + i·lda + p]`,
 * `opB[p][j] = transB ? b[bOff + j·ldb + p] : b[bOff + p·ldb + j]`, and
 * `C[i][j]` is `c[cOff + i·ldc + j]`.
 */
export interface GemmArgs {
  /** Read A transposed. */
  transA: boolean;
  /** Read B transposed. */
  transB: boolean;
  /** Rows of C. */
  m: number;
  /** Columns of C. */
  n: number;
  /** The inner dimension. */
  k: number;
  /** The left factor A. */
  a: TensorData;
  /** Where A starts in `a`. */
  aOff: number;
  /** A's row stride as stored. */
  lda: number;
  /** The right factor B. */
  b: TensorData;
  /** Where B starts in `b`. */
  bOff: number;
  /** B's row stride as stored. */
  ldb: number;
  /** The output C. */
  c: TensorData;
  /** Where C starts in `c`. */
  cOff: number;
  /** C's row stride. */
  ldc: number;
  /** Add to C instead of overwriting it. */
  accumulate: boolean;
}

/**
 * A general matrix product on raw buffers ({@linkcode GemmArgs}). Callers
 * on a hot path fill and reuse one record, so that a call allocates nothing
 * and the kernel sees one object shape.
 *
 * The contract that makes results reproducible: every element is one chain
 * `acc = acc + a·b` over `p = 0, 1, …, k−1` in that order, each step rounded
 * to the dtype (or fused, for a kernel that says so). So a block of rows or
 * columns computed alone has exactly the bits of the same block computed as
 * part of the whole product, whatever the kernel's blocking.
 *
 * All three arrays have the same dtype. The kernel writes only the `m×n`
 * block of C and allocates nothing.
 */
export type Gemm = (args: GemmArgs) => void;

/**
 * The sizes at which a kernel changes path or blocking for one dtype: tile
 * heights and widths, unrolling, block depths and sizes, the limits that
 * pick one kernel over another. Keyed by the parameter's name.
 */
export type KernelBlocking = Readonly<Record<string, number>>;

/** A set of kernels that can be swapped in with `setBackend`. */
export interface KernelBackend {
  /** The backend's name, for example `"js"` or `"wasm"`. */
  readonly name: string;
  /** Whether products use fused multiply-add (bits differ from mul+add, and between machines). */
  readonly fused: boolean;
  /** The matrix product. */
  readonly gemm: Gemm;
  /**
   * The kernels' blocking parameters per dtype. Every shape-dependent path
   * starts at one of them, so tests derive their shapes from these (each
   * boundary b−1, b, b+1), and executors may align blocks to them.
   */
  readonly blocking: { readonly float32: KernelBlocking; readonly float64: KernelBlocking };
}
