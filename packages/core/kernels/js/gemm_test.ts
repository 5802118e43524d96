import { assert, assertStrictEquals } from "@std/assert";
import { gemmJs, jsBackend } from "./gemm.ts";
import {
  assertSameBits,
  exact,
  type GemmCase,
  gemmOperands,
  positional,
  randomValues,
  refGemm,
  refGemmWith,
  runGemm,
} from "../../testing/reference.ts";

const jsGemm = positional(gemmJs);

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: [string, Ctor, (x: number) => number][] = [
  ["float64", Float64Array, exact],
  ["float32", Float32Array, Math.fround],
];
const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

/**
 * Runs the kernel and the plain loop on the same padded buffers (C filled
 * with a sentinel outside the m×n block, random inside when accumulating)
 * and demands identical bits over the whole of C, so a write outside the
 * block or a different rounding order shows up.
 */
function check(ctor: Ctor, round: (x: number) => number, c: GemmCase, seed: number): void {
  const o = gemmOperands(ctor, c, seed);
  const got = o.c.slice();
  const want = o.c.slice();
  runGemm(gemmJs, c, o, got);
  runGemm(refGemmWith(round), c, o, want);
  assertSameBits(got, want, JSON.stringify(c));
}

Deno.test("gemmJs equals the in-order plain loop bit for bit on small shapes", () => {
  let seed = 1;
  for (const [, ctor, round] of DTYPES) {
    for (const [transA, transB] of TRANS) {
      for (const [m, n, k] of [[1, 1, 1], [1, 7, 3], [7, 1, 3], [4, 4, 4], [5, 3, 9], [9, 13, 2]]) {
        for (const accumulate of [false, true]) {
          check(ctor, round, { transA, transB, m: m!, n: n!, k: k!, pad: 0, accumulate }, seed++);
        }
      }
    }
  }
});

Deno.test("gemmJs equals the plain loop bit for bit across its KC, MC, NC and 4×4 edges", () => {
  // 67 = MC + 3 rows, 261 = NC + 5 columns (NR edge of 1), depth 300 = KC + 44,
  // so partial sums are stored in C after the first depth block and reloaded.
  let seed = 100;
  for (const [, ctor, round] of DTYPES) {
    for (const [transA, transB] of TRANS) {
      check(
        ctor,
        round,
        { transA, transB, m: 67, n: 261, k: 300, pad: 0, accumulate: false },
        seed++,
      );
    }
  }
});

Deno.test("gemmJs accumulate adds to C as one chain across depth blocks", () => {
  let seed = 200;
  for (const [, ctor, round] of DTYPES) {
    for (const [transA, transB] of TRANS) {
      check(
        ctor,
        round,
        { transA, transB, m: 66, n: 18, k: 520, pad: 0, accumulate: true },
        seed++,
      );
    }
  }
});

Deno.test("gemmJs honours offsets and leading dimensions and writes only the m×n block", () => {
  let seed = 300;
  for (const [, ctor, round] of DTYPES) {
    for (const [transA, transB] of TRANS) {
      for (const [m, n, k] of [[1, 1, 1], [6, 7, 5]]) {
        for (const accumulate of [false, true]) {
          check(ctor, round, { transA, transB, m: m!, n: n!, k: k!, pad: 3, accumulate }, seed++);
        }
      }
      const big = { transA, transB, m: 65, n: 258, k: 257, pad: 3, accumulate: true };
      check(ctor, round, big, seed++);
    }
  }
});

Deno.test("gemmJs with k = 0 zeroes the block, or leaves it when accumulating", () => {
  for (const [, ctor] of DTYPES) {
    const c = new ctor(4 * 5).fill(3.5);
    jsGemm(false, false, 3, 4, 0, new ctor(0), 0, 0, new ctor(0), 0, 4, c, 1, 5, false);
    const want = new ctor(20).fill(3.5);
    for (let i = 0; i < 3; i++) want.fill(0, 1 + i * 5, 1 + i * 5 + 4);
    assertSameBits(c, want, "k = 0");
    const d = new ctor(12).fill(3.5);
    jsGemm(false, false, 3, 4, 0, new ctor(0), 0, 0, new ctor(0), 0, 4, d, 0, 4, true);
    assertSameBits(d, new ctor(12).fill(3.5), "k = 0, accumulate");
  }
});

Deno.test("gemmJs with m = 0 or n = 0 writes nothing", () => {
  for (const [, ctor] of DTYPES) {
    const c = new ctor(8).fill(-1);
    const a = new ctor(8).fill(2);
    jsGemm(false, false, 0, 4, 2, a, 0, 2, a, 0, 4, c, 0, 4, false);
    jsGemm(false, false, 4, 0, 2, a, 0, 2, a, 0, 1, c, 0, 1, false);
    assertSameBits(c, new ctor(8).fill(-1), "empty block");
  }
});

Deno.test("gemmJs propagates NaN and Infinity as IEEE arithmetic does", () => {
  for (const [, ctor, round] of DTYPES) {
    const m = 6, n = 7, k = 5;
    const a = ctor.from(randomValues(m * k, 9));
    const b = ctor.from(randomValues(k * n, 10));
    a[1 * k + 2] = NaN; // row 1 of C becomes NaN
    a[5 * k + 0] = Infinity; // row 5 becomes ±Infinity where b is finite
    b[0 * n + 6] = 0; // …and NaN in column 6 (Infinity·0)
    b[3 * n + 4] = -Infinity; // column 4 becomes ∓Infinity, or NaN next to +Infinity
    const got = new ctor(m * n);
    const want = new ctor(m * n);
    jsGemm(false, false, m, n, k, a, 0, k, b, 0, n, got, 0, n, false);
    refGemm(false, false, m, n, k, a, 0, k, b, 0, n, want, 0, n, false, round);
    assertSameBits(got, want, "non-finite");
    assert(Number.isNaN(got[1 * n + 0]!));
    assert(Number.isNaN(got[5 * n + 6]!));
    assertStrictEquals(Math.abs(got[0 * n + 4]!), Infinity);
  }
});

Deno.test("gemmJs float32 rounds every step: it differs from a float64 sum rounded once", () => {
  // 1 + 2⁻²⁴ is not a float32, so the in-order float32 chain 1, +2⁻²⁴, +2⁻²⁴
  // stays at 1, while float64 summation rounded at the end gives 1 + 2⁻²³.
  const a = new Float32Array([1, 2 ** -24, 2 ** -24]);
  const b = new Float32Array([1, 1, 1]);
  const c = new Float32Array(1);
  jsGemm(false, false, 1, 1, 3, a, 0, 3, b, 0, 1, c, 0, 1, false);
  assertStrictEquals(c[0], 1);
  const c64 = new Float64Array(1);
  jsGemm(
    false,
    false,
    1,
    1,
    3,
    Float64Array.from(a),
    0,
    3,
    Float64Array.from(b),
    0,
    1,
    c64,
    0,
    1,
    false,
  );
  assertStrictEquals(Math.fround(c64[0]!), 1 + 2 ** -23);
});

Deno.test("jsBackend names the JS kernel and says it does not fuse", () => {
  assertStrictEquals(jsBackend.name, "js");
  assertStrictEquals(jsBackend.fused, false);
  assertStrictEquals(jsBackend.gemm, gemmJs);
});
