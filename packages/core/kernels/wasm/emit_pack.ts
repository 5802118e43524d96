/**
 * Emits the packing of operand panels into strips (`pack_*`, `packt_*`) and
 * the in-register lane transposes they and the matrix-vector kernels use.
 *
 * @module
 */
import { Fn, I32, V128 } from "./encoder.ts";
import { type DTypeOps, V128_LOAD, V128_STORE } from "./emit_common.ts";

/** Strips a contiguous-lane pack fills together. */
const PACK_GROUP = 4;

/** Copies `bytes` (a multiple of 4) from `src + from` to `dst`, by vectors where possible. */
function copyBytes(f: Fn, dst: number, src: number, from: number, bytes: number): void {
  let o = 0;
  for (; o + 16 <= bytes; o += 16) {
    f.get(dst).get(src).simd(V128_LOAD, ...f.mem(0, from + o)).simd(V128_STORE, ...f.mem(0, o));
  }
  for (; o + 8 <= bytes; o += 8) {
    f.get(dst).get(src).op(0x29, ...f.mem(0, from + o)).op(0x37, ...f.mem(0, o));
  }
  for (; o < bytes; o += 4) {
    f.get(dst).get(src).op(0x28, ...f.mem(0, from + o)).op(0x36, ...f.mem(0, o));
  }
}

/** Packs strips of `w` lanes: `dst[strip][p][lane] = src[(s+lane)·laneStride + p·depthStride]`. */
export function pack(d: DTypeOps, w: number): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32]);
  const [SRC, LANE, DEPTH, COUNT, KC, DST] = [0, 1, 2, 3, 4, 5];
  const es = d.es;
  const s = f.local(I32), srcS = f.local(I32), rem = f.local(I32), q = f.local(I32);
  const n = f.local(I32), dst = f.local(I32);
  const lo = Array.from({ length: w }, () => f.local(I32));
  for (let c = 0; c < w; c++) f.get(LANE).i32(c).op(0x6c).set(lo[c]!);
  f.get(DST).set(dst).get(SRC).set(srcS).i32(0).set(s);
  // Lanes contiguous: full strips go PACK_GROUP at a time, each source row
  // copied to all of them, so a row's cache lines serve their strips in one
  // pass (strip by strip, each line was fetched again for the next strip).
  const G = PACK_GROUP;
  const groups = f.local(I32), j = f.local(I32), p = f.local(I32), strip = f.local(I32);
  const dg = Array.from({ length: G }, () => f.local(I32));
  f.get(LANE).i32(es).op(0x46);
  f.if(() => {
    f.get(KC).i32(w * es).op(0x6c).set(strip);
    f.get(COUNT).i32(G * w).op(0x6e).set(groups);
    f.i32(0).set(j);
    f.forLt(j, groups, 1, () => {
      f.get(srcS).set(q);
      for (let t = 0; t < G; t++) {
        f.get(dst);
        if (t > 0) f.get(strip).i32(t).op(0x6c).op(0x6a);
        f.set(dg[t]!);
      }
      f.i32(0).set(p);
      f.forLt(p, KC, 1, () => {
        for (let t = 0; t < G; t++) copyBytes(f, dg[t]!, q, t * w * es, w * es);
        for (let t = 0; t < G; t++) f.addTo(dg[t]!, w * es);
        f.addLocal(q, DEPTH);
      });
      f.addTo(srcS, G * w * es).get(dst).get(strip).i32(G).op(0x6c).op(0x6a).set(dst);
    });
    f.get(groups).i32(G * w).op(0x6c).set(s);
  });
  const depthLoop = (body: () => void): void => {
    f.get(srcS).set(q).get(KC).set(n);
    f.loop(() => {
      body();
      f.addTo(dst, w * es).addLocal(q, DEPTH).addTo(n, -1);
      f.get(n).op(0x0d, 0);
    });
  };
  f.forLt(s, COUNT, w, () => {
    f.get(COUNT).get(s).op(0x6b).set(rem);
    f.get(rem).i32(w).op(0x4e); // a full strip
    f.if(
      () => {
        f.get(LANE).i32(es).op(0x46); // lanes contiguous: block copy
        f.if(
          () => depthLoop(() => copyBytes(f, dst, q, 0, w * es)),
          () =>
            depthLoop(() => {
              for (let c = 0; c < w; c++) {
                f.get(dst).get(q).get(lo[c]!).op(0x6a).op(d.load, ...f.mem(d.align, 0));
                f.op(d.store, ...f.mem(d.align, c * es));
              }
            }),
        );
      },
      () =>
        depthLoop(() => {
          // Lanes past the edge read lane 0 (always in bounds) and store zero.
          for (let c = 0; c < w; c++) {
            f.get(dst).get(q);
            f.get(lo[c]!).i32(0).i32(c).get(rem).op(0x48).op(0x1b).op(0x6a);
            f.op(d.load, ...f.mem(d.align, 0)).op(...d.zero);
            f.i32(c).get(rem).op(0x48).op(0x1b);
            f.op(d.store, ...f.mem(d.align, c * es));
          }
        }),
    );
    f.get(srcS).get(LANE).i32(w).op(0x6c).op(0x6a).set(srcS);
  });
  return f;
}

/**
 * Transposes `d.lanes` vectors in locals `rows` (row l, lanes = columns)
 * into `t` (t[q] holds column q of every row) by lane shuffles; `u` are
 * scratch locals.
 */
export function transposeLanes(f: Fn, d: DTypeOps, rows: number[], u: number[], t: number[]): void {
  const es = d.es;
  // A shuffle pattern in bytes from lane indices (`lanes` and up: the second operand).
  const shuffle = (x: number, y: number, ls: number[], to: number): void => {
    const pattern = ls.flatMap((l) => Array.from({ length: es }, (_, i) => l * es + i));
    f.get(x).get(y).simd(0x0d, ...pattern).set(to);
  };
  if (d.lanes === 2) {
    shuffle(rows[0]!, rows[1]!, [0, 2], t[0]!);
    shuffle(rows[0]!, rows[1]!, [1, 3], t[1]!);
    return;
  }
  shuffle(rows[0]!, rows[1]!, [0, 4, 1, 5], u[0]!);
  shuffle(rows[0]!, rows[1]!, [2, 6, 3, 7], u[1]!);
  shuffle(rows[2]!, rows[3]!, [0, 4, 1, 5], u[2]!);
  shuffle(rows[2]!, rows[3]!, [2, 6, 3, 7], u[3]!);
  shuffle(u[0]!, u[2]!, [0, 1, 4, 5], t[0]!);
  shuffle(u[0]!, u[2]!, [2, 3, 6, 7], t[1]!);
  shuffle(u[1]!, u[3]!, [0, 1, 4, 5], t[2]!);
  shuffle(u[1]!, u[3]!, [2, 3, 6, 7], t[3]!);
}

/**
 * Packs strips of `w` lanes from storage whose lanes are rows (`laneStride`
 * bytes apart) and whose depth is contiguous, as a transposed B or a
 * non-transposed A is: blocks
 * of `16/es` rows × `16/es` depths are loaded as vectors and transposed
 * with lane shuffles. Depths past the last whole block, and a last strip
 * narrower than `w`, take a scalar loop (lanes past `count` are zero).
 */
export function packTransposed(d: DTypeOps, w: number): Fn {
  const f = new Fn([I32, I32, I32, I32, I32]);
  const [SRC, LANE, COUNT, KC, DST] = [0, 1, 2, 3, 4];
  const es = d.es;
  const L = d.lanes;
  const s = f.local(I32), srcS = f.local(I32), dstS = f.local(I32), rem = f.local(I32);
  const p = f.local(I32), q = f.local(I32), dp = f.local(I32), kcv = f.local(I32);
  const strip = f.local(I32);
  const rows = Array.from({ length: L }, () => f.local(V128));
  const t = Array.from({ length: L }, () => f.local(V128));
  const u = Array.from({ length: L }, () => f.local(V128));
  const lo = Array.from({ length: w }, () => f.local(I32));
  for (let l = 0; l < w; l++) f.get(LANE).i32(l).op(0x6c).set(lo[l]!);
  f.get(KC).i32(-L).op(0x71).set(kcv); // depths in whole vectors
  f.get(KC).i32(w * es).op(0x6c).set(strip);
  f.get(SRC).set(srcS).get(DST).set(dstS).i32(0).set(s);
  const transpose = (): void => transposeLanes(f, d, rows, u, t);
  f.forLt(s, COUNT, w, () => {
    f.get(COUNT).get(s).op(0x6b).set(rem);
    f.i32(0).set(p);
    f.get(rem).i32(w).op(0x4e);
    f.if(() => {
      f.forLt(p, kcv, L, () => {
        f.get(srcS).get(p).i32(es).op(0x6c).op(0x6a).set(q);
        f.get(dstS).get(p).i32(w * es).op(0x6c).op(0x6a).set(dp);
        for (let h = 0; h < Math.floor(w / L); h++) {
          for (let l = 0; l < L; l++) {
            f.get(q).get(lo[h * L + l]!).op(0x6a).simd(V128_LOAD, ...f.mem(0, 0)).set(rows[l]!);
          }
          transpose();
          for (let l = 0; l < L; l++) {
            f.get(dp).get(t[l]!).simd(V128_STORE, ...f.mem(0, l * w * es + h * 16));
          }
        }
        // Lanes past the last whole group of L (a 5-wide strip's fifth), one by one.
        for (let l = w - (w % L); l < w; l++) {
          for (let e = 0; e < L; e++) {
            f.get(dp).get(q).get(lo[l]!).op(0x6a).op(d.load, ...f.mem(d.align, e * es));
            f.op(d.store, ...f.mem(d.align, e * w * es + l * es));
          }
        }
      });
    });
    // The rest of the depths (all of them for a narrow last strip), one by one.
    f.get(dstS).get(p).i32(w * es).op(0x6c).op(0x6a).set(dp);
    f.forLt(p, KC, 1, () => {
      f.get(srcS).get(p).i32(es).op(0x6c).op(0x6a).set(q);
      for (let l = 0; l < w; l++) {
        f.get(dp).get(q);
        f.get(lo[l]!).i32(0).i32(l).get(rem).op(0x48).op(0x1b).op(0x6a);
        f.op(d.load, ...f.mem(d.align, 0)).op(...d.zero);
        f.i32(l).get(rem).op(0x48).op(0x1b);
        f.op(d.store, ...f.mem(d.align, l * es));
      }
      f.addTo(dp, w * es);
    });
    f.get(srcS).get(LANE).i32(w).op(0x6c).op(0x6a).set(srcS);
    f.addLocal(dstS, strip);
  });
  return f;
}
