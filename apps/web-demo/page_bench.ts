/**
 * The page's training speed in Chromium, by worker count: the synthetic
 * data set with the CLI's defaults, trained on the page served cross-origin
 * isolated, once per worker count per round, rounds alternating, so that a
 * slow stretch of a shared machine falls on every count. Prints the median
 * samples/s of each count, its ratio to 0 workers (the training worker's
 * thread alone), and checks that every run's final loss is the same.
 *
 * ```sh
 * cd apps/web-demo && npx deno run -A page_bench.ts [--rounds 5] [--epochs 3] [--workers 0,1,2]
 * ```
 *
 * @module
 */
import { chromium, type Page } from "playwright-core";
import { build } from "./src/build.ts";
import type { DemoHandle } from "./src/app.ts";
import { startServer } from "./src/server.ts";

const arg = (name: string, fallback: string): string => {
  const i = Deno.args.indexOf(name);
  return i < 0 ? fallback : Deno.args[i + 1]!;
};
const ROUNDS = Number(arg("--rounds", "5"));
const EPOCHS = Number(arg("--epochs", "3"));
const COUNTS = arg("--workers", "0,1,2").split(",").map(Number);

const dist = await Deno.makeTempDir({ prefix: "web-demo-bench-dist-" });
const profile = await Deno.makeTempDir({ prefix: "web-demo-bench-profile-" });
await build({ outDir: dist });
const server = startServer({ root: dist, port: 0, isolated: true });
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

async function run(page: Page, workers: number): Promise<{ rate: number; loss: number }> {
  await page.locator('[name="dataset"]').selectOption("synthetic");
  await page.locator('[name="workers"]').fill(String(workers));
  await page.locator('[name="epochs"]').fill(String(EPOCHS));
  await page.locator("#train").click();
  await page.waitForFunction(
    () => document.getElementById("state")?.dataset.state !== "running",
    undefined,
    { timeout: 300_000 },
  );
  const result = await page.evaluate(() =>
    (globalThis as unknown as { matgradDemo: DemoHandle }).matgradDemo.lastResult
  );
  if (result === undefined || result.workers !== workers) {
    throw new Error(`the page did not train with ${workers} workers: ${JSON.stringify(result)}`);
  }
  return { rate: result.samplesPerSecond, loss: result.finalLoss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
try {
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById("state")?.dataset.state === "idle");
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const rates = new Map<number, number[]>(COUNTS.map((w) => [w, []]));
  const losses = new Set<number>();
  await run(page, COUNTS[0]!); // warm-up: compiles the kernels in every thread
  for (let r = 0; r < ROUNDS; r++) {
    for (const w of COUNTS) {
      const { rate, loss } = await run(page, w);
      rates.get(w)!.push(rate);
      losses.add(loss);
    }
  }
  const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
  console.log(
    `${cpu}; Chromium, ${cores} hardware threads; ${EPOCHS} epochs of the synthetic set; ` +
      `median of ${ROUNDS} rounds\n`,
  );
  console.log("| workers | samples/s | against 0 workers |");
  console.log("| ---: | ---: | ---: |");
  const base = median(rates.get(0) ?? rates.get(COUNTS[0]!)!);
  for (const w of COUNTS) {
    const m = median(rates.get(w)!);
    console.log(
      `| ${w} | ${Math.round(m).toLocaleString("en-US")} | ${(m / base).toFixed(2)}× |`,
    );
  }
  console.log(
    losses.size === 1 ? "\nevery run's final loss is the same" : "\nFINAL LOSSES DIFFER",
  );
  if (losses.size !== 1) Deno.exitCode = 1;
} finally {
  await context.close();
  await server.shutdown();
  await Deno.remove(dist, { recursive: true });
  await Deno.remove(profile, { recursive: true });
}
