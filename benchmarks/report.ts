/**
 * The report: markdown tables of GFLOP/s with matgrad's ratio to the best
 * JavaScript peer, the training step in samples per second, and the JSON
 * record with the machine and versions.
 *
 * @module
 */
import os from "node:os";
import type { Entry } from "./bench.ts";
import type { CaseResult } from "./run_one.ts";
import { type DType, type Op, type Shape, shapeLabel } from "./shapes.ts";

/** Where and with what the numbers were taken. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly os: string;
  readonly deno: string;
  readonly v8: string;
  readonly typescript: string;
}

/** The JSON record of a run. */
export interface Report {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly options: Record<string, unknown>;
  readonly runners: readonly Entry[];
}

/** The CPU model (from /proc/cpuinfo where there is one), core count and versions. */
export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: os.cpus() is the best we have.
  }
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    os: `${Deno.build.os} ${os.release()} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  };
}

const OPS: readonly Op[] = ["forward", "backward"];
const SHORT: Record<Op, string> = { forward: "fwd", backward: "bwd", train: "step" };

/** The whole report as markdown. */
export function markdown(r: Report): string {
  const m = r.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}; Deno ${m.deno}, V8 ${m.v8}; ${r.date}.`,
    `Command: \`${r.command}\``,
    "",
  ];
  for (const dtype of ["float32", "float64"] as const) {
    const t = productTable(r.runners, dtype);
    if (t.length > 0) lines.push(...t, "");
  }
  lines.push(...trainTable(r.runners), "");
  lines.push("Runners:");
  for (const { spec, result } of r.runners) {
    const what = result.status === "ok" ? result.notes : `**${result.status}**: ${result.error}`;
    lines.push(`- ${spec.id} (${spec.label}): ${what}`);
  }
  const failed = r.runners.flatMap(({ spec, result }) =>
    result.cases.filter((c) => c.status !== "ok").map((c) =>
      `- ${spec.id} ${caseName(c)}: ${c.status}: ${c.check ?? c.error}`
    )
  );
  if (failed.length > 0) lines.push("", "Failed cases:", ...failed);
  return lines.join("\n");
}

function productTable(entries: readonly Entry[], dtype: DType): string[] {
  const rows = entries.filter((e) => e.spec.bench === "matmul");
  const shapes = uniqueShapes(rows.flatMap((e) => e.result.cases.filter((c) => c.dtype === dtype)));
  if (shapes.length === 0) return [];
  const cols = shapes.flatMap((s) => OPS.map((op) => ({ ...s, op })));
  const find = (e: Entry, c: Shape & { op: Op }) =>
    e.result.cases.find((x) =>
      x.dtype === dtype && x.op === c.op && x.n === c.n && x.d === c.d && x.m === c.m
    );
  const out = [
    `${dtype}, GFLOP/s (median; forward 2·N·D·M flop, backward dA and dB together 4·N·D·M)`,
    "",
    `| runner | threads | ${cols.map((c) => `${SHORT[c.op]} ${shapeLabel(c)}`).join(" | ")} |`,
    `|---|---:|${cols.map(() => "---:").join("|")}|`,
  ];
  for (const e of rows) {
    const cells = cols.map((c) => (e.result.status !== "ok" ? "n/a" : cell(find(e, c))));
    if (e.result.status === "ok" && cells.every((x) => x === "—")) continue;
    out.push(`| ${e.spec.label} | ${e.spec.threads} | ${cells.join(" | ")} |`);
  }
  const best = (kind: "matgrad" | "peer", c: Shape & { op: Op }, oneThread: boolean) =>
    Math.max(
      0,
      ...rows.filter((e) => e.spec.kind === kind && (!oneThread || e.spec.threads === 1))
        .map((e) => find(e, c))
        .map((x) => (x?.status === "ok" ? x.gflops ?? 0 : 0)),
    );
  for (const oneThread of [true, false]) {
    const ratios = cols.map((c) => {
      const mine = best("matgrad", c, oneThread), theirs = best("peer", c, oneThread);
      return mine > 0 && theirs > 0 ? `${(mine / theirs).toFixed(2)}×` : "—";
    });
    const label = oneThread
      ? "matgrad / best JS peer, 1 thread"
      : "matgrad / best JS peer, any threads";
    out.push(`| **${label}** | | ${ratios.join(" | ")} |`);
  }
  return out;
}

function trainTable(entries: readonly Entry[]): string[] {
  const rows = entries.filter((e) => e.spec.bench === "train");
  const c0 = rows.flatMap((e) => e.result.cases)[0];
  const shape = c0 === undefined ? "" : ` (N=${c0.n} samples, D=${c0.d}, M=${c0.m}, ${c0.dtype})`;
  const out = [
    `Training step of Y = X·W + b: forward, MSE, backward, SGD${shape}`,
    "",
    "| runner | workers | samples/s | ms/step |",
    "|---|---:|---:|---:|",
  ];
  for (const e of rows) {
    const c = e.result.cases[0];
    const [sps, ms] = e.result.status !== "ok"
      ? ["n/a", "n/a"]
      : c?.status === "ok"
      ? [Math.round(c.samplesPerSecond ?? 0).toLocaleString("en-US"), (c.ms ?? 0).toFixed(2)]
      : [c?.status ?? "—", "—"];
    out.push(`| ${e.spec.label} | ${e.spec.threads} | ${sps} | ${ms} |`);
  }
  return out;
}

function cell(c: CaseResult | undefined): string {
  if (c === undefined) return "—";
  if (c.status === "wrong") return "WRONG";
  if (c.status === "error") return "error";
  const g = c.gflops ?? 0;
  return g >= 10 ? g.toFixed(1) : g.toFixed(2);
}

function uniqueShapes(cases: readonly Shape[]): Shape[] {
  const seen = new Map<string, Shape>();
  for (const c of cases) seen.set(`${c.n}x${c.d}x${c.m}`, { n: c.n, d: c.d, m: c.m });
  return [...seen.values()];
}

function caseName(c: CaseResult): string {
  return `${c.op} ${c.dtype} ${shapeLabel(c)}`;
}

/** Writes `<dir>/bench-<date>.json` and `<dir>/latest.md`; returns the JSON path. */
export async function write(r: Report, dir: URL): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const stamp = r.date.replace(/[:.]/g, "-");
  const json = new URL(`bench-${stamp}.json`, dir);
  await Deno.writeTextFile(json, JSON.stringify(r, null, 2) + "\n");
  await Deno.writeTextFile(new URL("latest.md", dir), markdown(r) + "\n");
  return json.pathname;
}
