/**
 * `deno task web`: builds the page and serves it on 127.0.0.1 with the
 * headers that make it cross-origin isolated.
 *
 * Flags: `--port N` (default 8000, 0 = any free port), `--no-isolation`
 * (serve without COOP/COEP, so the page has no SharedArrayBuffer),
 * `--no-build` (serve the existing `dist/`).
 *
 * @module
 */
import { build, BuildError } from "./src/build.ts";
import { startServer } from "./src/server.ts";

/** Parsed command line of the web demo. */
export interface WebOptions {
  /** TCP port. */
  port: number;
  /** Whether to send COOP/COEP. */
  isolated: boolean;
  /** Whether to rebuild before serving. */
  build: boolean;
}

const USAGE = "usage: deno task web [--port N] [--no-isolation] [--no-build]";

/**
 * Parses the flags; throws an `Error` whose message includes the usage.
 *
 * @example
 * ```ts
 * import { parseArgs } from "@matgrad/web-demo";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(parseArgs(["--port", "0", "--no-isolation"]), {
 *   port: 0,
 *   isolated: false,
 *   build: true,
 * });
 * assertThrows(() => parseArgs(["--port", "x"]), Error, "--port must be");
 * ```
 */
export function parseArgs(args: readonly string[]): WebOptions {
  const options: WebOptions = { port: 8000, isolated: true, build: true };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--no-isolation") options.isolated = false;
    else if (arg === "--no-build") options.build = false;
    else if (arg === "--port" || arg?.startsWith("--port=")) {
      const value = arg === "--port" ? args[++i] : arg.slice("--port=".length);
      const port = Number(value);
      if (
        value === undefined || value === "" || !Number.isInteger(port) || port < 0 || port > 65535
      ) {
        throw new Error(
          `web-demo: --port must be an integer from 0 to 65535, got "${value ?? ""}"\n${USAGE}`,
        );
      }
      options.port = port;
    } else if (arg === "--help" || arg === "-h") {
      throw new Error(USAGE);
    } else {
      throw new Error(`web-demo: unknown flag "${arg}"\n${USAGE}`);
    }
  }
  return options;
}

if (import.meta.main) {
  let options: WebOptions;
  try {
    options = parseArgs(Deno.args);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
  const root = decodeURIComponent(new URL("./dist", import.meta.url).pathname);
  if (options.build) {
    try {
      const { files } = await build({ outDir: root });
      console.log(`built ${files.join(", ")} into ${root}`);
    } catch (e) {
      console.error(e instanceof BuildError ? e.message : e);
      Deno.exit(1);
    }
  }
  startServer({
    root,
    port: options.port,
    isolated: options.isolated,
    onListen: (url) =>
      console.log(
        `serving ${url} (${
          options.isolated ? "cross-origin isolated" : "without COOP/COEP: no SharedArrayBuffer"
        }); Ctrl-C stops`,
      ),
  });
}
