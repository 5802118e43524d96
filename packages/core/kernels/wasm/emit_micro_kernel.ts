/**
 * Emits the micro-kernel loops: one packed A block times one packed B panel
 * (`mk_*`), the same with A read unpacked from row-major storage (`mkr_*`),
 * and the one-deep product (`outer_*`).
 *
 * @module
 */
import { Fn, I32, V128 } from "./encoder.ts";
import type { KernelShape } from "./config.ts";
import { type DTypeOps, step, V128_CONST, V128_LOAD, V128_STORE, ZERO16 } from "./emit_common.ts";

/** The loops over one packed A block and one packed B panel around the micro-kernel. */
export function macroKernel(d: DTypeOps, s: KernelShape): Fn {
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
export function macroKernelRows(d: DTypeOps, s: KernelShape, dr: number): Fn {
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

/**
 * `c[i][j] = (load ? c[i][j] : 0) + a[i]·b[j]` for `i < mc`, `j < nc` (a
 * multiple of `nr`): a product one deep, which is one step of each chain,
 * without the micro-kernels' per-tile set-up that dominates at that depth.
 * `a` steps by `aStride` bytes; `b` is a packed, contiguous row.
 */
export function outer(d: DTypeOps, fma: boolean, nr: number): Fn {
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
