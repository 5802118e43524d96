/**
 * The page's training run, independent of the DOM so that Deno runs it too:
 * the CLI demo's data sets, model and training loop (`@matgrad/linear-demo`)
 * with the matmul gradients on a `@matgrad/parallel` pool.
 *
 * @module
 */
import {
  carsDataset,
  type Dataset,
  fitStandardizer,
  leastSquares,
  type LinearParams,
  meanSquaredError,
  predict,
  relativeError,
  rSquared,
  splitDataset,
  standardize,
  type Standardizer,
  synthetic,
  train as trainLinear,
  unstandardize,
} from "@matgrad/linear-demo";
import { BackendError, type Tensor } from "@matgrad/core";
import { type WebGpuExecutor, webgpuExecutor } from "@matgrad/webgpu";
import type { Settings } from "./settings.ts";
import { openSession, type Transport } from "./session.ts";

export type { Transport } from "./session.ts";

/** The CLI's fixed settings that the page has no control for (`deno task demo --help`). */
export const CLI_FIXED = {
  samples: 8192,
  dims: 128,
  outputs: 16,
  noise: 0.1,
  testFraction: 0.2,
  momentum: 0.9,
} as const;

/** One finished epoch. */
export interface EpochProgress {
  /** Epoch number (0 = before training). */
  epoch: number;
  /** Training loss (MSE of what the model fits) after this epoch. */
  loss: number;
  /** Test loss after this epoch. */
  testLoss?: number;
  /** Training samples per second so far. */
  samplesPerSecond: number;
}

/** The outcome of {@linkcode train}. */
export interface TrainResult {
  /** The last epoch's training loss: the CLI's `finalLoss` (`--json`). */
  finalLoss: number;
  /** Every minibatch loss, in order: the CLI's `stepLosses`. */
  stepLosses: number[];
  /** Epochs completed. */
  epochs: number;
  /** Whether Stop ended the run early. */
  stopped: boolean;
  /** Wall time of the training loop in seconds. */
  seconds: number;
  /** Training samples per second. */
  samplesPerSecond: number;
  /** Workers in the pool (0 = calling thread). */
  workers: number;
  /** Where the gradient products ran. */
  transport: Transport;
  /** Why fewer workers than asked, or the CPU instead of WebGPU, were used, if so. */
  fallback?: string;
  /** Where the steps ran. */
  backend: "cpu" | "webgpu";
  /** Matmul gradients computed by the workers. */
  workerCalls: number;
  /** {@linkcode dataFingerprint} of the training rows. */
  dataFingerprint: string;
  /** Rows of the final metrics table: label, value. */
  metrics: [string, string][];
}

/** Callbacks, cancellation and data of {@linkcode train}. */
export interface TrainHooks {
  /** Called after each epoch (and once for epoch 0). */
  onEpoch?: (progress: EpochProgress) => void;
  /** Aborting stops the run after the current step; the result says `stopped`. */
  signal?: AbortSignal;
  /** The records of vega-datasets' cars.json, needed for the "cars" data set. */
  cars?: unknown;
}

/** A data set as the CLI prepares it. */
export interface PreparedData {
  /** Train and test rows in their own units. */
  raw: { train: Dataset; test: Dataset };
  /** What the model trains on: standardized copies for cars, the raw sets for synthetic data. */
  fit: { train: Dataset; test: Dataset };
  /** Feature scaling (cars only). */
  xScale?: Standardizer;
  /** Target scaling (cars only). */
  yScale?: Standardizer;
  /** The true weights (synthetic only). */
  wTrue?: Tensor;
  /** Rows dropped for missing values (cars only). */
  dropped: number;
}

/**
 * Builds the data set of `settings` exactly as the CLI does (apps/linear-demo
 * cli/run.ts `prepare`): synthetic data from the seed, or the cars records;
 * a seeded train/test split; for cars, features and targets standardized with
 * the training rows' statistics.
 *
 * @example
 * ```ts
 * import { prepareData } from "./training.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const settings = {
 *   dataset: "synthetic", workers: 0, optimizer: "sgd", learningRate: 0.02, epochs: 1, batchSize: 512, seed: 1,
 * } as const;
 * const { fit } = prepareData(settings);
 * assertEquals([fit.train.x.shape, fit.test.x.shape], [[6554, 128], [1638, 128]]);
 * ```
 */
export function prepareData(settings: Settings, cars?: unknown): PreparedData {
  let data: Dataset, wTrue: Tensor | undefined, dropped = 0;
  if (settings.dataset === "synthetic") {
    const s = synthetic({ ...CLI_FIXED, seed: settings.seed });
    data = s;
    wTrue = s.wTrue;
  } else {
    if (cars === undefined) throw new Error("train: the cars data set was not loaded");
    ({ data, dropped } = carsDataset(cars));
  }
  const raw = splitDataset(data, { seed: settings.seed, testFraction: CLI_FIXED.testFraction });
  if (wTrue !== undefined) return { raw, fit: raw, wTrue, dropped };
  const xScale = fitStandardizer(raw.train.x), yScale = fitStandardizer(raw.train.y);
  const scale = (s: Dataset): Dataset => ({
    ...s,
    x: standardize(s.x, xScale),
    y: standardize(s.y, yScale),
  });
  return { raw, fit: { train: scale(raw.train), test: scale(raw.test) }, xScale, yScale, dropped };
}

/**
 * A hash of the bits of the training rows the model fits (FNV-1a over their
 * 32-bit words, one lane for the low and one for the high halves of each
 * float64), so that two engines can tell whether they trained on the same
 * numbers.
 *
 * @example
 * ```ts
 * import { dataFingerprint, prepareData } from "./training.ts";
 * import { assertNotStrictEquals, assertStrictEquals } from "@std/assert";
 *
 * const settings = {
 *   dataset: "synthetic", workers: 0, optimizer: "sgd", learningRate: 0.02, epochs: 1, batchSize: 512, seed: 1,
 * } as const;
 * assertStrictEquals(dataFingerprint(prepareData(settings)), dataFingerprint(prepareData(settings)));
 * assertNotStrictEquals(dataFingerprint(prepareData(settings)), dataFingerprint(prepareData({ ...settings, seed: 2 })));
 * ```
 */
export function dataFingerprint(data: PreparedData): string {
  let lo = 0x811c9dc5, hi = 0x811c9dc5;
  for (const t of [data.fit.train.x, data.fit.train.y]) {
    const words = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
    for (let i = 0; i + 1 < words.length; i += 2) {
      lo = Math.imul(lo ^ words[i]!, 0x01000193) >>> 0;
      hi = Math.imul(hi ^ words[i + 1]!, 0x01000193) >>> 0;
    }
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

/** Predictions in the targets' own units from raw features, as the CLI scores them. */
function predictRaw(x: Tensor, params: LinearParams, data: PreparedData): Tensor {
  const p = predict(data.xScale ? standardize(x, data.xScale) : x, params);
  return data.yScale ? unstandardize(p, data.yScale) : p;
}

const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const sig = (x: number) => (Number.isFinite(x) ? x.toPrecision(6) : String(x));

function metricsOf(
  data: PreparedData,
  params: LinearParams,
  result: { seconds: number; samplesPerSecond: number; stopped: boolean; epochs: number },
  where: string,
): [string, string][] {
  const { train, test } = data.raw;
  const ls = leastSquares(data.fit.train.x, data.fit.train.y);
  const mse = (p: LinearParams, d: Dataset) => meanSquaredError(predictRaw(d.x, p, data), d.y);
  const units = data.yScale ? " (target units)" : "";
  const rows: [string, string][] = [
    [`Train MSE${units}`, `${sig(mse(params, train))} (least squares: ${sig(mse(ls, train))})`],
    [`Test MSE${units}`, `${sig(mse(params, test))} (least squares: ${sig(mse(ls, test))})`],
  ];
  if (data.yScale) {
    const r2 = (p: LinearParams) => rSquared(predictRaw(test.x, p, data), test.y).toFixed(4);
    rows.push(["Test R²", `${r2(params)} (least squares: ${r2(ls)})`]);
    rows.push(["Rows dropped (missing values)", String(data.dropped)]);
  }
  if (data.wTrue) {
    rows.push(["‖W − W*‖ / ‖W*‖", relativeError(params.w, data.wTrue).toExponential(3)]);
  }
  rows.push(
    ["Epochs", `${result.epochs}${result.stopped ? " (stopped)" : ""}`],
    ["Training time", `${result.seconds.toFixed(3)} s`],
    ["Samples/s", Math.round(result.samplesPerSecond).toLocaleString("en-US")],
    ["Gradients computed on", where],
  );
  return rows;
}

/**
 * Trains the CLI demo's linear model with `settings`, its matmul gradients
 * on a pool of `settings.workers` workers (or the calling thread).
 *
 * @example
 * ```ts
 * import { train } from "./training.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const settings = {
 *   dataset: "synthetic", workers: 0, optimizer: "sgd", learningRate: 0.02, epochs: 1, batchSize: 512, seed: 1,
 * } as const;
 * const serial = await train(settings);
 * const parallel = await train({ ...settings, workers: 2 });
 * assertEquals(parallel.stepLosses, serial.stepLosses); // bit for bit
 * assert(parallel.workerCalls > 0);
 * ```
 */
export async function train(settings: Settings, hooks: TrainHooks = {}): Promise<TrainResult> {
  const data = prepareData(settings, hooks.cars);
  // WebGPU where asked and available; else the CPU, saying why.
  let device: WebGpuExecutor | undefined;
  let gpuFallback: string | undefined;
  if (settings.backend === "webgpu") {
    try {
      device = await webgpuExecutor();
    } catch (e) {
      gpuFallback = `WebGPU is unavailable (${
        e instanceof BackendError ? e.reason : String(e)
      }): trained on the CPU`;
    }
  }
  const session = openSession(device === undefined ? settings.workers : 0);
  try {
    // A worker's own workers start only while its event loop runs: before the steps, not during.
    await session.pool?.ready();
    const r = await trainLinear(data.fit.train, data.fit.test, {
      optimizer: settings.optimizer,
      lr: settings.learningRate,
      momentum: CLI_FIXED.momentum,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      seed: settings.seed,
      ...(session.pool === undefined ? {} : { pool: session.pool }),
      ...(device === undefined ? {} : { device }),
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      onEpoch: async (e) => {
        hooks.onEpoch?.({
          epoch: e.epoch,
          loss: e.trainLoss,
          ...(e.testLoss === undefined ? {} : { testLoss: e.testLoss }),
          samplesPerSecond: e.samplesPerSecond,
        });
        // Serial steps never wait for anything: let the page paint and see Stop once per epoch.
        await yieldToPage();
      },
    });
    const last = r.epochs.at(-1)!;
    const where = device !== undefined
      ? `the GPU (WebGPU, float32): ${device.adapter}`
      : session.workers === 0
      ? "the calling thread"
      : `this thread and ${session.workers} workers (${session.transport}): ${session.workerCalls} ops split`;
    return {
      finalLoss: last.trainLoss,
      stepLosses: r.stepLosses,
      epochs: last.epoch,
      stopped: r.stopped,
      seconds: r.seconds,
      samplesPerSecond: r.samplesPerSecond,
      workers: session.workers,
      transport: session.transport,
      backend: device === undefined ? "cpu" : "webgpu",
      ...(gpuFallback ?? session.fallback) === undefined
        ? {}
        : { fallback: [gpuFallback, session.fallback].filter(Boolean).join("; ") },
      workerCalls: session.workerCalls,
      dataFingerprint: dataFingerprint(data),
      metrics: metricsOf(data, r.params, { ...r, epochs: last.epoch }, where),
    };
  } finally {
    session.close();
  }
}
