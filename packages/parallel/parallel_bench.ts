/**
 * Serial vs 1 worker vs 2 workers, forward and backward, float32.
 *
 *     deno run parallel_bench.ts              # 256³, 512³, 1024³, 8192×256×64
 *     deno run parallel_bench.ts --quick      # without 1024³
 *     deno run parallel_bench.ts --crossover  # small cubes: where the pool starts to pay
 *     deno run parallel_bench.ts --backend=js # core's JavaScript kernels instead of the default
 *
 * Each product is timed four ways: forward and backward with new outputs on
 * every call, then into outputs reused across calls (`out`, `outA`/`outB`).
 *
 * Modes take turns, eight calls each, so that load from other processes hits
 * them alike. The main columns time the second to eighth calls (back to
 * back, as the matmul nodes of one backward pass follow each other); the
 * last columns time the first call of the 2-worker turn, made right after
 * the calling thread computed alone: on this VM an idle core takes
 * 0.1–0.4 ms to wake (`overhead_bench.ts`). Each figure is the best of the repetitions
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
import { createPool, type Pool, sharedZeros, toShared } from "@matgrad/parallel";

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

/** Output tensors reused by every call, as a training loop keeps its gradient buffers. */
interface Outs {
  out?: Tensor;
  outA?: Tensor;
  outB?: Tensor;
}

function forward(mode: Mode, a: Tensor, b: Tensor, outs: Outs): Promise<unknown> {
  const opts = { out: outs.out };
  return mode === "serial" ? Promise.resolve(matmul(a, b, opts)) : pools[mode].matmul(a, b, opts);
}

function backward(mode: Mode, a: Tensor, b: Tensor, dC: Tensor, outs: Outs): Promise<unknown> {
  const opts = { outA: outs.outA, outB: outs.outB };
  return mode === "serial"
    ? Promise.resolve(matmulGrad(a, b, dC, opts))
    : pools[mode].matmulGrad(a, b, dC, opts);
}

function best(xs: number[]): number {
  return Math.min(...xs);
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

interface Samples {
  /** Calls right after another mode ran (a pool's cores may have gone idle meanwhile). */
  first: number[];
  /** The following calls of the same mode, back to back, as a training step makes them. */
  next: number[];
}
type Times = Record<Mode, Samples>;

/** Calls per mode in a row; the first is timed apart from the rest. */
const burst = 8;
/** The order of turns: the 2-worker turn follows the serial one. */
const turns: Mode[] = ["1 worker", "serial", "2 workers"].filter((m) =>
  modes.includes(m as Mode)
) as Mode[];

async function measure(run: (mode: Mode) => Promise<unknown>): Promise<Times> {
  for (const mode of modes) await run(mode); // warm-up (JIT, worker handshakes)
  const times = {} as Times;
  for (const mode of modes) times[mode] = { first: [], next: [] };
  const start = performance.now();
  for (let rep = 0; rep < minReps || performance.now() - start < budgetMs; rep++) {
    for (const mode of turns) {
      for (let i = 0; i < burst; i++) {
        const t0 = performance.now();
        await run(mode);
        times[mode][i === 0 ? "first" : "next"].push(performance.now() - t0);
      }
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
  } | first call: ${modes.at(-1)} | speedup |`,
);
console.log(`|${" --- |".repeat(2 + 2 * modes.length + 1)}`);
try {
  for (const { m, k, n } of cases) {
    const a = toShared(randn([m, k], { seed: 1 }));
    const b = toShared(randn([k, n], { seed: 2 }));
    const dC = toShared(randn([m, n], { seed: 3 }));
    // New outputs on every call (what the plain API does), then outputs
    // reused across calls: fresh shared pages cost a page fault each on first
    // write (see the README), which reused buffers do not pay.
    const reused: Outs = {
      out: sharedZeros([m, n]),
      outA: sharedZeros([m, k]),
      outB: sharedZeros([k, n]),
    };
    const passes = ["forward", "backward", "forward, out", "backward, outA/outB"] as const;
    for (const pass of passes) {
      const outs = pass.includes(",") ? reused : {};
      const fwd = pass.startsWith("forward");
      const t = await measure((mode) =>
        fwd ? forward(mode, a, b, outs) : backward(mode, a, b, dC, outs)
      );
      const flops = 2 * m * n * k * (fwd ? 1 : 2);
      const cell = (xs: number[]) =>
        `${fmt(best(xs))} (${(flops / best(xs) / 1e6).toFixed(1)} GF/s; median ${fmt(median(xs))})`;
      const ratio = (x: number[], y: number[]) =>
        `${(best(x) / best(y)).toFixed(2)}× (median ${(median(x) / median(y)).toFixed(2)}×)`;
      const cells = modes.map((mode) => cell(t[mode].next));
      const speedups = modes.slice(1).map((mode) => ratio(t.serial.next, t[mode].next));
      const last = t[modes.at(-1)!].first;
      const cold = `${cell(last)} | ${ratio(t.serial.next, last)}`;
      console.log(
        `| ${m}×${k}×${n} | ${pass} | ${cells.join(" | ")} | ${speedups.join(" | ")} | ${cold} |`,
      );
    }
  }
} finally {
  for (const pool of Object.values(pools)) pool.close();
}
