/**
 * The pure-JavaScript matrix product: Goto-style cache blocking (a KC×NC
 * panel of B and an MC×KC block of A packed into contiguous strips) around
 * the 4×4 micro-kernels. It is the fallback where WebAssembly SIMD is
 * missing, and the reference the faster kernels are checked against.
 *
 * @module
 */
import type { TensorData } from "../../dtype.ts";
import type { Gemm, KernelBackend } from "../types.ts";
import { degenerateProduct } from "../degenerate.ts";
import { micro32, micro64, MR, NR } from "./micro.ts";
import { packA, packB } from "./pack.ts";

// Sized for a 32–48 KiB L1 (one KC×NR strip of B: 8 KiB) and a ≥ 512 KiB L2
// (the packed B panel: 512 KiB, the packed A block: 128 KiB).
const KC = 256;
const MC = 64;
const NC = 256;

// Scratch is allocated once per module (so once per worker); kernels are
// synchronous, so one set is never used by two calls at once.
const packedA = new Float64Array(MC * KC);
const packedB = new Float64Array(KC * NC);
const edge64 = new Float64Array(MR * NR);
const edge32 = new Float32Array(MR * NR);

/**
 * The JavaScript {@linkcode Gemm}. Each element of C is the in-order chain
 * `acc = acc + a·b` rounded to the dtype at every step (float32 through
 * `Math.fround`), so its bits equal a plain triple loop's.
 */
export const gemmJs: Gemm = (args): void => {
  const { transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate } = args;
  if (degenerateProduct(m, n, k, c, cOff, ldc, accumulate)) return;
  const f32 = c instanceof Float32Array;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(transB, b, bOff, ldb, pc, kc, jc, nc, NR, packedB);
      // After the first depth block the partial sums live in C: reload them so
      // each element stays one unbroken chain over p.
      const load = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(transA, a, aOff, lda, ic, mc, pc, kc, MR, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            const co = cOff + (ic + ir) * ldc + jc + jr;
            tile(f32, kc, ir * kc, jr * kc, c, co, ldc, mr, nr, load);
          }
        }
      }
    }
  }
};

function tile(
  f32: boolean,
  kc: number,
  ao: number,
  bo: number,
  c: TensorData,
  co: number,
  ldc: number,
  mr: number,
  nr: number,
  load: boolean,
): void {
  // An edge tile runs the full micro-kernel on a scratch tile, then copies
  // back only the valid part, so C outside the m×n block is never touched.
  const full = mr === MR && nr === NR;
  const edge = f32 ? edge32 : edge64;
  if (!full) {
    edge.fill(0);
    if (load) {
      for (let i = 0; i < mr; i++) {
        for (let j = 0; j < nr; j++) edge[i * NR + j] = c[co + i * ldc + j]!;
      }
    }
  }
  const t = full ? c : edge, to = full ? co : 0, ld = full ? ldc : NR;
  // Separate call sites keep each micro-kernel monomorphic.
  if (f32) micro32(kc, packedA, ao, packedB, bo, t as Float32Array, to, ld, load);
  else micro64(kc, packedA, ao, packedB, bo, t as Float64Array, to, ld, load);
  if (!full) {
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nr; j++) c[co + i * ldc + j] = edge[i * NR + j]!;
    }
  }
}

/**
 * The pure-JavaScript backend: works everywhere, computes float32 with
 * unfused mul+add.
 */
export const jsBackend: KernelBackend = {
  name: "js",
  fused: false,
  gemm: gemmJs,
  blocking: {
    float32: Object.freeze({ mr: MR, nr: NR, kc: KC, mc: MC, nc: NC }),
    float64: Object.freeze({ mr: MR, nr: NR, kc: KC, mc: MC, nc: NC }),
  },
};
