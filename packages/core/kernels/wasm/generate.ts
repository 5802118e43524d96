/**
 * Emits the kernels' WebAssembly module, instruction by instruction, from
 * the shapes in `config.ts`: the micro-kernel loop (wrapped in the loops over
 * one packed A block and one packed B panel), the packing of operand panels,
 * and the two matrix-vector kernels. No optimizer runs over the result, so
 * the unrolled micro-kernel keeps the order written here (Binaryen's `-O3`
 * reorders such loops into register spills).
 *
 * Exported functions (all arguments i32; pointers and strides in bytes):
 * - `mk_f32`/`mk_f64 (ap, bp, c, ldc, mc, nc, kc, load)`: C block += packed
 *   A block · packed B panel, one `mr×nr` micro-tile at a time.
 * - `mkr_<dtype> (a, lda, bp, c, ldc, mc, nc, kc, load)`: the same with A
 *   read unpacked from row-major storage (where the shape has `rows`).
 * - `mks_<dtype>`, `mkrs_<dtype>`: the same kernels unrolled `shortUnroll`
 *   deep, for shallow products (where the shape has `shortK`).
 * - `pack_<dtype>_<w> (src, laneStride, depthStride, count, kc, dst)`: strips
 *   of `w` lanes, depth-major inside a strip, lanes past `count` zero.
 * - `outer_<dtype> (a, aStride, bp, c, ldc, mc, nc, load)`: a product one deep.
 * - `gva_<dtype> (w, m, ld, len, k, out, load)`: `out[j] (+)= Σ_p w[p]·m[p·ld + j]`.
 * - `gvd_<dtype> (w, m, ld, len, k, out, load)`: `out[i] (+)= Σ_p m[i·ld + p]·w[p]`.
 *
 * @module
 */
import { encodeModule, type ExportedFn, Fn, V128 } from "./encoder.ts";
import type { ModuleShape } from "./config.ts";
import { F32_OPS, F64_OPS, V128_CONST, ZERO16 } from "./emit_common.ts";
import { gemvAxpy, gemvDot } from "./emit_gemv.ts";
import { macroKernel, macroKernelRows, outer } from "./emit_micro_kernel.ts";
import { pack, packTransposed } from "./emit_pack.ts";

/** The module's bytes for `shape`. */
export function generateModule(shape: ModuleShape): Uint8Array {
  const fns: ExportedFn[] = [];
  for (const [d, s] of [[F32_OPS, shape.f32], [F64_OPS, shape.f64]] as const) {
    if (s.mc % s.mr !== 0 || (s.rows > 0 && s.mc % s.rows !== 0) || s.nc % s.nr !== 0) {
      throw new RangeError(
        `generateModule: ${d.name} blocking ${JSON.stringify(s)} is not tile-aligned`,
      );
    }
    fns.push({ name: `mk_${d.name}`, fn: macroKernel(d, s) });
    if (s.rows > 0) fns.push({ name: `mkr_${d.name}`, fn: macroKernelRows(d, s, s.rows) });
    if (s.shortK > 0) {
      const short = { ...s, unroll: s.shortUnroll };
      fns.push({ name: `mks_${d.name}`, fn: macroKernel(d, short) });
      if (s.rows > 0) {
        fns.push({ name: `mkrs_${d.name}`, fn: macroKernelRows(d, short, s.rows) });
      }
    }
    for (const w of new Set([s.mr, s.nr])) {
      fns.push({ name: `pack_${d.name}_${w}`, fn: pack(d, w) });
    }
    for (const w of new Set([s.mr, s.nr])) {
      fns.push({ name: `packt_${d.name}_${w}`, fn: packTransposed(d, w) });
    }
    fns.push({ name: `outer_${d.name}`, fn: outer(d, s.fma, s.nr) });
    fns.push({ name: `gva_${d.name}`, fn: gemvAxpy(d, s.fma) });
    fns.push({ name: `gvd_${d.name}`, fn: gemvDot(d, s.fma) });
  }
  return encodeModule(fns, 1);
}

/** A feature probe: a function using `v128` (and `relaxed_madd` when `relaxed`). */
export function generateProbe(relaxed: boolean): Uint8Array {
  const f = new Fn([], [V128]);
  f.simd(V128_CONST, ...ZERO16).simd(V128_CONST, ...ZERO16);
  if (relaxed) f.simd(V128_CONST, ...ZERO16).simd(F32_OPS.madd);
  else f.simd(F32_OPS.add);
  return encodeModule([{ name: "probe", fn: f }], 1);
}
