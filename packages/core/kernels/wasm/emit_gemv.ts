/**
 * Emits the matrix-vector kernels: `gva_*` (a row vector times a matrix,
 * lanes along the output) and `gvd_*` (a matrix times a column vector, 4×4
 * blocks transposed in registers so that lanes are output elements).
 *
 * @module
 */
import { Fn, I32, V128 } from "./encoder.ts";
import { GEMV_BLOCK, GEMV_DOT_ROWS } from "./config.ts";
import { type DTypeOps, step, V128_CONST, V128_LOAD, V128_STORE, ZERO16 } from "./emit_common.ts";
import { transposeLanes } from "./emit_pack.ts";

/** `out[j] (+)= Σ_p w[p]·m[p·ld + j]` for blocks of `GEMV_BLOCK` vectors of lanes. */
export function gemvAxpy(d: DTypeOps, fma: boolean): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32]);
  const [W, M, LD, LEN, K, OUT, LOAD] = [0, 1, 2, 3, 4, 5, 6];
  const es = d.es;
  const nv = GEMV_BLOCK;
  const j = f.local(I32), mp = f.local(I32), op = f.local(I32), q = f.local(I32);
  const wp = f.local(I32), n = f.local(I32);
  const acc = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);
  f.i32(0).set(j).get(M).set(mp).get(OUT).set(op);
  f.forLt(j, LEN, nv * d.lanes, () => {
    f.get(LOAD).if(
      () => {
        for (let v = 0; v < nv; v++) f.get(op).simd(V128_LOAD, ...f.mem(4, v * 16)).set(acc[v]!);
      },
      () => {
        for (const a of acc) f.simd(V128_CONST, ...ZERO16).set(a);
      },
    );
    f.get(mp).set(q).get(W).set(wp).get(K).set(n);
    f.loop(() => {
      f.get(wp).simd(d.loadSplat, ...f.mem(d.align, 0)).set(av);
      for (let v = 0; v < nv; v++) {
        step(f, d, fma, acc[v]!, av, () => f.get(q).simd(V128_LOAD, ...f.mem(0, v * 16)));
      }
      f.addLocal(q, LD).addTo(wp, es).addTo(n, -1);
      f.get(n).op(0x0d, 0);
    });
    for (let v = 0; v < nv; v++) f.get(op).get(acc[v]!).simd(V128_STORE, ...f.mem(4, v * 16));
    f.addTo(op, nv * 16).addTo(mp, nv * 16);
  });
  return f;
}

/**
 * `out[i] (+)= Σ_p m[i·ld + p]·w[p]`, `GEMV_DOT_ROWS` rows at a time: trips of one
 * vector of depths per row, transposed by shuffles so that lanes are rows
 * (each lane one output's chain, in depth order), then the last depths one
 * by one, gathered into lanes.
 */
export function gemvDot(d: DTypeOps, fma: boolean): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32]);
  const [W, M, LD, LEN, K, OUT, LOAD] = [0, 1, 2, 3, 4, 5, 6];
  const es = d.es;
  const L = d.lanes;
  const rows = GEMV_DOT_ROWS;
  const nv = rows / L;
  const i = f.local(I32), op = f.local(I32), wp = f.local(I32), n = f.local(I32);
  const last = f.local(I32);
  const rp = Array.from({ length: rows }, () => f.local(I32));
  const acc = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128), t = f.local(V128);
  const wv = Array.from({ length: L }, () => f.local(V128));
  const rv = Array.from({ length: L }, () => f.local(V128));
  const u = Array.from({ length: L }, () => f.local(V128));
  const tv = Array.from({ length: L }, () => f.local(V128));
  f.get(LEN).i32(1).op(0x6b).set(last);
  f.i32(0).set(i).get(OUT).set(op);
  f.forLt(i, LEN, rows, () => {
    // Rows past the end repeat the last row (in bounds); their lanes are padding.
    for (let r = 0; r < rows; r++) {
      f.get(M);
      f.get(i).i32(r).op(0x6a).get(last).get(i).i32(r).op(0x6a).get(last).op(0x4c).op(0x1b);
      f.get(LD).op(0x6c).op(0x6a).set(rp[r]!);
    }
    f.get(LOAD).if(
      () => {
        for (let v = 0; v < nv; v++) f.get(op).simd(V128_LOAD, ...f.mem(4, v * 16)).set(acc[v]!);
      },
      () => {
        for (const a of acc) f.simd(V128_CONST, ...ZERO16).set(a);
      },
    );
    f.get(W).set(wp).get(K).set(n);
    // Trips of 8 depths (fewer trips, fewer pointer bumps), then of one vector.
    for (const g of new Set([8 / L, 1])) {
      f.block(() => {
        f.loop(() => {
          f.get(n).i32(g * L).op(0x48).op(0x0d, 1); // fewer depths left: leave
          for (let h = 0; h < g; h++) {
            for (let q = 0; q < L; q++) {
              f.get(wp).simd(d.loadSplat, ...f.mem(d.align, (h * L + q) * es)).set(wv[q]!);
            }
            for (let v = 0; v < nv; v++) {
              for (let l = 0; l < L; l++) {
                f.get(rp[v * L + l]!).simd(V128_LOAD, ...f.mem(0, h * 16)).set(rv[l]!);
              }
              transposeLanes(f, d, rv, u, tv);
              for (let q = 0; q < L; q++) step(f, d, fma, acc[v]!, wv[q]!, () => f.get(tv[q]!));
            }
          }
          for (const r of rp) f.addTo(r, g * L * es);
          f.addTo(wp, g * L * es).addTo(n, -g * L);
          f.op(0x0c, 0);
        });
      });
    }
    f.block(() => {
      f.get(n).op(0x45).op(0x0d, 0); // no depths left
      f.loop(() => {
        f.get(wp).simd(d.loadSplat, ...f.mem(d.align, 0)).set(av);
        for (let v = 0; v < nv; v++) {
          f.get(rp[v * L]!).simd(d.loadSplat, ...f.mem(d.align, 0)).set(t);
          for (let l = 1; l < L; l++) {
            f.get(rp[v * L + l]!).get(t).simd(d.loadLane, ...f.mem(d.align, 0), l).set(t);
          }
          step(f, d, fma, acc[v]!, av, () => f.get(t));
        }
        for (const r of rp) f.addTo(r, es);
        f.addTo(wp, es).addTo(n, -1);
        f.get(n).op(0x0d, 0);
      });
    });
    for (let v = 0; v < nv; v++) f.get(op).get(acc[v]!).simd(V128_STORE, ...f.mem(4, v * 16));
    f.addTo(op, rows * es);
  });
  return f;
}
