/**
 * The command line: flags, their checks and the usage text. Pure (it takes
 * the argument list), so every bad input is testable without a process.
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { clip, quote } from "../src/text.ts";

/** A command line the demo cannot run; printed with the whole usage, exit code 2. */
export class UsageError extends Error {
  /** Builds the error with a sentence-case `message`. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The usage text printed by `--help` and after every usage error. */
export const USAGE = `Usage: deno task demo [options]

Trains a linear model Y ≈ X·W + b with matgrad's autograd and reports how close
it gets to the closed-form least-squares fit.

Data (default: synthetic):
  --data synthetic|cars     synthetic: X ~ N(0,1), Y = X·W* + b* + noise;
                            cars: miles per gallon from vega-datasets' cars.json
  --csv FILE                train on a CSV file with a header row
  --target COL[,COL…]       target column(s) of the CSV (required with --csv)
  --features A,B,…          feature columns (default: every other numeric column)
  --samples N               synthetic rows (default 8192)
  --dims D                  synthetic features (default 128)
  --outputs M               synthetic outputs (default 16)
  --noise S                 synthetic noise standard deviation (default 0.1)
  --test-fraction F         share of rows held out for testing (default 0.2)

Training:
  --optimizer sgd|adam      (default sgd)
  --lr X                    learning rate (default: sgd 0.02, or 0.005 on
                            cars/csv; adam 0.01)
  --momentum X              SGD momentum in [0, 1) (default 0.9)
  --epochs N                passes over the training set (default 20; cars/csv 100)
  --batch N                 minibatch rows (default 512; cars/csv 32)
  --seed N                  seed of data, split and shuffles (default 1)
  --workers N               worker threads that share every op of a step with
                            this one, 0 = none (default: the cores but one)
  --serial-below FLOPS      ops smaller than this stay on the calling thread
                            (default: the pool's measured crossover; 0 = split
                            every op)
  --compare                 train twice, on this thread and on the workers, and
                            print both speeds
  --backend cpu|webgpu      where the steps run (default cpu); webgpu trains in
                            float32 on the GPU (exit 2 with the reason when
                            there is no adapter)

Output:
  --plot FILE.svg           write train and test loss per epoch as an SVG chart
  --save FILE               save the trained model: FILE.safetensors (for
                            PyTorch, JAX, NumPy) or FILE.json
  --load FILE               evaluate a saved model (.safetensors or .json)
                            instead of training (on its own data unless data
                            options are given)
  --json                    print one JSON summary instead of text
  --cwd DIR                 resolve relative file names against DIR (default:
                            the current directory; \`deno task demo\` passes
                            the directory it was started from)
  -h, --help                show this help

Exit codes: 0 done, 1 internal error, 2 bad input.`;

/** Everything a run needs, checked. */
export interface Config {
  /** Which data set. */
  data: "synthetic" | "cars" | "csv";
  /** Whether any data option was given (otherwise `--load` uses the model's own data). */
  dataGiven: boolean;
  /** CSV path (data = csv; absolute when a working directory was known). */
  csv?: string;
  /** CSV target columns. */
  targets?: string[];
  /** CSV feature columns. */
  features?: string[];
  /** Synthetic sizes and noise. */
  samples: number;
  /** Synthetic features D. */
  dims: number;
  /** Synthetic outputs M. */
  outputs: number;
  /** Synthetic noise standard deviation. */
  noise: number;
  /** Test share. */
  testFraction: number;
  /** Optimizer. */
  optimizer: "sgd" | "adam";
  /** Learning rate. */
  lr: number;
  /** SGD momentum. */
  momentum: number;
  /** Epochs. */
  epochs: number;
  /** Minibatch rows. */
  batchSize: number;
  /** Seed. */
  seed: number;
  /** Pool size; 0 = calling thread. */
  workers: number;
  /** The pool's serial threshold in FLOPs, when given. */
  serialBelow?: number;
  /** SVG output path (absolute when a working directory was known). */
  plot?: string;
  /** Model output path (absolute when a working directory was known). */
  save?: string;
  /** Model input path (absolute when a working directory was known). */
  load?: string;
  /** JSON summary instead of text. */
  json: boolean;
  /** Train again on this thread alone and print both speeds. */
  compare: boolean;
  /** Where the steps run. */
  backend: "cpu" | "webgpu";
}

const OPTIONS = {
  data: { type: "string" },
  csv: { type: "string" },
  target: { type: "string" },
  features: { type: "string" },
  samples: { type: "string" },
  dims: { type: "string" },
  outputs: { type: "string" },
  noise: { type: "string" },
  "test-fraction": { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  momentum: { type: "string" },
  epochs: { type: "string" },
  batch: { type: "string" },
  seed: { type: "string" },
  workers: { type: "string" },
  "serial-below": { type: "string" },
  plot: { type: "string" },
  save: { type: "string" },
  load: { type: "string" },
  json: { type: "boolean" },
  compare: { type: "boolean" },
  backend: { type: "string" },
  cwd: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The flags that take a number, whose value may be negative (`--epochs -3`). */
const NUMERIC = new Set([
  "samples",
  "dims",
  "outputs",
  "noise",
  "test-fraction",
  "lr",
  "momentum",
  "epochs",
  "batch",
  "seed",
  "workers",
  "serial-below",
]);

/** A flag's value in a message: a number as written, anything else quoted (and clipped). */
const shown = (raw: string) => DECIMAL.test(raw.trim()) ? raw.trim() : quote(raw);

function real(flag: string, raw: string, min: number, max = Infinity, open = false): number {
  const v = DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(v)) {
    const what = Number.isNaN(v) ? "a number" : "a finite number";
    throw new UsageError(`--${flag} must be ${what}, got ${shown(raw)}`);
  }
  if (v < min || v > max || (open && (v === min || v === max))) {
    const range = max === Infinity
      ? `${open ? ">" : "≥"} ${min}`
      : `in ${open ? "(" : "["}${min}, ${max}${open ? ")" : "]"}`;
    throw new UsageError(`--${flag} must be ${range}, got ${shown(raw)}`);
  }
  return v;
}

function whole(flag: string, raw: string, min: number, max = 2 ** 31 - 1): number {
  const kind = min === 1 ? "a positive whole number" : `a whole number ≥ ${min}`;
  const t = raw.trim();
  const v = /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
  if (!(v >= min)) throw new UsageError(`--${flag} must be ${kind}, got ${shown(raw)}`);
  if (v > max) throw new UsageError(`--${flag} must be at most ${max}, got ${shown(raw)}`);
  return v + 0; // -0 as 0
}

/**
 * `--epochs -3` as `--epochs=-3`: node:util's parser reads a value starting
 * with "-" as a flag, so a negative number would be reported as a missing
 * value instead of as the out-of-range number it is.
 */
function joinNegatives(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!, next = args[i + 1];
    if (a === "--") return [...out, ...args.slice(i)];
    if (
      NUMERIC.has(a.slice(2)) && a.startsWith("--") && next !== undefined && /^-\.?\d/.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function names(flag: string, raw: string): string[] {
  const list = raw.split(",").map((s) => s.trim());
  if (list.some((s) => s === "")) {
    throw new UsageError(
      `--${flag} must be a comma-separated list of column names, got ${quote(raw)}`,
    );
  }
  return list;
}

/**
 * Parses and checks the command line. Returns `"help"` for `--help`.
 *
 * @param defaultWorkers The pool size when `--workers` is absent.
 * @param cwd The directory that relative file names (`--csv`, `--plot`,
 * `--save`, `--load`, `--cwd`) are resolved against; when absent (and no
 * `--cwd` is given) they are left as written.
 * @throws {UsageError} for an unknown flag, a missing or malformed value, or
 * flags that do not go together.
 * @example
 * ```ts
 * import { parseCommandLine } from "./args.ts";
 * import { assert, assertThrows } from "@std/assert";
 *
 * const config = parseCommandLine(["--epochs", "5", "--workers", "0"], 2);
 * assert(config !== "help" && config.epochs === 5 && config.workers === 0);
 * assertThrows(() => parseCommandLine(["--lr", "fast"], 2), Error, "--lr must be a number");
 * ```
 */
export function parseCommandLine(
  args: readonly string[],
  defaultWorkers: number,
  cwd?: string,
): Config | "help" {
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  try {
    ({ values } = parseArgs({ args: joinNegatives(args), options: OPTIONS, strict: true }));
  } catch (e) {
    // node:util's messages are clear but long; keep their first sentence.
    const msg = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(msg);
    const positional = /Unexpected argument '([^']+)'/.exec(msg);
    const ambiguous = /Option '([^']+)' argument is ambiguous/.exec(msg);
    if (unknown) throw new UsageError(`unknown option ${clip(unknown[1]!)}`);
    if (missing) throw new UsageError(`option ${missing[1]!.split(", ").at(-1)} needs a value`);
    if (positional) throw new UsageError(`unexpected argument ${quote(positional[1]!)}`);
    if (ambiguous) {
      throw new UsageError(
        `option ${ambiguous[1]} needs a value; write ${
          ambiguous[1]
        }=VALUE for one starting with "-"`,
      );
    }
    throw new UsageError(clip(msg.split("\n")[0]!.replace(/^Option '([^']+)'/, "option $1"), 160));
  }
  if (values.help) return "help";
  const v = values as Partial<Record<keyof typeof OPTIONS, string>>;
  if (v.data !== undefined && !["synthetic", "cars"].includes(v.data)) {
    throw new UsageError(`--data must be synthetic or cars, got ${quote(v.data)}`);
  }
  if (v.csv !== undefined && v.data !== undefined) {
    throw new UsageError("use either --data or --csv, not both");
  }
  const data = v.csv !== undefined ? "csv" : (v.data ?? "synthetic") as Config["data"];
  if (data === "csv" && v.target === undefined) {
    throw new UsageError("--csv needs --target COL naming the column to predict");
  }
  for (const flag of ["target", "features"] as const) {
    if (data !== "csv" && v[flag] !== undefined) {
      throw new UsageError(`--${flag} applies to --csv data only`);
    }
  }
  for (const flag of ["samples", "dims", "outputs", "noise"] as const) {
    if (data !== "synthetic" && v[flag] !== undefined) {
      throw new UsageError(`--${flag} applies to synthetic data only`);
    }
  }
  if (v.optimizer !== undefined && !["sgd", "adam"].includes(v.optimizer)) {
    throw new UsageError(`--optimizer must be sgd or adam, got ${quote(v.optimizer)}`);
  }
  const optimizer = (v.optimizer ?? "sgd") as Config["optimizer"];
  if (optimizer === "adam" && v.momentum !== undefined) {
    throw new UsageError("--momentum applies to --optimizer sgd only");
  }
  const synth = data === "synthetic";
  const config: Config = {
    data,
    dataGiven: ["data", "csv", "samples", "dims", "outputs", "noise", "test-fraction", "seed"]
      .some((k) => v[k as keyof typeof v] !== undefined),
    samples: v.samples === undefined ? 8192 : whole("samples", v.samples, 10, 1e7),
    dims: v.dims === undefined ? 128 : whole("dims", v.dims, 1, 4096),
    outputs: v.outputs === undefined ? 16 : whole("outputs", v.outputs, 1, 4096),
    noise: v.noise === undefined ? 0.1 : real("noise", v.noise, 0),
    testFraction: v["test-fraction"] === undefined
      ? 0.2
      : real("test-fraction", v["test-fraction"], 0, 1, true),
    optimizer,
    lr: v.lr === undefined
      ? (optimizer === "adam" ? 0.01 : synth ? 0.02 : 0.005)
      : real("lr", v.lr, 0, Infinity, true),
    momentum: v.momentum === undefined ? 0.9 : real("momentum", v.momentum, -Infinity),
    epochs: v.epochs === undefined ? (synth ? 20 : 100) : whole("epochs", v.epochs, 1, 1e6),
    batchSize: v.batch === undefined ? (synth ? 512 : 32) : whole("batch", v.batch, 1),
    seed: v.seed === undefined ? 1 : whole("seed", v.seed, 0, 2 ** 32 - 1),
    workers: v.workers === undefined ? defaultWorkers : whole("workers", v.workers, 0, 256),
    json: values.json === true,
    compare: values.compare === true,
    backend: "cpu",
  };
  if (v.backend !== undefined) {
    if (v.backend !== "cpu" && v.backend !== "webgpu") {
      throw new UsageError(`--backend must be cpu or webgpu, got ${quote(v.backend)}`);
    }
    config.backend = v.backend;
    if (v.backend === "webgpu") config.workers = 0;
  }
  if (!(config.momentum >= 0 && config.momentum < 1)) {
    throw new UsageError(`--momentum must be in [0, 1), got ${shown(v.momentum!)}`);
  }
  if (v["serial-below"] !== undefined) {
    config.serialBelow = real("serial-below", v["serial-below"], 0);
  }
  // The directory relative names are meant from: an empty --cwd (an unset
  // $INIT_CWD in a task line) counts as absent.
  const base = v.cwd === undefined || v.cwd === ""
    ? cwd
    : cwd === undefined
    ? v.cwd
    : resolve(cwd, v.cwd);
  const at = (path: string) => base === undefined ? path : resolve(base, path);
  if (v.csv !== undefined) {
    if (v.csv.trim() === "") throw new UsageError("--csv needs a file name");
    config.csv = at(v.csv);
  }
  if (v.target !== undefined) config.targets = names("target", v.target);
  if (v.features !== undefined) config.features = names("features", v.features);
  const both = config.features?.filter((f) => config.targets?.includes(f)) ?? [];
  if (both.length > 0) {
    throw new UsageError(`column ${both[0]} cannot be both a feature and a target`);
  }
  for (const flag of ["plot", "save", "load"] as const) {
    const path = v[flag];
    if (path === undefined) continue;
    if (path.trim() === "") throw new UsageError(`--${flag} needs a file name`);
    config[flag] = at(path);
  }
  if (config.load !== undefined && config.save !== undefined) {
    throw new UsageError("use either --load or --save, not both");
  }
  if (config.load !== undefined && config.plot !== undefined) {
    throw new UsageError("--plot charts a training run; --load trains nothing");
  }
  return config;
}
