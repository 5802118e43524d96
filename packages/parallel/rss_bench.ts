/**
 * Memory stays bounded: RSS over 20,000 small and 200 large async pool
 * calls, 50 in flight at a time, after a warm-up of the same mix. Prints
 * the RSS after the warm-up and after the run, and the growth between.
 *
 *     cd packages/parallel && npx deno run -A --no-check rss_bench.ts
 *
 * @module
 */
import { randn } from "@matgrad/core";
import { createPool } from "./mod.ts";

const pool = createPool({ workers: 1, serialBelowFlops: 0 });
await pool.ready();
const small = Array.from({ length: 16 }, (_, i) => [randn([8 + i, 16]), randn([16, 12])] as const);
const large = [randn([256, 256], { seed: 1 }), randn([256, 256], { seed: 2 })] as const;

async function mix(smallCalls: number, largeCalls: number): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  const every = Math.floor(smallCalls / largeCalls);
  for (let i = 0; i < smallCalls; i++) {
    const [a, b] = i % every === 0 ? large : small[i % small.length]!;
    // Results are dropped, not disposed, as most code does: their memory comes back when the
    // collector finds their arrays unreachable.
    const call: Promise<unknown> = pool.matmulGrad(a, b, randn([a.shape[0]!, b.shape[1]!]));
    inFlight.add(call);
    call.finally(() => inFlight.delete(call));
    if (inFlight.size >= 50) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
await mix(20_000, 200);
const before = Deno.memoryUsage().rss;
const t0 = performance.now();
await mix(20_000, 200);
const after = Deno.memoryUsage().rss;
console.log(
  `RSS after warm-up ${mib(before)} MiB, after 20,000 small + 200 large calls ${mib(after)} MiB: ` +
    `grew ${mib(after - before)} MiB (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
pool.close();
