/**
 * Prints GFLOP/s of `matmul` (2·N·D·M flop) and `matmulGrad` (dA and dB
 * together, 4·N·D·M flop) through the public API, for each backend, as the
 * best and the median of timed runs (the machine is shared: read ratios).
 *
 * `deno run --no-check kernels/wasm/gflops.ts [--quick] [--backends=wasm,wasm-mul,js]
 *   [--dtypes=float32,float64] [--shapes=1024x1024x1024,64x64x64]`
 *
 * @module
 */
import { matmul, matmulGrad, randn, setBackend } from "@matgrad/core";
import type { DType } from "@matgrad/core";
import process from "node:process";

const quick = Deno.args.includes("--quick");
const picked = Deno.args.find((a) => a.startsWith("--backends="))?.slice(11).split(",") ??
  ["wasm", "wasm-mul"];
const dtypes = (Deno.args.find((a) => a.startsWith("--dtypes="))?.slice(9).split(",") ??
  ["float32", "float64"]) as DType[];
// `--shapes=64x64x64,4096x1024x1` picks N×D×M shapes (default: all four).
const shapes: [number, number, number][] =
  Deno.args.find((a) => a.startsWith("--shapes="))?.slice(9).split(",").map((s) =>
    s.split("x").map(Number) as [number, number, number]
  ) ?? [[64, 64, 64], [1024, 1024, 1024], [8192, 256, 64], [4096, 1024, 1]];

interface Rates {
  wall: number[];
  cpu: number[];
}

/**
 * Samples of ≥ 20 ms each (several calls for small shapes), as GFLOP/s by
 * wall clock and by this process's CPU time (which other processes on a
 * shared machine do not inflate).
 */
function time(fn: () => void, flop: number): Rates {
  fn(); // warm up (and let V8 tier up the wasm)
  fn();
  const t0 = performance.now();
  fn();
  const reps = Math.max(1, Math.ceil(20 / Math.max(performance.now() - t0, 1e-3)));
  const budget = quick ? 300 : 1500;
  const out: Rates = { wall: [], cpu: [] };
  const start = performance.now();
  while (out.wall.length < 5 || (performance.now() - start < budget && out.wall.length < 100)) {
    const c = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t;
    const cu = process.cpuUsage(c);
    out.wall.push((reps * flop) / (dt * 1e6));
    out.cpu.push((reps * flop) / ((cu.user + cu.system) / 1e3 * 1e6));
  }
  return out;
}

const best = (x: number[]): number => Math.max(...x);
const median = (x: number[]): number => [...x].sort((p, q) => p - q)[x.length >> 1]!;
const fmt = (x: number): string => x.toFixed(1).padStart(6);
const row = (r: Rates): string =>
  [best(r.wall), median(r.wall), best(r.cpu), median(r.cpu)].map(fmt).join(" ");
console.log("GFLOP/s; wall best, wall median, cpu best, cpu median");
console.log(`backend   dtype    N×D×M           ${"forward".padEnd(28)} backward (dA and dB)`);
for (const name of picked) {
  if (name === "js") setBackend("js");
  else setBackend("wasm", { fma: name === "wasm" });
  for (const dtype of dtypes) {
    for (const [n, d, m] of shapes) {
      if (name === "js" && n * d * m > 1 << 28) continue;
      const a = randn([n, d], { seed: 1, dtype });
      const b = randn([d, m], { seed: 2, dtype });
      const dc = randn([n, m], { seed: 3, dtype });
      const out = matmul(a, b);
      const { dA: outA, dB: outB } = matmulGrad(a, b, dc);
      const f = time(() => matmul(a, b, { out }), 2 * n * d * m);
      const g = time(() => matmulGrad(a, b, dc, { outA, outB }), 4 * n * d * m);
      console.log(
        `${name.padEnd(9)} ${dtype.padEnd(8)} ${`${n}×${d}×${m}`.padEnd(15)} ${row(f)}   ${row(g)}`,
      );
    }
  }
}
