/**
 * Serial vs 1 worker vs 2 workers, forward and backward, float32.
 *
 *     deno run parallel_bench.ts              # 256³, 512³, 1024³, 8192×256×64
 *     deno run parallel_bench.ts --quick      # without 1024³
 *     deno run parallel_bench.ts --crossover  # small cubes: where the pool starts to pay
 *     deno run parallel_bench.ts --backend=js # core's JavaScript kernels instead of the default
 *
 * Modes are interleaved within each repetition so that load from other
 * processes hits them alike, and each figure is the best of the repetitions
 * (on a shared machine the minimum estimates the uncontended time; medians
 * are printed too). Operands are shared once up front (`toShared`), as a
 * training loop would keep them.
 *
 * @module
 */
import {
  type BackendName,
  matmul,
  matmulGrad,
  randn,
  setBackend,
  type Tensor,
} from "@matgrad/core";
import { getKernels } from "@matgrad/core/kernels";
import { createPool, type Pool, toShared } from "@matgrad/parallel";

type Mode = "serial" | "1 worker" | "2 workers";
interface Case {
  m: number;
  k: number;
  n: number;
}

const args = new Set(Deno.args);
const backend = Deno.args.find((a) => a.startsWith("--backend="))?.slice("--backend=".length);
if (backend !== undefined) setBackend(backend as BackendName);
const crossover = args.has("--crossover");
const cases: Case[] = crossover
  ? [16, 32, 48, 64, 96, 128, 160, 192, 224, 256].map((s) => ({ m: s, k: s, n: s }))
  : [
    { m: 256, k: 256, n: 256 },
    { m: 512, k: 512, n: 512 },
    ...(args.has("--quick") ? [] : [{ m: 1024, k: 1024, n: 1024 }]),
    { m: 8192, k: 256, n: 64 },
  ];
// Enough repetitions for a median, within a time budget per case.
const minReps = crossover ? 20 : 5;
const budgetMs = crossover ? 400 : 3000;

const pools: Record<Exclude<Mode, "serial">, Pool> = {
  "1 worker": createPool({ workers: 1, serialBelowFlops: 0 }),
  "2 workers": createPool({ workers: 2, serialBelowFlops: 0 }),
};
const modes: Mode[] = crossover ? ["serial", "2 workers"] : ["serial", "1 worker", "2 workers"];

function forward(mode: Mode, a: Tensor, b: Tensor): Promise<unknown> {
  return mode === "serial" ? Promise.resolve(matmul(a, b)) : pools[mode].matmul(a, b);
}

function backward(mode: Mode, a: Tensor, b: Tensor, dC: Tensor): Promise<unknown> {
  return mode === "serial"
    ? Promise.resolve(matmulGrad(a, b, dC))
    : pools[mode].matmulGrad(a, b, dC);
}

function best(xs: number[]): number {
  return Math.min(...xs);
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

type Times = Record<Mode, number[]>;

async function measure(run: (mode: Mode) => Promise<unknown>): Promise<Times> {
  for (const mode of modes) await run(mode); // warm-up (JIT, worker handshakes)
  const times: Times = { serial: [], "1 worker": [], "2 workers": [] };
  const start = performance.now();
  for (let rep = 0; rep < minReps || performance.now() - start < budgetMs; rep++) {
    for (const mode of modes) {
      const t0 = performance.now();
      await run(mode);
      times[mode].push(performance.now() - t0);
    }
    if (rep > 200) break;
  }
  return times;
}

const kernels = getKernels();
console.log(`kernels: ${kernels.name}${kernels.fused ? " (fused float32)" : ""}, float32\n`);
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`);
console.log(
  `| product (M×K×N) | pass | ${modes.join(" | ")} | ${
    modes.slice(1).map((m) => `speedup (${m})`).join(" | ")
  } |`,
);
console.log(`|${" --- |".repeat(2 + 2 * modes.length - 1)}`);
try {
  for (const { m, k, n } of cases) {
    const a = toShared(randn([m, k], { seed: 1 }));
    const b = toShared(randn([k, n], { seed: 2 }));
    const dC = toShared(randn([m, n], { seed: 3 }));
    for (const pass of ["forward", "backward"] as const) {
      const t = await measure((mode) =>
        pass === "forward" ? forward(mode, a, b) : backward(mode, a, b, dC)
      );
      const flops = 2 * m * n * k * (pass === "forward" ? 1 : 2);
      const cells = modes.map((mode) => {
        const b = best(t[mode]);
        return `${fmt(b)} (${(flops / b / 1e6).toFixed(1)} GF/s; median ${fmt(median(t[mode]))})`;
      });
      const speedups = modes.slice(1).map((mode) =>
        `${(best(t.serial) / best(t[mode])).toFixed(2)}× (median ${
          (median(t.serial) / median(t[mode])).toFixed(2)
        }×)`
      );
      console.log(`| ${m}×${k}×${n} | ${pass} | ${cells.join(" | ")} | ${speedups.join(" | ")} |`);
    }
  }
} finally {
  for (const pool of Object.values(pools)) pool.close();
}
