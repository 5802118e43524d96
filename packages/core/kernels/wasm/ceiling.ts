/**
 * Measures the register-only multiply-add ceiling of the running engine: a
 * WebAssembly loop of 12 independent `relaxed_madd` chains on `f32x4` (and on
 * `f64x2`) with no loads, so neither memory nor bounds checks limit it. A
 * kernel's efficiency is its GFLOP/s (`gflops.ts`) divided by this figure.
 *
 * `deno run --no-check kernels/wasm/ceiling.ts`
 *
 * @module
 */
import { encodeModule, Fn, I32, V128 } from "./encoder.ts";

// Two FMA ports with a 4-cycle latency need 8 chains in flight; 12 leave slack.
const CHAINS = 12;

/** A dtype's `relaxed_madd` and `add` opcodes and the bytes of 0.5. */
interface Lane {
  readonly lanes: number;
  readonly madd: number;
  readonly add: number;
  readonly half: number[];
}
const LANES: Record<"f32" | "f64", Lane> = {
  f32: { lanes: 4, madd: 0x105, add: 0xe4, half: [0, 0, 0, 0x3f] },
  f64: { lanes: 2, madd: 0x107, add: 0xf0, half: [0, 0, 0, 0, 0, 0, 0xe0, 0x3f] },
};

/** `(trips)`: that many rounds of `acc = acc·½ + acc` on 12 chains, then their sum stored at 0. */
function chains({ madd, add, half }: Lane): Fn {
  const f = new Fn([I32]);
  const acc = Array.from({ length: CHAINS }, () => f.local(V128));
  const x = f.local(V128);
  // 0.5 everywhere: acc·0.5 + acc grows by 1.5× a trip, reaching infinity
  // within a few hundred trips; infinities cost an FMA unit no extra time.
  f.simd(0x0c, ...Array.from({ length: 16 }, (_, i) => half[i % half.length]!)).set(x);
  for (const a of acc) f.get(x).set(a);
  f.loop(() => {
    for (const a of acc) f.get(a).get(x).get(a).simd(madd).set(a);
    f.get(0).i32(-1).op(0x6a).tee(0).op(0x0d, 0);
  });
  // Storing the sum keeps the chains live.
  f.i32(0).get(acc[0]!);
  for (let i = 1; i < CHAINS; i++) f.get(acc[i]!).simd(add);
  f.simd(0x0b, 4, 0);
  return f;
}

/**
 * The best GFLOP/s of five timed runs of each chain loop (`trips` rounds of
 * 12 multiply-adds on 4 float32 or 2 float64 lanes, 2 flop each).
 */
export function measureCeiling(trips = 1 << 23): { f32: number; f64: number } {
  // A copy over a plain ArrayBuffer, as the `WebAssembly.Module` type wants.
  const bytes = new Uint8Array(encodeModule([
    { name: "f32", fn: chains(LANES.f32) },
    { name: "f64", fn: chains(LANES.f64) },
  ], 1));
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  const result = { f32: 0, f64: 0 };
  for (const name of ["f32", "f64"] as const) {
    const run = exports[name] as (trips: number) => void;
    run(1000); // let V8 tier up
    for (let rep = 0; rep < 5; rep++) {
      const t = performance.now();
      run(trips);
      const ms = performance.now() - t;
      const flop = trips * CHAINS * LANES[name].lanes * 2;
      result[name] = Math.max(result[name], flop / (ms * 1e6));
    }
  }
  return result;
}

if (import.meta.main) {
  const { f32, f64 } = measureCeiling();
  console.log(
    `register-only relaxed_madd ceiling (${CHAINS} chains): ` +
      `f32x4 ${f32.toFixed(1)} GFLOP/s, f64x2 ${f64.toFixed(1)} GFLOP/s`,
  );
}
