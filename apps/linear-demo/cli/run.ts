/**
 * One run of the demo: load the data, train (or load) a model, report.
 *
 * @module
 */
import process from "node:process";
import { createPool, type Pool, SERIAL_BELOW_FLOPS } from "@matgrad/parallel";
import { releaseWebgpu, webgpuExecutor } from "@matgrad/webgpu";
import { DataError, rows } from "../src/dataset.ts";
import { leastSquares } from "../src/least_squares.ts";
import { meanSquaredError, predict, relativeError } from "../src/metrics.ts";
import { modelFromJson, modelToJson, type SavedModel } from "../src/model_file.ts";
import { modelFromSafetensors, modelToSafetensors } from "../src/model_safetensors.ts";
import { lossChartSvg } from "../src/plot.ts";
import { train, type TrainResult } from "../src/train.ts";
import type { Config } from "./args.ts";
import { prepare, type Prepared, score, type Scores, specOf } from "./data.ts";
import { checkWritable, readBytes, readText, writeBytes, writeText } from "./io.ts";
import {
  barProgress,
  fmtLoss,
  fmtRate,
  liveStatus,
  type LiveStream,
  noStatus,
  plainProgress,
  type Progress,
  silent,
  type Status,
} from "./progress.ts";

/** Steps each placement trains before `--compare` times it. */
const WARM_UP_STEPS = 300;

/** `--save` and `--load` pick the format by extension: safetensors, or JSON for anything else. */
const isSafetensors = (path: string) => /\.safetensors$/i.test(path);

async function loadModel(path: string): Promise<SavedModel> {
  return isSafetensors(path)
    ? modelFromSafetensors(await readBytes(path, "model file"), path)
    : modelFromJson(await readText(path, "model file"), path);
}

async function saveModel(path: string, model: SavedModel): Promise<void> {
  if (isSafetensors(path)) await writeBytes(path, modelToSafetensors(model), "model");
  else await writeText(path, modelToJson(model), "model");
}

function table(rowsOut: [string, string][]): string {
  const w = Math.max(...rowsOut.map(([k]) => k.length));
  return rowsOut.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join("\n");
}

const fixed = (v: number, digits = 4) => v.toFixed(digits);
/** `1 epoch`, `20 epochs`. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
/** A ratio ≥ 1: 3 significant digits below 10, else a whole number with separators. */
const times = (v: number) => (v < 10 ? v.toPrecision(3) : fmtRate(v)) + "×";

/**
 * How the training loss went from `first` to `last`, and how far it ended
 * from the closed-form optimum `best`.
 *
 * @example
 * ```ts
 * import { lossChange } from "./run.ts";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(lossChange(100, 1.01, 1), "fell 99×; 1.00% above the closed-form optimum");
 * assertStrictEquals(lossChange(10, 10, 0.001), "did not fall; 10,000× the closed-form optimum");
 * assertStrictEquals(lossChange(10, 30, 1), "did not fall: rose 3.00×; 30× the closed-form optimum");
 * ```
 */
export function lossChange(first: number, last: number, best: number): string {
  if (!Number.isFinite(last)) return "diverged: the loss is not finite; try a smaller --lr";
  // A change that rounds to 0.00% is not called a fall or a rise.
  const pct = (r: number) => r < 5e-5 ? "by less than 0.01%" : `${fixed(100 * r, 2)}%`;
  let change: string;
  if (last < first) {
    change = `fell ${last > first / 1.1 ? pct(1 - last / first) : times(first / last)}`;
  } else if (last > first) {
    change = `did not fall: rose ${
      last < first * 1.1 ? pct(last / first - 1) : times(last / first)
    }`;
  } else {
    change = "did not fall";
  }
  const gap = last / best;
  const optimum = !(best > 0)
    ? `the closed-form optimum is ${fmtLoss(best)}`
    : gap < 2
    ? `${fixed(100 * (gap - 1), 2)}% above the closed-form optimum`
    : `${times(gap)} the closed-form optimum`;
  return `${change}; ${optimum}`;
}

/** Which streams are terminals. */
export interface Terminals {
  /** Whether stdout is a terminal. */
  stdout: boolean;
  /** Whether stderr is a terminal. */
  stderr: boolean;
}
const flops = (v: number) =>
  v >= 1e6
    ? `${+(v / 1e6).toPrecision(3)} MFLOP`
    : v >= 1e3
    ? `${+(v / 1e3).toPrecision(3)} kFLOP`
    : `${v} FLOP`;

/**
 * Runs the demo for a checked {@linkcode Config}, writing to stdout. On a
 * terminal (stdout, or stderr for `--json` or redirected output), a live
 * bar and status lines show every phase that may take a while.
 *
 * @throws {DataError} for data or files that cannot be used (exit code 2).
 */
export async function run(config: Config, terminals: Terminals): Promise<void> {
  const started = performance.now();
  const log = config.json ? () => {} : (line = "") => console.log(line);
  const live: LiveStream | undefined = !config.json && terminals.stdout
    ? process.stdout
    : terminals.stderr
    ? process.stderr
    : undefined;
  const status: Status = live ? liveStatus(live) : noStatus;
  // Every output is checked before anything is computed, not found unwritable after training.
  if (config.plot !== undefined) await checkWritable(config.plot, "plot");
  if (config.save !== undefined) await checkWritable(config.save, "model");
  const saved = config.load === undefined ? undefined : await loadModel(config.load);
  const spec = saved !== undefined && !config.dataGiven ? saved.data : specOf(config);
  const split = saved !== undefined && !config.dataGiven
    ? saved.split
    : { seed: config.seed, testFraction: config.testFraction };
  const p = await status.run(
    spec.kind === "synthetic"
      ? "generating the synthetic data"
      : spec.kind === "cars"
      ? "loading the cars data"
      : "reading the CSV file",
    () => prepare(spec, split),
  );
  const nTrain = rows(p.raw.train), nTest = rows(p.raw.test);
  log(`matgrad linear demo — ${p.description}`);
  log(
    `rows: ${nTrain} train, ${nTest} test` +
      (p.dropped ? `, ${p.dropped} dropped (missing values)` : "") +
      (p.ignored.length ? `; ignored non-numeric columns: ${p.ignored.join(", ")}` : "") +
      (p.xScale ? "; features and targets standardized with the training rows' statistics" : ""),
  );
  const ls = status.run(
    "closed-form least-squares fit",
    (done) => leastSquares(p.fit.train.x, p.fit.train.y, done),
    true,
  );
  const lsScores = status.run("scoring the closed-form fit", () => score(p, ls));
  if (saved !== undefined) {
    evaluateSaved(saved, p, config, lsScores, log);
    return;
  }

  // Rejects with a BackendError saying why where there is no adapter (exit 2).
  const device = config.backend === "webgpu" ? await webgpuExecutor() : undefined;
  const workers = config.workers;
  const pool: Pool | undefined = workers === 0 ? undefined : createPool(
    config.serialBelow === undefined
      ? { workers }
      : { workers, serialBelowFlops: config.serialBelow },
  );
  await pool?.ready();
  const batch = Math.min(config.batchSize, nTrain);
  const steps = Math.ceil(nTrain / batch);
  const d = p.fit.train.x.shape[1]!, m = p.fit.train.y.shape[1]!;
  // X is a constant, so the backward step of X·W computes dW = Xᵀ·dC alone: 2·batch·D·M flops.
  const gradFlops = 2 * batch * d * m;
  const threshold = config.serialBelow ?? SERIAL_BELOW_FLOPS;
  const limit = config.serialBelow === undefined
    ? `ops under ${flops(threshold)} stay on this thread`
    : `--serial-below ${threshold}`;
  const placement = device
    ? `on the GPU in float32 (--backend webgpu): ${device.adapter}`
    : !pool
    ? "serial on this thread (--workers 0)"
    : `this thread and ${count(workers, "worker")} share every op of a step (${limit})`;
  log(
    `training: ${config.optimizer} lr ${config.lr}` +
      (config.optimizer === "sgd" ? ` momentum ${config.momentum}` : "") +
      `, ${count(config.epochs, "epoch")} × ${count(steps, "step")} of ${count(batch, "row")}`,
  );
  log(`threads: ${placement}`);
  const progress: Progress = live
    ? barProgress(config.epochs, live)
    : config.json
    ? silent
    : plainProgress(config.epochs, (l) => console.log(l));
  const trainOptions = {
    optimizer: config.optimizer,
    lr: config.lr,
    momentum: config.momentum,
    epochs: config.epochs,
    batchSize: batch,
    seed: config.seed,
  };
  let result: TrainResult;
  let serialRun: TrainResult | undefined;
  try {
    if (config.compare && pool !== undefined) {
      // Epochs of at least 300 steps on each first, so that neither timed run is the one that
      // warms the JIT up: on the pool a step reaches its steady speed only after about 200 steps
      // (the workers' code and the calling thread's pool path tier up separately; "The demo's
      // minibatch gather, and warming up" in benchmarks/README.md).
      const once = { ...trainOptions, epochs: Math.ceil(WARM_UP_STEPS / steps) };
      await status.run("warming up the pool and this thread (--compare)", async () => {
        await train(p.fit.train, undefined, { ...once, pool });
        await train(p.fit.train, undefined, once);
      });
    }
    result = await train(p.fit.train, p.fit.test, {
      ...trainOptions,
      ...(pool ? { pool } : {}),
      ...(device ? { device } : {}),
      onStep: (r) => progress.step(r),
      onEpoch: (r) => progress.epoch(r),
    });
    if (config.compare && pool !== undefined) {
      serialRun = await status.run(
        "training again on this thread alone (--compare)",
        () => train(p.fit.train, p.fit.test, trainOptions),
      );
    }
  } finally {
    progress.stop();
    pool?.close();
    if (device !== undefined) await releaseWebgpu();
  }
  const { s, lsFitLoss } = status.run("scoring the trained model", () => ({
    s: score(p, result.params),
    // The optimum in the units training saw; without standardization those are the targets' own.
    lsFitLoss: p.xScale === null && p.yScale === null
      ? lsScores.trainMse
      : meanSquaredError(predict(p.fit.train.x, ls), p.fit.train.y),
  }));
  const first = result.epochs[0]!, last = result.epochs.at(-1)!;
  const relW = p.wTrue ? relativeError(result.params.w, p.wTrue) : undefined;
  const units = p.yScale ? " (target units)" : "";
  log();
  const out: [string, string][] = [
    [
      "train MSE" + units,
      `${fmtLoss(s.trainMse)}   (closed-form least squares: ${fmtLoss(lsScores.trainMse)})`,
    ],
    [
      "test MSE" + units,
      `${fmtLoss(s.testMse)}   (closed-form least squares: ${fmtLoss(lsScores.testMse)})`,
    ],
    [
      "training loss",
      `${fmtLoss(first.trainLoss)} → ${fmtLoss(last.trainLoss)}  (${
        lossChange(first.trainLoss, last.trainLoss, lsFitLoss)
      })`,
    ],
  ];
  if (p.yScale) {
    out.push([
      "R² train / test",
      `${fixed(s.trainR2)} / ${fixed(s.testR2)}   (least squares: ${fixed(lsScores.trainR2)} / ${
        fixed(lsScores.testR2)
      })`,
    ]);
  }
  if (relW !== undefined) out.push(["‖W − W*‖ / ‖W*‖", relW.toExponential(3)]);
  out.push(
    [
      "wall time",
      `${((performance.now() - started) / 1000).toFixed(2)} s (training loop ${
        result.seconds.toFixed(2)
      } s, of which steps ${result.stepSeconds.toFixed(2)} s)`,
    ],
    ["samples/s", `${fmtRate(result.samplesPerSecond)} (training rows per second of step time)`],
  );
  if (serialRun !== undefined) {
    const same = serialRun.stepLosses.length === result.stepLosses.length &&
      serialRun.stepLosses.every((v, i) => Object.is(v, result.stepLosses[i]));
    out.push([
      "--compare",
      `this thread alone ${fmtRate(serialRun.samplesPerSecond)} samples/s, with ${
        count(workers, "worker")
      } ${fmtRate(result.samplesPerSecond)} (${
        (result.samplesPerSecond / serialRun.samplesPerSecond).toFixed(2)
      }×); step losses ${same ? "identical, bit for bit" : "DIFFER"}`,
    ]);
  }
  log("results:");
  log(table(out));
  const model: SavedModel = {
    features: [...p.fit.train.features],
    targets: [...p.fit.train.targets],
    params: result.params,
    xScale: p.xScale,
    yScale: p.yScale,
    data: p.spec,
    split,
  };
  if (config.plot !== undefined) {
    const yLabel = p.yScale ? "loss (MSE of standardized targets)" : "loss (MSE)";
    const svg = lossChartSvg(
      [
        {
          name: "train",
          color: "#1f77b4",
          points: result.epochs.map((e) => [e.epoch, e.trainLoss]),
        },
        {
          name: "test",
          color: "#ff7f0e",
          points: result.epochs.map((e) => [e.epoch, e.testLoss ?? NaN]),
        },
      ],
      { title: `matgrad linear demo: ${p.spec.kind}, ${config.optimizer}`, yLabel },
    );
    await writeText(config.plot, svg, "plot");
    log(`wrote the loss chart to ${config.plot}`);
  }
  if (config.save !== undefined) {
    await saveModel(config.save, model);
    log(`saved the model to ${config.save}`);
  }
  if (config.json) {
    console.log(JSON.stringify({
      data: p.spec,
      rows: { train: nTrain, test: nTest, dropped: p.dropped },
      features: model.features,
      targets: model.targets,
      training: {
        optimizer: config.optimizer,
        lr: config.lr,
        momentum: config.optimizer === "sgd" ? config.momentum : undefined,
        epochs: config.epochs,
        batchSize: batch,
        seed: config.seed,
        workers,
        gradientFlopsPerStep: gradFlops,
        onWorkers: pool !== undefined,
        backend: config.backend,
      },
      ...s,
      leastSquares: { ...lsScores, fitLoss: lsFitLoss },
      initialLoss: first.trainLoss,
      finalLoss: last.trainLoss,
      relativeWeightError: relW,
      epochs: result.epochs.map(({ epoch, trainLoss, testLoss }) => ({
        epoch,
        trainLoss,
        testLoss,
      })),
      stepLosses: result.stepLosses,
      seconds: (performance.now() - started) / 1000,
      trainingSeconds: result.seconds,
      stepSeconds: result.stepSeconds,
      samplesPerSecond: result.samplesPerSecond,
    }));
  }
}

function evaluateSaved(
  saved: SavedModel,
  p: Prepared,
  config: Config,
  ls: Scores,
  log: (line?: string) => void,
): void {
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(saved.features, p.raw.train.features) || !same(saved.targets, p.raw.train.targets)) {
    throw new DataError(
      `${config.load}: the model maps ${saved.features.join(", ")} → ${
        saved.targets.join(", ")
      }, ` +
        `but the data has ${p.raw.train.features.join(", ")} → ${p.raw.train.targets.join(", ")}`,
    );
  }
  const s = score(p, saved.params, saved.xScale, saved.yScale);
  const relW = p.wTrue && !saved.xScale ? relativeError(saved.params.w, p.wTrue) : undefined;
  log(`evaluated the model in ${config.load}:`);
  const out: [string, string][] = [
    ["train MSE", `${fmtLoss(s.trainMse)}   (closed-form least squares: ${fmtLoss(ls.trainMse)})`],
    ["test MSE", `${fmtLoss(s.testMse)}   (closed-form least squares: ${fmtLoss(ls.testMse)})`],
    ["R² train / test", `${fixed(s.trainR2)} / ${fixed(s.testR2)}`],
  ];
  if (relW !== undefined) out.push(["‖W − W*‖ / ‖W*‖", relW.toExponential(3)]);
  log(table(out));
  if (config.json) {
    console.log(JSON.stringify({
      data: p.spec,
      rows: { train: rows(p.raw.train), test: rows(p.raw.test), dropped: p.dropped },
      loaded: config.load,
      ...s,
      leastSquares: ls,
      relativeWeightError: relW,
    }));
  }
}
