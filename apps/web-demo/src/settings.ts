/**
 * The page's form, read and checked without the DOM so that Deno tests it.
 *
 * @module
 */

/** The data sets the page can train on (the CLI's `--data`). */
export type DatasetName = "synthetic" | "cars";

/** The optimizers of the CLI's `--optimizer`. */
export type OptimizerName = "sgd" | "adam";

/** Checked training settings. */
export interface Settings {
  /** Data set to fit. */
  dataset: DatasetName;
  /** Pool size; 0 trains on the calling thread. */
  workers: number;
  /** SGD (momentum 0.9, as the CLI) or Adam. */
  optimizer: OptimizerName;
  /** Optimizer step size, finite and positive. */
  learningRate: number;
  /** Passes over the training set. */
  epochs: number;
  /** Rows per minibatch. */
  batchSize: number;
  /** Seed of the data, the split and the shuffles. */
  seed: number;
  /** Where the steps run: the CPU (default, absent) or `"webgpu"` (float32 on the GPU). */
  backend?: "cpu" | "webgpu";
}

/**
 * The CLI's defaults (`deno task demo --help`) for a data set and optimizer,
 * which the page puts into its form when either changes.
 *
 * @example
 * ```ts
 * import { cliDefaults } from "./settings.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(cliDefaults("cars", "sgd"), { learningRate: 0.005, epochs: 100, batchSize: 32 });
 * ```
 */
export function cliDefaults(
  dataset: DatasetName,
  optimizer: OptimizerName,
): Pick<Settings, "learningRate" | "epochs" | "batchSize"> {
  const synthetic = dataset === "synthetic";
  return {
    learningRate: optimizer === "adam" ? 0.01 : synthetic ? 0.02 : 0.005,
    epochs: synthetic ? 20 : 100,
    batchSize: synthetic ? 512 : 32,
  };
}

/** A form value the page cannot train with; its message names the field and the value. */
export class SettingsError extends Error {
  /** The form field at fault, for example `"learningRate"`. */
  readonly field: keyof Settings;

  /** Builds the error for `field` with a sentence-case `message`. */
  constructor(field: keyof Settings, message: string) {
    super(message);
    this.name = "SettingsError";
    this.field = field;
  }
}

/** Largest epoch count the page accepts (keeps a typo from freezing the tab). */
export const MAX_EPOCHS = 10_000;

/** Largest minibatch the page accepts. */
export const MAX_BATCH = 1_000_000;

function number(field: keyof Settings, label: string, raw: string | undefined): number {
  const text = (raw ?? "").trim();
  const value = text === "" ? NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new SettingsError(field, `${label} must be a number, got "${raw ?? ""}"`);
  }
  return value;
}

function integer(
  field: keyof Settings,
  label: string,
  raw: string | undefined,
  min: number,
  max: number,
): number {
  const value = number(field, label, raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SettingsError(
      field,
      `${label} must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads the form's raw strings into {@linkcode Settings}, throwing a
 * {@linkcode SettingsError} for the first bad field.
 *
 * @param raw The form's values by field name.
 * @param maxWorkers Upper bound of `workers` (the page passes `navigator.hardwareConcurrency`).
 *
 * @example
 * ```ts
 * import { parseSettings, SettingsError } from "./settings.ts";
 * import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
 *
 * const form = {
 *   dataset: "cars",
 *   workers: "2",
 *   optimizer: "adam",
 *   learningRate: "0.05",
 *   epochs: "30",
 *   batchSize: "32",
 *   seed: "7",
 * };
 * assertEquals(parseSettings(form, 4), {
 *   dataset: "cars",
 *   workers: 2,
 *   optimizer: "adam",
 *   learningRate: 0.05,
 *   epochs: 30,
 *   batchSize: 32,
 *   seed: 7,
 * });
 * {
 *   const e = assertThrows(() => parseSettings({ ...form, learningRate: "-1" }, 4));
 *   assertStrictEquals(e instanceof SettingsError && e.message.includes("got -1"), true);
 * }
 * ```
 */
export function parseSettings(
  raw: Record<string, string | undefined>,
  maxWorkers: number,
): Settings {
  const dataset = raw.dataset;
  if (dataset !== "synthetic" && dataset !== "cars") {
    throw new SettingsError("dataset", `Data set must be "synthetic" or "cars", got "${dataset}"`);
  }
  const workers = integer("workers", "Workers", raw.workers, 0, Math.max(0, maxWorkers));
  const optimizer = raw.optimizer;
  if (optimizer !== "sgd" && optimizer !== "adam") {
    throw new SettingsError("optimizer", `Optimizer must be "sgd" or "adam", got "${optimizer}"`);
  }
  const learningRate = number("learningRate", "Learning rate", raw.learningRate);
  if (!(learningRate > 0)) {
    throw new SettingsError(
      "learningRate",
      `Learning rate must be a positive number, got ${learningRate}`,
    );
  }
  const epochs = integer("epochs", "Epochs", raw.epochs, 1, MAX_EPOCHS);
  const batchSize = integer("batchSize", "Batch size", raw.batchSize, 1, MAX_BATCH);
  const seed = integer("seed", "Seed", raw.seed, 0, 0xffff_ffff);
  const backend = raw.backend ?? "cpu";
  if (backend !== "cpu" && backend !== "webgpu") {
    throw new SettingsError("backend", `Backend must be "cpu" or "webgpu", got "${backend}"`);
  }
  const settings: Settings = { dataset, workers, optimizer, learningRate, epochs, batchSize, seed };
  if (backend === "webgpu") settings.backend = backend;
  return settings;
}
