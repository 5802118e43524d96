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
import { encodeModule, type ExportedFn, F32, F64, Fn, I32, V128 } from "./encoder.ts";
import { GEMV_BLOCK, GEMV_DOT_ROWS, type KernelShape, type ModuleShape } from "./config.ts";

const ZERO16: number[] = new Array(16).fill(0);

/** The opcodes that differ between float32 and float64. */
interface DTypeOps {
  readonly name: "f32" | "f64";
  readonly es: 4 | 8;
  readonly align: 2 | 3;
  readonly lanes: number;
  readonly valType: number;
  readonly loadSplat: number;
  readonly loadLane: number;
  readonly add: number;
  readonly mul: number;
  readonly madd: number;
  readonly load: number;
  readonly store: number;
  readonly zero: number[];
}

const F32_OPS: DTypeOps = {
  name: "f32",
  es: 4,
  align: 2,
  lanes: 4,
  valType: F32,
  loadSplat: 0x09,
  loadLane: 0x56,
  add: 0xe4,
  mul: 0xe6,
  madd: 0x105,
  load: 0x2a,
  store: 0x38,
  zero: [0x43, 0, 0, 0, 0],
};

const F64_OPS: DTypeOps = {
  name: "f64",
  es: 8,
  align: 3,
  lanes: 2,
  valType: F64,
  loadSplat: 0x0a,
  loadLane: 0x57,
  add: 0xf0,
  mul: 0xf2,
  madd: 0x107,
  load: 0x2b,
  store: 0x39,
  zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
};

const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;

/** `acc = acc + a·b` (two roundings) or `acc = relaxed_madd(a, b, acc)`; `b` pushed by `pushB`. */
function step(f: Fn, d: DTypeOps, fma: boolean, acc: number, a: number, pushB: () => void): void {
  if (fma) {
    f.get(a);
    pushB();
    f.get(acc).simd(d.madd).set(acc);
  } else {
    f.get(acc).get(a);
    pushB();
    f.simd(d.mul).simd(d.add).set(acc);
  }
}

/** The loops over one packed A block and one packed B panel around the micro-kernel. */
function macroKernel(d: DTypeOps, s: KernelShape): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [AP, BP, C, LDC, MC, NC, KC, LOAD] = [0, 1, 2, 3, 4, 5, 6, 7];
  const { mr, nr, unroll, fma } = s;
  const es = d.es;
  const nv = (nr * es) / 16;
  const jr = f.local(I32), ir = f.local(I32), bs = f.local(I32), as = f.local(I32);
  const cp = f.local(I32), crow = f.local(I32), pa = f.local(I32), pb = f.local(I32);
  const n = f.local(I32);
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: nv }, () => f.local(V128)));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);
  const aq = f.local(V128);

  const depthStep = (u: number): void => {
    for (let v = 0; v < nv; v++) {
      f.get(pb).simd(V128_LOAD, ...f.mem(4, u * nr * es + v * 16)).set(bv[v]!);
    }
    // With `shuffle`, one vector load brings several A values, each then
    // broadcast from a register: fewer loads, so fewer bounds checks (V8
    // checks every load where no trap handler is installed).
    const perVec = 16 / es;
    for (let r = 0; r < mr; r++) {
      const inVec = s.shuffle && r < mr - (mr % perVec);
      if (inVec && r % perVec === 0) {
        f.get(pa).simd(V128_LOAD, ...f.mem(0, u * mr * es + r * es)).set(aq);
      }
      if (inVec) {
        const lane = r % perVec;
        const pattern: number[] = [];
        for (let i = 0; i < 16; i++) pattern.push(lane * es + (i % es));
        f.get(aq).get(aq).simd(0x0d, ...pattern).set(av);
      } else {
        f.get(pa).simd(d.loadSplat, ...f.mem(d.align, u * mr * es + r * es)).set(av);
      }
      for (let v = 0; v < nv; v++) step(f, d, fma, acc[r]![v]!, av, () => f.get(bv[v]!));
    }
  };

  f.i32(0).set(jr).get(BP).set(bs);
  f.forLt(jr, NC, nr, () => {
    f.i32(0).set(ir).get(AP).set(as);
    f.forLt(ir, MC, mr, () => {
      f.get(C).get(ir).get(LDC).op(0x6c).op(0x6a).get(jr).i32(es).op(0x6c).op(0x6a).set(cp);
      f.get(LOAD).if(
        () => {
          f.get(cp).set(crow);
          for (let r = 0; r < mr; r++) {
            for (let v = 0; v < nv; v++) {
              f.get(crow).simd(V128_LOAD, ...f.mem(4, v * 16)).set(acc[r]![v]!);
            }
            if (r < mr - 1) f.addLocal(crow, LDC);
          }
        },
        () => {
          for (const row of acc) for (const a of row) f.simd(V128_CONST, ...ZERO16).set(a);
        },
      );
      f.get(as).set(pa).get(bs).set(pb).get(KC).set(n);
      if (unroll > 1) {
        f.block(() => {
          f.loop(() => {
            f.get(n).i32(unroll).op(0x48).op(0x0d, 1); // n < unroll: leave
            for (let u = 0; u < unroll; u++) depthStep(u);
            f.addTo(pa, unroll * mr * es).addTo(pb, unroll * nr * es).addTo(n, -unroll);
            f.op(0x0c, 0);
          });
        });
      }
      f.block(() => {
        f.get(n).op(0x45).op(0x0d, 0); // n == 0: done
        f.loop(() => {
          depthStep(0);
          f.addTo(pa, mr * es).addTo(pb, nr * es).addTo(n, -1);
          f.get(n).op(0x0d, 0);
        });
      });
      f.get(cp).set(crow);
      for (let r = 0; r < mr; r++) {
        for (let v = 0; v < nv; v++) {
          f.get(crow).get(acc[r]![v]!).simd(V128_STORE, ...f.mem(4, v * 16));
        }
        if (r < mr - 1) f.addLocal(crow, LDC);
      }
      f.get(as).get(KC).i32(mr * es).op(0x6c).op(0x6a).set(as);
    });
    f.get(bs).get(KC).i32(nr * es).op(0x6c).op(0x6a).set(bs);
  });
  return f;
}

/**
 * Like {@linkcode macroKernel}, but reads A unpacked from row-major storage
 * (`a` at row `ir`, rows `lda` bytes apart): one vector load per row brings
 * `16/es` depths, which lane shuffles broadcast. Saves packing A for a
 * product whose A is not transposed. `dr` rows per micro-tile.
 */
function macroKernelRows(d: DTypeOps, s: KernelShape, dr: number): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [A, LDA, BP, C, LDC, MC, NC, KC, LOAD] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const { nr, fma } = s;
  const es = d.es;
  const nv = (nr * es) / 16;
  const lanes = d.lanes;
  const groups = Math.max(1, Math.floor(s.unroll / lanes));
  const jr = f.local(I32), ir = f.local(I32), bs = f.local(I32), as = f.local(I32);
  const cp = f.local(I32), crow = f.local(I32), pa = f.local(I32), pb = f.local(I32);
  const n = f.local(I32), ldaRows = f.local(I32);
  const off = Array.from({ length: dr }, () => f.local(I32));
  const acc: number[][] = [];
  for (let r = 0; r < dr; r++) acc.push(Array.from({ length: nv }, () => f.local(V128)));
  const rowv = Array.from({ length: dr }, () => f.local(V128));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);
  for (let r = 0; r < dr; r++) f.get(LDA).i32(r).op(0x6c).set(off[r]!);
  f.get(LDA).i32(dr).op(0x6c).set(ldaRows);
  const rowAddress = (r: number): void => {
    f.get(pa);
    if (r > 0) f.get(off[r]!).op(0x6a);
  };
  f.i32(0).set(jr).get(BP).set(bs);
  f.forLt(jr, NC, nr, () => {
    f.i32(0).set(ir).get(A).set(as);
    f.forLt(ir, MC, dr, () => {
      f.get(C).get(ir).get(LDC).op(0x6c).op(0x6a).get(jr).i32(es).op(0x6c).op(0x6a).set(cp);
      f.get(LOAD).if(
        () => {
          f.get(cp).set(crow);
          for (let r = 0; r < dr; r++) {
            for (let v = 0; v < nv; v++) {
              f.get(crow).simd(V128_LOAD, ...f.mem(4, v * 16)).set(acc[r]![v]!);
            }
            if (r < dr - 1) f.addLocal(crow, LDC);
          }
        },
        () => {
          for (const row of acc) for (const a of row) f.simd(V128_CONST, ...ZERO16).set(a);
        },
      );
      f.get(as).set(pa).get(bs).set(pb).get(KC).set(n);
      // Trips of `groups` vectors of depths while they last, then of one.
      for (const g of new Set([groups, 1])) {
        f.block(() => {
          f.loop(() => {
            f.get(n).i32(g * lanes).op(0x48).op(0x0d, 1); // fewer depths left: leave
            for (let h = 0; h < g; h++) {
              for (let r = 0; r < dr; r++) {
                rowAddress(r);
                f.simd(V128_LOAD, ...f.mem(0, h * 16)).set(rowv[r]!);
              }
              for (let q = 0; q < lanes; q++) {
                const o = (h * lanes + q) * nr * es;
                for (let v = 0; v < nv; v++) {
                  f.get(pb).simd(V128_LOAD, ...f.mem(4, o + v * 16)).set(bv[v]!);
                }
                const pattern: number[] = [];
                for (let i = 0; i < 16; i++) pattern.push(q * es + (i % es));
                for (let r = 0; r < dr; r++) {
                  f.get(rowv[r]!).get(rowv[r]!).simd(0x0d, ...pattern).set(av);
                  for (let v = 0; v < nv; v++) {
                    step(f, d, fma, acc[r]![v]!, av, () => f.get(bv[v]!));
                  }
                }
              }
            }
            f.addTo(pa, g * lanes * es).addTo(pb, g * lanes * nr * es).addTo(n, -g * lanes);
            f.op(0x0c, 0);
          });
        });
      }
      f.block(() => {
        f.get(n).op(0x45).op(0x0d, 0);
        f.loop(() => {
          for (let v = 0; v < nv; v++) {
            f.get(pb).simd(V128_LOAD, ...f.mem(4, v * 16)).set(bv[v]!);
          }
          for (let r = 0; r < dr; r++) {
            rowAddress(r);
            f.simd(d.loadSplat, ...f.mem(d.align, 0)).set(av);
            for (let v = 0; v < nv; v++) step(f, d, fma, acc[r]![v]!, av, () => f.get(bv[v]!));
          }
          f.addTo(pa, es).addTo(pb, nr * es).addTo(n, -1);
          f.get(n).op(0x0d, 0);
        });
      });
      f.get(cp).set(crow);
      for (let r = 0; r < dr; r++) {
        for (let v = 0; v < nv; v++) {
          f.get(crow).get(acc[r]![v]!).simd(V128_STORE, ...f.mem(4, v * 16));
        }
        if (r < dr - 1) f.addLocal(crow, LDC);
      }
      f.addLocal(as, ldaRows);
    });
    f.get(bs).get(KC).i32(nr * es).op(0x6c).op(0x6a).set(bs);
  });
  return f;
}

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
function pack(d: DTypeOps, w: number): Fn {
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
function transposeLanes(f: Fn, d: DTypeOps, rows: number[], u: number[], t: number[]): void {
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
function packTransposed(d: DTypeOps, w: number): Fn {
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

/** `out[j] (+)= Σ_p w[p]·m[p·ld + j]` for blocks of `GEMV_BLOCK` vectors of lanes. */
function gemvAxpy(d: DTypeOps, fma: boolean): Fn {
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
function gemvDot(d: DTypeOps, fma: boolean): Fn {
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

/**
 * `c[i][j] = (load ? c[i][j] : 0) + a[i]·b[j]` for `i < mc`, `j < nc` (a
 * multiple of `nr`): a product one deep, which is one step of each chain,
 * without the micro-kernels' per-tile set-up that dominates at that depth.
 * `a` steps by `aStride` bytes; `b` is a packed, contiguous row.
 */
function outer(d: DTypeOps, fma: boolean, nr: number): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [A, AS, BP, C, LDC, MC, NC, LOAD] = [0, 1, 2, 3, 4, 5, 6, 7];
  const es = d.es;
  const nv = (nr * es) / 16;
  const i = f.local(I32), ap = f.local(I32), cr = f.local(I32), j = f.local(I32);
  const ncb = f.local(I32);
  const av = f.local(V128);
  const acc = Array.from({ length: nv }, () => f.local(V128));
  f.get(NC).i32(es).op(0x6c).set(ncb);
  const rows = (load: boolean): void => {
    f.i32(0).set(i).get(A).set(ap).get(C).set(cr);
    f.forLt(i, MC, 1, () => {
      f.get(ap).simd(d.loadSplat, ...f.mem(d.align, 0)).set(av);
      f.i32(0).set(j);
      f.loop(() => {
        for (let v = 0; v < nv; v++) {
          if (load) f.get(cr).get(j).op(0x6a).simd(V128_LOAD, ...f.mem(4, v * 16)).set(acc[v]!);
          else f.simd(V128_CONST, ...ZERO16).set(acc[v]!);
          step(f, d, fma, acc[v]!, av, () => {
            f.get(BP).get(j).op(0x6a).simd(V128_LOAD, ...f.mem(4, v * 16));
          });
          f.get(cr).get(j).op(0x6a).get(acc[v]!).simd(V128_STORE, ...f.mem(4, v * 16));
        }
        f.addTo(j, nv * 16);
        f.get(j).get(ncb).op(0x48).op(0x0d, 0);
      });
      f.addLocal(ap, AS).addLocal(cr, LDC);
    });
  };
  f.get(LOAD).if(() => rows(true), () => rows(false));
  return f;
}

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
