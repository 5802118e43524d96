/**
 * The post gate on and off (`post_gate.ts`): 2-worker backward passes into
 * reused outputs, back to back, as a training loop makes them.
 *
 *     deno run post_gate_bench.ts           # 16³, 512³ and 8192×256×64, 300 calls per mode
 *     deno run post_gate_bench.ts --calls 100
 *
 * (16³ shows what the gate costs a call whose arithmetic is negligible.)
 * The modes alternate in bursts of 20 calls, so that load from other processes
 * hits them alike. A call counts as late when it takes over 1.15× the best
 * call of its product: one worker then started or ran while the other held
 * the core it needed.
 *
 * @module
 */
import { randn } from "@matgrad/core";
import { createPool, sharedZeros, toShared } from "@matgrad/parallel";
import { hooks } from "./testing.ts";

const callsArg = Deno.args.indexOf("--calls");
const calls = callsArg < 0 ? 300 : Number(Deno.args[callsArg + 1]);
if (!Number.isInteger(calls) || calls < 20) throw new Error("--calls must be an integer ≥ 20");
const burst = 20;

const pool = createPool({ workers: 2, serialBelowFlops: 0 });
const modes = { on: [] as number[], off: [] as number[] };
const stat = (xs: number[], best: number) => {
  const s = [...xs].sort((x, y) => x - y);
  const mean = xs.reduce((x, y) => x + y, 0) / xs.length;
  const q = (f: number) => s[Math.floor(f * (s.length - 1))]!;
  const late = xs.filter((x) => x > 1.15 * best).length;
  return `mean ${mean.toFixed(2)} ms, median ${q(0.5).toFixed(2)}, p90 ${q(0.9).toFixed(2)}, ` +
    `late ${late}/${xs.length} (${(100 * late / xs.length).toFixed(0)}%)`;
};

console.log("| product (M×K×N) | gate | per call |\n| --- | --- | --- |");
try {
  for (const [m, k, n] of [[16, 16, 16], [512, 512, 512], [8192, 256, 64]] as const) {
    const a = toShared(randn([m, k], { seed: 1 }));
    const b = toShared(randn([k, n], { seed: 2 }));
    const dC = toShared(randn([m, n], { seed: 3 }));
    const outs = { outA: sharedZeros([m, k]), outB: sharedZeros([k, n]) };
    modes.on = [];
    modes.off = [];
    for (let i = 0; i < 10; i++) await pool.matmulGrad(a, b, dC, outs); // warm-up
    for (let done = 0; done < calls; done += burst) {
      for (const mode of ["on", "off"] as const) {
        hooks(pool).gate(mode === "on");
        for (let i = 0; i < burst; i++) {
          const t0 = performance.now();
          await pool.matmulGrad(a, b, dC, outs);
          modes[mode].push(performance.now() - t0);
        }
      }
    }
    const best = Math.min(...modes.on, ...modes.off);
    for (const mode of ["on", "off"] as const) {
      console.log(`| ${m}×${k}×${n} | ${mode} | ${stat(modes[mode], best)} |`);
    }
  }
} finally {
  pool.close();
}
