import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { gemmJs } from "../js/gemm.ts";
import type { Gemm } from "../types.ts";
import { getBackend, setBackend } from "../backend.ts";
import { getKernels } from "../mod.ts";
import {
  assertClose,
  assertSameBits,
  exact,
  GEMM_SENTINEL as SENTINEL,
  type GemmCase as Case,
  gemmOperands,
  positional,
  randomValues,
  refGemmWith,
  runGemm as run,
} from "../../testing/reference.ts";
import { FMA_SHAPE, MULADD_SHAPE } from "./config.ts";
import { generateModule } from "./generate.ts";
import { wasmBackend } from "./backend.ts";
import { createWasmGemm } from "./gemm.ts";
import { instantiateKernels, wasmFeatures } from "./loader.ts";
import { WASM_FMA, WASM_MULADD } from "./_generated/wasm_bytes.ts";

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: [Ctor, (x: number) => number][] = [[Float64Array, exact], [
  Float32Array,
  Math.fround,
]];
const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

/** A typed array of `ctor`'s dtype over a SharedArrayBuffer (as the worker pool passes them). */
function sharedArray(ctor: Ctor, length: number): Float32Array | Float64Array {
  return ctor === Float32Array
    ? new Float32Array(new SharedArrayBuffer(length * 4))
    : new Float64Array(new SharedArrayBuffer(length * 8));
}

const features = wasmFeatures();
const mulAdd: Gemm | undefined = features.simd ? wasmBackend({ fma: false }).gemm : undefined;
const fused: Gemm | undefined = features.relaxed ? wasmBackend({ fma: true }).gemm : undefined;

/** Padded operands (see `gemmOperands`), A and B on shared memory when `shared`. */
function operands(ctor: Ctor, c: Case, seed: number, shared = false) {
  return gemmOperands(ctor, c, seed, (values) => {
    if (!shared) return ctor.from(values);
    const out = sharedArray(ctor, values.length);
    out.set(values);
    return out;
  });
}

/** The mul+add kernel against the JS kernel and the plain loop, bit for bit over all of C. */
function checkExact(ctor: Ctor, round: (x: number) => number, c: Case, seed: number): void {
  const o = operands(ctor, c, seed);
  const got = o.c.slice(), js = o.c.slice(), want = o.c.slice();
  run(mulAdd!, c, o, got);
  run(gemmJs, c, o, js);
  run(refGemmWith(round), c, o, want);
  assertSameBits(js, want, `js ${JSON.stringify(c)}`);
  assertSameBits(got, want, `wasm ${ctor.name} ${JSON.stringify(c)}`);
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [7, 1, 3],
  [1, 1, 9],
  [4, 4, 4],
  [5, 8, 7],
  [6, 9, 2],
  [13, 17, 33],
  [64, 64, 64],
  [1, 70, 40],
  [70, 1, 40],
  [9, 21, 1],
  [150, 37, 1],
];

Deno.test({
  name: "wasm mul+add equals the JS kernel and the in-order loop bit for bit",
  ignore: !mulAdd,
  fn() {
    let seed = 1;
    for (const [ctor, round] of DTYPES) {
      for (const [transA, transB] of TRANS) {
        for (const [m, n, k] of SHAPES) {
          for (const [pad, accumulate] of [[0, false], [3, true], [2, false]] as const) {
            checkExact(ctor, round, { transA, transB, m, n, k, pad, accumulate }, seed++);
          }
        }
      }
    }
  },
});

Deno.test({
  name: "wasm mul+add stays bit-exact across KC, MC, NC and micro-tile edges",
  ignore: !mulAdd,
  fn() {
    // 263 rows cross MC (140 float32, 120 float64) into edge strips of 5 and 4 rows; depth 1100 crosses the
    // float32 KC (512) twice and the float64 KC (256) four times, so partial
    // sums are stored and reloaded; 2061 columns cross NC (1024) twice.
    let seed = 500;
    for (const [ctor, round] of DTYPES) {
      for (const [transA, transB] of TRANS) {
        // One depth block and one column panel: A goes in by row blocks.
        checkExact(
          ctor,
          round,
          { transA, transB, m: 263, n: 21, k: 300, pad: 2, accumulate: true },
          seed++,
        );
        checkExact(ctor, round, {
          transA,
          transB,
          m: 263,
          n: 21,
          k: 1100,
          pad: 1,
          accumulate: false,
        }, seed++);
        checkExact(
          ctor,
          round,
          { transA, transB, m: 3, n: 2061, k: 9, pad: 0, accumulate: true },
          seed++,
        );
        // A matrix-vector product whose matrix goes in by several chunks.
        checkExact(
          ctor,
          round,
          { transA, transB, m: 300, n: 1, k: 300, pad: 1, accumulate: true },
          seed++,
        );
      }
    }
  },
});

Deno.test({
  name: "wasm FMA is within float rounding of a float64 reference",
  ignore: !fused,
  fn() {
    let seed = 900;
    for (const [ctor] of DTYPES) {
      const tol = ctor === Float32Array ? 3e-7 : 1e-15;
      for (const [transA, transB] of TRANS) {
        for (const [m, n, k] of [...SHAPES, [263, 30, 1100] as [number, number, number]]) {
          const c: Case = { transA, transB, m, n, k, pad: 2, accumulate: seed % 2 === 0 };
          const o = operands(ctor, c, seed++);
          const got = o.c.slice();
          const want = Float64Array.from(o.c);
          run(fused!, c, o, got);
          const wide = { ...o, a: Float64Array.from(o.a), b: Float64Array.from(o.b) };
          run(refGemmWith(exact), c, wide, want);
          // Values are in [-1, 1): each of the k steps rounds by at most tol·(running |sum| ≤ k).
          assertClose(got, want, tol * 4, tol * k * 2, `${ctor.name} ${JSON.stringify(c)}`);
          for (let i = 0; i < got.length; i++) {
            const inside = i >= o.cOff && (i - o.cOff) % o.ldc < n && i < o.cOff + m * o.ldc;
            if (!inside) assertStrictEquals(got[i], SENTINEL, `sentinel ${i} overwritten`);
          }
        }
      }
    }
  },
});

Deno.test({
  name: "wasm FMA kernels give the same bits whichever operand is transposed",
  ignore: !fused,
  fn() {
    // NN and NT read A unpacked (4-row kernel) or pack it by transposes;
    // TN and TT pack it by block copies for the 5-row kernel; B is packed by
    // copies or transposes. Depth 64 takes the short-unrolled kernels, 700
    // one depth block deeper than KC, 1100 several; 130 columns put
    // float64 on the packed path, 20 (and halves of 130) on the unpacked one.
    // All must agree.
    const shapes: [number, number, number][] = [
      [37, 20, 64],
      [37, 130, 700],
      [61, 20, 1100],
      [9, 130, 300],
      [37, 130, 1],
    ];
    let seed = 1700;
    for (const [ctor] of DTYPES) {
      for (const [m, n, k] of shapes) {
        const a = ctor.from(randomValues(m * k, seed++));
        const b = ctor.from(randomValues(k * n, seed++));
        const at = new ctor(k * m), bt = new ctor(n * k);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) at[p * m + i] = a[i * k + p]!;
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j]!;
        const results = TRANS.map(([transA, transB]) => {
          const c = new ctor(m * n);
          const [x, ldx] = transA ? [at, m] : [a, k];
          const [y, ldy] = transB ? [bt, k] : [b, n];
          positional(fused!)(transA, transB, m, n, k, x, 0, ldx, y, 0, ldy, c, 0, n, false);
          return c;
        });
        for (let t = 1; t < TRANS.length; t++) {
          assertSameBits(results[t]!, results[0]!, `${ctor.name} ${m}×${n}×${k} ${TRANS[t]}`);
        }
        // Column halves (as the worker pool splits a product) may take the
        // other kernel: narrower than 128 columns, float64 reads A unpacked.
        const halves = new ctor(m * n);
        const h = n >> 1;
        positional(fused!)(false, false, m, h, k, a, 0, k, b, 0, n, halves, 0, n, false);
        positional(fused!)(false, false, m, n - h, k, a, 0, k, b, h, n, halves, h, n, false);
        assertSameBits(halves, results[0]!, `${ctor.name} ${m}×${n}×${k} in column halves`);
      }
    }
  },
});

Deno.test({
  name: "wasm blocks of rows and columns have the bits of the whole product (FMA and mul+add)",
  ignore: !mulAdd,
  fn() {
    const kernels = [mulAdd!, ...(fused ? [fused] : [])];
    let seed = 1300;
    for (const gemm of kernels) {
      for (const [ctor] of DTYPES) {
        for (const [transA, transB] of TRANS) {
          const m = 37, n = 29, k = seed % 2 === 0 ? 1030 : 300;
          const c: Case = { transA, transB, m, n, k, pad: 1, accumulate: false };
          const o = operands(ctor, c, seed++);
          const whole = o.c.slice();
          run(gemm, c, o, whole);
          // Single rows and columns take the matrix-vector kernels; the rest
          // take the blocked path with different edge tiles.
          const rowCuts = [0, 1, 6, 17, 36, 37];
          const colCuts = [0, 1, 9, 28, 29];
          const pieces = new ctor(o.c.length).fill(SENTINEL);
          for (let ri = 0; ri + 1 < rowCuts.length; ri++) {
            for (let ci = 0; ci + 1 < colCuts.length; ci++) {
              const r0 = rowCuts[ri]!,
                r1 = rowCuts[ri + 1]!,
                c0 = colCuts[ci]!,
                c1 = colCuts[ci + 1]!;
              positional(gemm)(
                transA,
                transB,
                r1 - r0,
                c1 - c0,
                k,
                o.a,
                o.aOff + (transA ? r0 : r0 * o.lda),
                o.lda,
                o.b,
                o.bOff + (transB ? c0 * o.ldb : c0),
                o.ldb,
                pieces,
                o.cOff + r0 * o.ldc + c0,
                o.ldc,
                false,
              );
            }
          }
          assertSameBits(pieces, whole, `${ctor.name} trans ${transA} ${transB}`);
        }
      }
    }
  },
});

Deno.test({
  name: "wasm handles K = 0, empty products and shared-memory operands",
  ignore: !mulAdd,
  fn() {
    for (const gemm of [mulAdd!, ...(fused ? [fused] : [])]) {
      const c = new Float32Array([1, 2, 3, 4, 5]);
      positional(gemm)(
        false,
        false,
        2,
        2,
        0,
        new Float32Array(0),
        0,
        0,
        new Float32Array(0),
        0,
        2,
        c,
        0,
        3,
        false,
      );
      assertEquals([...c], [0, 0, 3, 0, 0]);
      positional(gemm)(
        false,
        false,
        2,
        2,
        0,
        new Float32Array(0),
        0,
        0,
        new Float32Array(0),
        0,
        2,
        c,
        1,
        3,
        true,
      );
      assertEquals([...c], [0, 0, 3, 0, 0]);
      positional(gemm)(
        false,
        false,
        0,
        2,
        3,
        new Float32Array(0),
        0,
        3,
        new Float32Array(6),
        0,
        2,
        c,
        0,
        2,
        false,
      );
      positional(gemm)(
        false,
        false,
        2,
        0,
        3,
        new Float32Array(6),
        0,
        3,
        new Float32Array(0),
        0,
        0,
        c,
        0,
        0,
        false,
      );
      assertEquals([...c], [0, 0, 3, 0, 0]);
    }
    let seed = 1700;
    for (const [ctor, round] of DTYPES) {
      const c: Case = {
        transA: true,
        transB: false,
        m: 33,
        n: 41,
        k: 70,
        pad: 2,
        accumulate: true,
      };
      const o = operands(ctor, c, seed, true);
      const got = sharedArray(ctor, o.c.length);
      got.set(o.c);
      const want = o.c.slice();
      run(mulAdd!, c, o, got);
      run(refGemmWith(round), c, o, want);
      assertSameBits(got, want, `shared ${ctor.name}`);
      seed += 3;
    }
  },
});

Deno.test({
  name: "wasm memory grows for a large product and still serves small ones",
  ignore: !mulAdd,
  fn() {
    checkExact(Float32Array, Math.fround, {
      transA: false,
      transB: true,
      m: 300,
      n: 700,
      k: 600,
      pad: 0,
      accumulate: false,
    }, 2000);
    checkExact(Float64Array, exact, {
      transA: false,
      transB: false,
      m: 3,
      n: 4,
      k: 5,
      pad: 1,
      accumulate: true,
    }, 2001);
  },
});

Deno.test({
  name: "wasm products over the memory budget are split into blocks with the same bits",
  ignore: !mulAdd,
  fn() {
    let seed = 2100;
    for (const fma of fused ? [false, true] : [false]) {
      const shape = fma ? FMA_SHAPE : MULADD_SHAPE;
      // 64 KiB forces several levels of halving for these sizes.
      const small = createWasmGemm(instantiateKernels(fma), shape, 1 << 16);
      const whole = fma ? fused! : mulAdd!;
      for (const [ctor] of DTYPES) {
        for (const [transA, transB] of TRANS) {
          const c: Case = { transA, transB, m: 101, n: 93, k: 600, pad: 3, accumulate: true };
          const o = operands(ctor, c, seed++);
          const got = o.c.slice(), want = o.c.slice();
          run(small, c, o, got);
          run(whole, c, o, want);
          assertSameBits(got, want, `fma ${fma} ${ctor.name} ${JSON.stringify(c)}`);
        }
      }
    }
  },
});

Deno.test({
  name: "setBackend chooses the wasm builds and getBackend reports them",
  ignore: !mulAdd,
  fn() {
    const before = getKernels();
    try {
      setBackend("wasm", { fma: false });
      assertStrictEquals(getBackend(), "wasm");
      assertStrictEquals(getKernels().fused, false);
      setBackend("js");
      assertStrictEquals(getBackend(), "js");
      if (fused) {
        setBackend("wasm");
        assertStrictEquals(getKernels().fused, true);
      } else {
        assertThrows(() => setBackend("wasm", { fma: true }), Error, "relaxed SIMD");
      }
      // @ts-expect-error: not a backend name
      assertThrows(() => setBackend("gpu"), RangeError);
    } finally {
      setBackend(before.name as "js" | "wasm", { fma: before.fused });
    }
  },
});

Deno.test("the checked-in wasm bytes are what the generator emits", () => {
  const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  assertStrictEquals(WASM_FMA, base64(generateModule(FMA_SHAPE)));
  assertStrictEquals(WASM_MULADD, base64(generateModule(MULADD_SHAPE)));
});
