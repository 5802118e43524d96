/**
 * The 4×4 register-tiled micro-kernels of the JavaScript backend, one per
 * dtype. Each keeps a 4×4 block of C in sixteen locals across the depth loop.
 * The float32 one rounds every product and every sum with `Math.fround`, so
 * it computes exactly what IEEE float32 mul+add computes.
 *
 * Written out by hand (not generated at run time) so that the JIT sees
 * straight-line code on monomorphic arrays.
 *
 * @module
 */

/** Rows of C per micro-tile. */
export const MR = 4;
/** Columns of C per micro-tile. */
export const NR = 4;

/**
 * Adds `Σ_p ap[ao + 4p + i] · bp[bo + 4p + j]` to a 4×4 block of C (or to
 * zero when `load` is false), in float64.
 */
export function micro64(
  kc: number,
  ap: Float64Array,
  ao: number,
  bp: Float64Array,
  bo: number,
  c: Float64Array,
  co: number,
  ldc: number,
  load: boolean,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0,
    c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  if (load) {
    const r0 = co + 0 * ldc;
    c00 = c[r0]!;
    c01 = c[r0 + 1]!;
    c02 = c[r0 + 2]!;
    c03 = c[r0 + 3]!;
    const r1 = co + 1 * ldc;
    c10 = c[r1]!;
    c11 = c[r1 + 1]!;
    c12 = c[r1 + 2]!;
    c13 = c[r1 + 3]!;
    const r2 = co + 2 * ldc;
    c20 = c[r2]!;
    c21 = c[r2 + 1]!;
    c22 = c[r2 + 2]!;
    c23 = c[r2 + 3]!;
    const r3 = co + 3 * ldc;
    c30 = c[r3]!;
    c31 = c[r3 + 1]!;
    c32 = c[r3 + 2]!;
    c33 = c[r3 + 3]!;
  }
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ao]!, a1 = ap[ao + 1]!, a2 = ap[ao + 2]!, a3 = ap[ao + 3]!;
    const b0 = bp[bo]!, b1 = bp[bo + 1]!, b2 = bp[bo + 2]!, b3 = bp[bo + 3]!;
    c00 = c00 + a0 * b0;
    c01 = c01 + a0 * b1;
    c02 = c02 + a0 * b2;
    c03 = c03 + a0 * b3;
    c10 = c10 + a1 * b0;
    c11 = c11 + a1 * b1;
    c12 = c12 + a1 * b2;
    c13 = c13 + a1 * b3;
    c20 = c20 + a2 * b0;
    c21 = c21 + a2 * b1;
    c22 = c22 + a2 * b2;
    c23 = c23 + a2 * b3;
    c30 = c30 + a3 * b0;
    c31 = c31 + a3 * b1;
    c32 = c32 + a3 * b2;
    c33 = c33 + a3 * b3;
    ao += 4;
    bo += 4;
  }
  const w0 = co + 0 * ldc;
  c[w0] = c00;
  c[w0 + 1] = c01;
  c[w0 + 2] = c02;
  c[w0 + 3] = c03;
  const w1 = co + 1 * ldc;
  c[w1] = c10;
  c[w1 + 1] = c11;
  c[w1 + 2] = c12;
  c[w1 + 3] = c13;
  const w2 = co + 2 * ldc;
  c[w2] = c20;
  c[w2 + 1] = c21;
  c[w2 + 2] = c22;
  c[w2 + 3] = c23;
  const w3 = co + 3 * ldc;
  c[w3] = c30;
  c[w3 + 1] = c31;
  c[w3 + 2] = c32;
  c[w3 + 3] = c33;
}

/**
 * The float32 twin of {@linkcode micro64}: every product and sum rounded to float32.
 */
export function micro32(
  kc: number,
  ap: Float64Array,
  ao: number,
  bp: Float64Array,
  bo: number,
  c: Float32Array,
  co: number,
  ldc: number,
  load: boolean,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0,
    c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  if (load) {
    const r0 = co + 0 * ldc;
    c00 = c[r0]!;
    c01 = c[r0 + 1]!;
    c02 = c[r0 + 2]!;
    c03 = c[r0 + 3]!;
    const r1 = co + 1 * ldc;
    c10 = c[r1]!;
    c11 = c[r1 + 1]!;
    c12 = c[r1 + 2]!;
    c13 = c[r1 + 3]!;
    const r2 = co + 2 * ldc;
    c20 = c[r2]!;
    c21 = c[r2 + 1]!;
    c22 = c[r2 + 2]!;
    c23 = c[r2 + 3]!;
    const r3 = co + 3 * ldc;
    c30 = c[r3]!;
    c31 = c[r3 + 1]!;
    c32 = c[r3 + 2]!;
    c33 = c[r3 + 3]!;
  }
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ao]!, a1 = ap[ao + 1]!, a2 = ap[ao + 2]!, a3 = ap[ao + 3]!;
    const b0 = bp[bo]!, b1 = bp[bo + 1]!, b2 = bp[bo + 2]!, b3 = bp[bo + 3]!;
    c00 = Math.fround(c00 + Math.fround(a0 * b0));
    c01 = Math.fround(c01 + Math.fround(a0 * b1));
    c02 = Math.fround(c02 + Math.fround(a0 * b2));
    c03 = Math.fround(c03 + Math.fround(a0 * b3));
    c10 = Math.fround(c10 + Math.fround(a1 * b0));
    c11 = Math.fround(c11 + Math.fround(a1 * b1));
    c12 = Math.fround(c12 + Math.fround(a1 * b2));
    c13 = Math.fround(c13 + Math.fround(a1 * b3));
    c20 = Math.fround(c20 + Math.fround(a2 * b0));
    c21 = Math.fround(c21 + Math.fround(a2 * b1));
    c22 = Math.fround(c22 + Math.fround(a2 * b2));
    c23 = Math.fround(c23 + Math.fround(a2 * b3));
    c30 = Math.fround(c30 + Math.fround(a3 * b0));
    c31 = Math.fround(c31 + Math.fround(a3 * b1));
    c32 = Math.fround(c32 + Math.fround(a3 * b2));
    c33 = Math.fround(c33 + Math.fround(a3 * b3));
    ao += 4;
    bo += 4;
  }
  const w0 = co + 0 * ldc;
  c[w0] = c00;
  c[w0 + 1] = c01;
  c[w0 + 2] = c02;
  c[w0 + 3] = c03;
  const w1 = co + 1 * ldc;
  c[w1] = c10;
  c[w1 + 1] = c11;
  c[w1 + 2] = c12;
  c[w1 + 3] = c13;
  const w2 = co + 2 * ldc;
  c[w2] = c20;
  c[w2 + 1] = c21;
  c[w2 + 2] = c22;
  c[w2 + 3] = c23;
  const w3 = co + 3 * ldc;
  c[w3] = c30;
  c[w3 + 1] = c31;
  c[w3 + 2] = c32;
  c[w3 + 3] = c33;
}
