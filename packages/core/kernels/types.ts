/**
 * The kernel interface: what every backend (pure JavaScript, WebAssembly)
 * implements. Kernels see raw typed arrays, offsets and leading dimensions;
 * never a Tensor, a tape or a worker.
 *
 * @module
 */
import type { TensorData } from "../tensor/tensor.ts";

/**
 * A general matrix product on raw buffers, in the BLAS convention:
 *
 * `C[i][j] = (accumulate ? C[i][j] : 0) + Σ_p opA[i][p] · opB[p][j]` for
 * `i < m`, `j < n`, `p < k`, where
 * `opA[i][p] = transA ? a[aOff + p·lda + i] : a[aOff + i·lda + p]`,
 * `opB[p][j] = transB ? b[bOff + j·ldb + p] : b[bOff + p·ldb + j]`, and
 * `C[i][j]` is `c[cOff + i·ldc + j]`.
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
export type Gemm = (
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
) => void;

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
