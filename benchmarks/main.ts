/**
 * The benchmark: matgrad (every backend it has) and its JavaScript peers on
 * the same machine in the same run. Every result is checked against a
 * float64 reference before it is timed; a wrong one fails the run.
 *
 * ```sh
 * deno task bench                     # from the repository root
 * deno run -A benchmarks/main.ts --quick   # every runner once, small shapes
 * ```
 *
 * Flags: `--quick`, `--big` (adds 2048³), `--reps N` (default 5),
 * `--min-rep-ms MS` (default 100), `--only id,id`, `--no-write`.
 *
 * @module
 */
import { failures, type Options, runAll } from "./bench.ts";
import { machine, markdown, type Report, write } from "./report.ts";

/** Parses the command line. */
export function parseArgs(args: readonly string[]): Options & { write: boolean } {
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  const known = ["--quick", "--big", "--reps", "--min-rep-ms", "--only", "--no-write"];
  for (const [i, a] of args.entries()) {
    const isValue = i > 0 && ["--reps", "--min-rep-ms", "--only"].includes(args[i - 1]!);
    if (!isValue && !known.includes(a)) {
      throw new Error(`bench: unknown argument ${a}; use ${known.join(" ")}`);
    }
  }
  const quick = args.includes("--quick");
  const reps = Number(value("--reps") ?? (quick ? 1 : 5));
  const minRepMs = Number(value("--min-rep-ms") ?? (quick ? 0 : 100));
  if (!Number.isInteger(reps) || reps < 1) {
    throw new Error(`bench: --reps must be a positive integer`);
  }
  if (!(minRepMs >= 0)) throw new Error(`bench: --min-rep-ms must be a number ≥ 0`);
  return {
    quick,
    big: args.includes("--big"),
    reps,
    minRepMs,
    only: (value("--only") ?? "").split(",").filter((s) => s !== ""),
    log: (line) => console.error(line),
    // A quick run proves the runners work; it leaves no files behind.
    write: !quick && !args.includes("--no-write"),
  };
}

/** Runs the benchmark, prints the report, writes it, and returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const opts = parseArgs(args);
  const started = new Date().toISOString();
  const runners = await runAll(opts);
  const report: Report = {
    date: started,
    command: `deno run -A benchmarks/main.ts ${args.join(" ")}`.trim(),
    machine: machine(),
    options: { quick: opts.quick, big: opts.big, reps: opts.reps, minRepMs: opts.minRepMs },
    runners,
  };
  console.log(markdown(report));
  if (opts.write) {
    console.error(`wrote ${await write(report, new URL("./results/", import.meta.url))}`);
  }
  const bad = failures(runners);
  for (const line of bad) console.error(`FAIL ${line}`);
  return bad.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  let code = 2;
  try {
    code = await main(Deno.args);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
  }
  Deno.exit(code);
}
