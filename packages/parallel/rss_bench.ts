/**
 * Memory stays bounded: RSS over rounds of 20,000 small and 200 large async
 * pool calls, 50 in flight at a time, with the results disposed as they
 * arrive, and with them dropped (left to the collector, which a pool's
 * budget of results in the heap bounds: `results.ts`).
 *
 *     cd packages/parallel && npx deno run -A --no-check rss_bench.ts
 *
 * @module
 */
import { randn } from "@matgrad/core";
import { createPool } from "./mod.ts";
import { heapStats } from "./heap.ts";

const pool = createPool({ workers: 1, serialBelowFlops: 0 });
await pool.ready();
const small = Array.from({ length: 16 }, (_, i) => [randn([8 + i, 16]), randn([16, 12])] as const);
const large = [randn([256, 256], { seed: 1 }), randn([256, 256], { seed: 2 })] as const;

async function round(dispose: boolean): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < 20_000; i++) {
    const [a, b] = i % 100 === 0 ? large : small[i % small.length]!;
    const dC = randn([a.shape[0]!, b.shape[1]!]);
    const call: Promise<unknown> = pool.matmulGrad(a, b, dC).then((g) => {
      if (!dispose) return;
      g.dA.dispose();
      g.dB.dispose();
      dC.dispose();
    });
    inFlight.add(call);
    call.finally(() => inFlight.delete(call));
    if (inFlight.size >= 50) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
// RSS after each round: the first is the warm-up; the engine's own garbage
// (dropped results in ordinary memory, freed by its collector) settles over
// the next rounds, while the shared heap stays as the warm-up left it.
const ROUNDS = 6;
for (const dispose of [true, false]) {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await round(dispose);
    rss.push(Deno.memoryUsage().rss);
    heap.push(heapStats().bytes);
  }
  console.log(
    `results ${dispose ? "disposed" : "dropped"}: RSS after each round ${
      rss.map((b) => (b / 2 ** 20).toFixed(0)).join(", ")
    } MiB; grew ${mib(rss[ROUNDS - 1]! - rss[0]!)} after the warm-up round (max ${
      mib(Math.max(...rss) - rss[0]!)
    }); shared heap ${mib(heap[0]!)} after it, ${mib(heap[ROUNDS - 1]!)} at the end`,
  );
}
pool.close();
