/**
 * The linear-regression demo's command line: `deno task demo [options]`.
 * Bad input prints one message and the usage and exits with code 2.
 *
 * @module
 */
import { DataError } from "./src/dataset.ts";
import { parseCommandLine, USAGE, UsageError } from "./cli/args.ts";
import { run } from "./cli/run.ts";

async function main(args: string[]): Promise<number> {
  try {
    const config = parseCommandLine(args, Math.max(1, navigator.hardwareConcurrency ?? 2));
    if (config === "help") {
      console.log(USAGE);
      return 0;
    }
    await run(config, Deno.stdout.isTerminal());
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`internal error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
