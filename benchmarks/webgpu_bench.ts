/**
 * matgrad's WebGPU backend beside the peers' WebGPU backends that load in
 * Deno (tfjs-backend-webgpu 4.22, jax-js's "webgpu" device), in one run:
 * forward and backward GFLOP/s over the main benchmark's shapes, and
 * samples/s of the training step (one SGD step of mse(X·W + b, T)). Every
 * result is checked against a float64 reference before it is timed; a
 * runner that does not load or computes wrongly is reported, not timed.
 * Records the adapter's description. Writes
 * `results/webgpu-latest.md` and `results/webgpu-latest.json`.
 *
 * ```sh
 * npx deno task bench:webgpu            # from the repository root
 * npx deno run -A --no-check benchmarks/webgpu_bench.ts --quick
 * ```
 *
 * @module
 */
import { operands } from "./inputs.ts";
import { checkCase } from "./reference.ts";
import { machine } from "./report.ts";
import { type Case, type Op, QUICK_SHAPES, type Shape, SHAPES } from "./shapes.ts";
import { measure } from "./timing.ts";
import type { Runner } from "./runners/types.ts";
import { adapterDescription, WEBGPU_RUNNERS } from "./runners/webgpu.ts";

const quick = Deno.args.includes("--quick");
const shapes: readonly Shape[] = quick ? QUICK_SHAPES : SHAPES;
const trainShape: Shape = quick ? { n: 512, d: 128, m: 16 } : { n: 8192, d: 256, m: 64 };
const REPS = quick ? 3 : 5;
const MIN_REP_MS = quick ? 20 : 100;

type Cell = { value: number; unit: string } | { error: string };
const label = (s: Shape) => `${s.n}×${s.d}×${s.m}`;
const flops = (c: Case) => (c.op === "forward" ? 2 : 4) * c.n * c.d * c.m;

async function cell(runner: Runner, c: Case): Promise<Cell> {
  if (!runner.supports(c.op, c.dtype)) return { error: "n/a" };
  const x = operands(c, c.dtype);
  let p;
  try {
    p = await runner.prepare(c, x);
    await p.run();
    const check = checkCase(c, x, await p.read());
    if (!check.ok) return { error: `wrong: ${check.message}` };
    const t = await measure(() => p!.run(), REPS, MIN_REP_MS);
    return c.op === "train"
      ? { value: c.n / (t.medianMs / 1000), unit: "samples/s" }
      : { value: flops(c) / (t.medianMs * 1e6), unit: "GFLOP/s" };
  } catch (e) {
    return { error: `failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    p?.dispose();
  }
}

const fmt = (c: Cell) =>
  "error" in c
    ? (c.error === "n/a" ? "–" : "✗")
    : c.value >= 1000
    ? Math.round(c.value).toLocaleString("en-US")
    : c.value.toPrecision(3);

const adapter = (await adapterDescription()) ?? "no WebGPU adapter";
const m = machine();
const columns: Case[] = [
  ...shapes.flatMap((s) =>
    (["forward", "backward"] as Op[]).map((op) => ({ ...s, op, dtype: "float32" as const }))
  ),
  { ...trainShape, op: "train", dtype: "float32" },
];
const rows: { id: string; label: string; notes: string; cells: Cell[] }[] = [];
for (const spec of WEBGPU_RUNNERS) {
  let runner: Runner;
  try {
    runner = await spec.load();
  } catch (e) {
    const error = `did not load: ${e instanceof Error ? e.message : String(e)}`;
    console.error(`${spec.label}: ${error}`);
    rows.push({
      id: spec.id,
      label: spec.label,
      notes: error,
      cells: columns.map(() => ({ error })),
    });
    continue;
  }
  const cells: Cell[] = [];
  for (const c of columns) {
    const r = await cell(runner, c);
    console.error(
      `${spec.label} ${c.op} ${label(c)}: ${"error" in r ? r.error : fmt(r) + " " + r.unit}`,
    );
    cells.push(r);
  }
  await runner.close();
  rows.push({ id: spec.id, label: spec.label, notes: runner.notes, cells });
}

const head = columns.map((c) =>
  c.op === "train"
    ? `step ${label(c)} samples/s`
    : `${c.op === "forward" ? "fwd" : "bwd"} ${label(c)}`
);
const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
const lines = [
  `# WebGPU benchmark`,
  "",
  `Adapter: ${adapter}.`,
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}; Deno ${m.deno}; ${date}.`,
  `Command: \`deno run -A --no-check benchmarks/webgpu_bench.ts${quick ? " --quick" : ""}\`.`,
  "Float32. GFLOP/s (forward 2·N·D·M, backward dA and dB together 4·N·D·M) and training-step " +
  "samples/s (one SGD step of mse(X·W + b, T), N×D→M), medians of " +
  `${REPS}; every run waits until the device has finished; ✗ = failed or wrong (see JSON).`,
  "",
  `| runner | ${head.join(" | ")} |`,
  `| --- | ${head.map(() => "---:").join(" | ")} |`,
  ...rows.map((r) => `| ${r.label} | ${r.cells.map(fmt).join(" | ")} |`),
  "",
  ...rows.map((r) => `- ${r.label}: ${r.notes}`),
  ...rows.flatMap((r) =>
    r.cells.flatMap((c, i) =>
      "error" in c && c.error !== "n/a"
        ? [`- ${r.label}, ${head[i]}: ${c.error.slice(0, 300)}`]
        : []
    )
  ),
  "",
];
const md = lines.join("\n");
const dir = new URL("./results/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
const name = quick ? "webgpu-quick" : "webgpu-latest";
await Deno.writeTextFile(new URL(`${name}.md`, dir), md);
await Deno.writeTextFile(
  new URL(`${name}.json`, dir),
  JSON.stringify({ date, adapter, machine: m, columns, rows }, null, 2) + "\n",
);
console.log(md);
// Our device down before exit (lavapipe has crashed tearing a live one down); jax-js and tfjs
// keep theirs open, so exit explicitly.
await (await import("@matgrad/webgpu")).releaseWebgpu();
Deno.exit(0);
