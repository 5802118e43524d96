/**
 * Runs every runner, each in its own Deno process (`run_one.ts`), over the
 * cases of a full or quick run, and collects the results.
 *
 * @module
 */
import { MARKER, type Request, type RunnerResult } from "./run_one.ts";
import { RUNNERS } from "./runners/mod.ts";
import { TRAINERS } from "./runners/train.ts";
import type { RunnerSpec } from "./runners/types.ts";
import {
  BIG_SHAPE,
  type Case,
  type DType,
  QUICK_SHAPES,
  QUICK_TRAIN_SHAPE,
  type Shape,
  SHAPES,
  TRAIN_SHAPE,
} from "./shapes.ts";

/** How to run. */
export interface Options {
  /** Every runner once on small shapes, no repetitions: proves they all work. */
  readonly quick: boolean;
  /** Adds 2048³. */
  readonly big: boolean;
  /** Timed repetitions per case (the median is reported). */
  readonly reps: number;
  /** Minimum length of a repetition and of the warm-up, in milliseconds. */
  readonly minRepMs: number;
  /** Runner ids to run (all when empty). */
  readonly only: readonly string[];
  /** Called with a line of progress. */
  readonly log: (line: string) => void;
}

/** A runner's spec with its result. */
export interface Entry {
  readonly spec: Omit<RunnerSpec, "load">;
  readonly result: RunnerResult;
}

const DTYPES: readonly DType[] = ["float32", "float64"];

/** The cases of a run, matrix products first, then the training step. */
export function casesFor(opts: Pick<Options, "quick" | "big">): { matmul: Case[]; train: Case[] } {
  const shapes: Shape[] = opts.quick
    ? [...QUICK_SHAPES]
    : [...SHAPES, ...(opts.big ? [BIG_SHAPE] : [])];
  const matmul = shapes.flatMap((s) =>
    DTYPES.flatMap((dtype) => (["forward", "backward"] as const).map((op) => ({ ...s, op, dtype })))
  );
  const t = opts.quick ? QUICK_TRAIN_SHAPE : TRAIN_SHAPE;
  return { matmul, train: [{ ...t, op: "train", dtype: "float32" }] };
}

/** Every runner (or those in `only`), one process each, in table order. */
export async function runAll(opts: Options): Promise<Entry[]> {
  const { matmul, train } = casesFor(opts);
  const all = [...RUNNERS, ...TRAINERS];
  const unknown = opts.only.filter((id) => !all.some((s) => s.id === id));
  if (unknown.length > 0) {
    const known = all.map((s) => s.id).join(", ");
    throw new Error(`bench: unknown runner ${unknown.join(", ")}; known: ${known}`);
  }
  const specs = all.filter((s) => opts.only.length === 0 || opts.only.includes(s.id));
  const entries: Entry[] = [];
  for (const spec of specs) {
    const t0 = performance.now();
    const req: Request = {
      runner: spec.id,
      cases: spec.bench === "train" ? train : matmul,
      reps: opts.reps,
      minRepMs: opts.minRepMs,
    };
    const result = await runInProcess(req);
    const { load: _, ...rest } = spec;
    entries.push({ spec: rest, result });
    const bad = result.cases.filter((c) => c.status !== "ok").length;
    opts.log(
      `${spec.id}: ${result.status}` +
        (result.status === "ok"
          ? `, ${result.cases.length} cases, ${bad} failed`
          : ` (${result.error})`) +
        `, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  return entries;
}

async function runInProcess(req: Request): Promise<RunnerResult> {
  const script = new URL("./run_one.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", script.pathname, JSON.stringify(req)],
    cwd: new URL(".", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (line !== undefined) return JSON.parse(line.slice(MARKER.length)) as RunnerResult;
  const tail = (new TextDecoder().decode(out.stderr) + stdout).trim().split("\n").slice(-5).join(
    " | ",
  );
  return { id: req.runner, status: "crashed", error: `exit code ${out.code}: ${tail}`, cases: [] };
}

/**
 * Why a run must fail: a wrong result anywhere, an error or crash in matgrad,
 * no JS baseline. A peer that cannot load or crashes is reported, not fatal.
 */
export function failures(entries: readonly Entry[]): string[] {
  const out: string[] = [];
  for (const { spec, result } of entries) {
    if (result.status === "crashed" && spec.kind === "matgrad") {
      out.push(`${spec.id} crashed: ${result.error}`);
    }
    if (spec.id === "matgrad-js" && result.status !== "ok") {
      out.push(`matgrad-js is ${result.status}: ${result.error}`);
    }
    for (const c of result.cases) {
      if (c.status === "wrong") {
        out.push(`${spec.id} ${c.op} ${c.dtype} ${c.n}×${c.d}×${c.m}: ${c.check}`);
      }
      if (c.status === "error" && spec.kind === "matgrad") {
        out.push(`${spec.id} ${c.op} ${c.dtype} ${c.n}×${c.d}×${c.m}: ${c.error}`);
      }
    }
  }
  return out;
}
