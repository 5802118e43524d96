/**
 * Runs one runner over a list of cases, in its own process, and prints one
 * line `@@RESULT <json>`: check first, then time. Started by `main.ts`:
 * `deno run -A run_one.ts '<json request>'`.
 *
 * @module
 */
import { type Data, type Operands, operands } from "./inputs.ts";
import { checkCase } from "./reference.ts";
import { RUNNERS } from "./runners/mod.ts";
import { TRAINERS } from "./runners/train.ts";
import type { Prepared, Runner } from "./runners/types.ts";
import { type Case, flops } from "./shapes.ts";
import { measure } from "./timing.ts";

/** What `main.ts` asks for. */
export interface Request {
  readonly runner: string;
  readonly cases: readonly Case[];
  readonly reps: number;
  readonly minRepMs: number;
}

/** One case's outcome: "wrong" means the check failed and nothing was timed. */
export interface CaseResult extends Case {
  readonly status: "ok" | "wrong" | "error";
  readonly ms?: number;
  readonly gflops?: number;
  readonly samplesPerSecond?: number;
  readonly reps?: number;
  readonly inner?: number;
  readonly check?: string;
  readonly error?: string;
}

/** One runner's outcome; "unavailable" carries the loading error. */
export interface RunnerResult {
  readonly id: string;
  readonly status: "ok" | "unavailable" | "crashed";
  readonly notes?: string;
  readonly error?: string;
  readonly cases: readonly CaseResult[];
}

/** The marker that starts the result line on stdout. */
export const MARKER = "@@RESULT ";

/** Runs a request in this process. */
export async function runRequest(req: Request): Promise<RunnerResult> {
  const spec = [...RUNNERS, ...TRAINERS].find((s) => s.id === req.runner);
  if (spec === undefined) throw new Error(`run_one: unknown runner ${JSON.stringify(req.runner)}`);
  let runner;
  try {
    runner = await spec.load();
  } catch (e) {
    return { id: spec.id, status: "unavailable", error: errorText(e), cases: [] };
  }
  const cache = new Map<string, Operands>();
  const cases: CaseResult[] = [];
  for (const c of req.cases) {
    if (!runner.supports(c.op, c.dtype)) continue;
    const key = `${c.n}x${c.d}x${c.m}:${c.dtype}`;
    const x = cache.get(key) ?? operands(c, c.dtype);
    cache.set(key, x);
    cases.push(await runCase(runner, c, x, req));
  }
  await runner.close();
  return { id: spec.id, status: "ok", notes: runner.notes, cases };
}

async function runCase(runner: Runner, c: Case, x: Operands, req: Request): Promise<CaseResult> {
  let prepared: Prepared | undefined;
  try {
    prepared = await runner.prepare(c, x);
    const t0 = performance.now();
    await prepared.run();
    const firstMs = performance.now() - t0;
    const ready = prepared;
    const outs: Data[] = await prepared.read();
    const check = checkCase(c, x, outs);
    if (!check.ok) return { ...c, status: "wrong", check: check.message };
    const t = await measure(() => ready.run(), req.reps, req.minRepMs, firstMs);
    const perSecond = 1000 / t.medianMs;
    return {
      ...c,
      status: "ok",
      ms: t.medianMs,
      gflops: (flops(c) * perSecond) / 1e9,
      ...(c.op === "train" ? { samplesPerSecond: c.n * perSecond } : {}),
      reps: t.reps,
      inner: t.inner,
      check: check.message,
    };
  } catch (e) {
    return { ...c, status: "error", error: errorText(e) };
  } finally {
    prepared?.dispose();
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

if (import.meta.main) {
  const req = JSON.parse(Deno.args[0] ?? "{}") as Request;
  const result = await runRequest(req);
  console.log(MARKER + JSON.stringify(result));
  // Peers' worker pools keep the event loop alive; the result is out, so leave.
  Deno.exit(0);
}
