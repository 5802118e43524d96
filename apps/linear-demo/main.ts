/**
 * The linear-regression demo's command line: `deno task demo [options]`.
 * A bad command line prints one message and the usage; bad data or files
 * print one message and a hint to `--help`. Both exit with code 2.
 *
 * @module
 */
import { BackendError } from "@matgrad/core";
import { DataError } from "./src/dataset.ts";
import { parseCommandLine, USAGE, UsageError } from "./cli/args.ts";
import { run } from "./cli/run.ts";

async function main(args: string[]): Promise<number> {
  try {
    // The calling thread computes a share of every op: one worker per other core.
    const workers = Math.max(1, (navigator.hardwareConcurrency ?? 2) - 1);
    const config = parseCommandLine(args, workers, Deno.cwd());
    if (config === "help") {
      console.log(USAGE);
      return 0;
    }
    await run(config, { stdout: Deno.stdout.isTerminal(), stderr: Deno.stderr.isTerminal() });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof BackendError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof DataError) {
      console.error(`error: ${e.message}\n(run with --help for usage)`);
      return 2;
    }
    console.error(`internal error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
