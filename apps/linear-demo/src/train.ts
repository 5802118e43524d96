/**
 * The training loop: seeded minibatches over epochs, loss on the training and
 * test sets after each epoch, timing. Free of I/O, so a page can run it too.
 *
 * @module
 */
import { type Executor, serialExecutor, withExecutor } from "@matgrad/core";
import { type Pool, toShared } from "@matgrad/parallel";
import { type Dataset, gatherRows, rows } from "./dataset.ts";
import type { LinearParams } from "./least_squares.ts";
import { createTrainer, linearLoss, type OptimizerOptions } from "./model.ts";
import { permutation, uniform } from "./random.ts";

/** One finished epoch (epoch 0 is the untrained model). */
export interface EpochReport {
  /** Epoch number, 0 before training. */
  epoch: number;
  /** MSE on the whole training set after this epoch. */
  trainLoss: number;
  /** MSE on the test set after this epoch, when there is one. */
  testLoss?: number;
  /** Seconds since training started. */
  seconds: number;
  /** Training samples per second so far (time in steps only, not in evaluation). */
  samplesPerSecond: number;
}

/** One finished minibatch step. */
export interface StepReport {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  /** Steps per epoch. */
  steps: number;
  /** The minibatch loss, computed before the update. */
  loss: number;
  /** Training samples per second so far. */
  samplesPerSecond: number;
}

/** Settings of {@linkcode train}. */
export interface TrainOptions extends OptimizerOptions {
  /** Passes over the training set. */
  epochs: number;
  /** Rows per minibatch (the last one of an epoch may be smaller). */
  batchSize: number;
  /** Seed of the per-epoch shuffles. */
  seed: number;
  /** A worker pool for the matmul gradients; absent = calling thread. */
  pool?: Pool;
  /**
   * A device executor (`@matgrad/webgpu`'s): the step runs there in float32;
   * the epoch losses are computed on the CPU from the parameters read back.
   */
  device?: Executor;
  /** Called after every step. */
  onStep?: (report: StepReport) => void;
  /** Called after every epoch, and once for epoch 0. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Aborting stops after the current step. */
  signal?: AbortSignal;
}

/** The outcome of {@linkcode train}. */
export interface TrainResult {
  /** The trained W and b. */
  params: LinearParams;
  /** Every minibatch loss, in order (what `--workers` must reproduce bit for bit). */
  stepLosses: number[];
  /** Epoch 0 (untrained) to the last one run. */
  epochs: EpochReport[];
  /** Wall time of the loop in seconds, evaluations included. */
  seconds: number;
  /** Seconds spent in minibatch steps (gather, forward, backward, update). */
  stepSeconds: number;
  /** Training samples per second of step time. */
  samplesPerSecond: number;
  /** Whether the signal ended the run early. */
  stopped: boolean;
}

function evaluate(data: Dataset | undefined, params: LinearParams): number | undefined {
  // On the CPU whatever the step's executor: params are host tensors here.
  if (data === undefined || rows(data) === 0) return undefined;
  // The model's own forward pass (fast kernels); final metrics use metrics.ts's plain loop.
  return linearLoss(params.w, params.b, data.x, data.y).item();
}

/**
 * Trains a linear model on `trainSet` from W = 0, b = 0 with minibatch SGD
 * or Adam, reporting losses as it goes.
 *
 * @example
 * ```ts
 * import { synthetic, train } from "@matgrad/linear-demo";
 * import { assert } from "@std/assert";
 *
 * const data = synthetic({ samples: 256, dims: 4, outputs: 1, noise: 0.01, seed: 1 });
 * const r = await train(data, undefined, { optimizer: "sgd", lr: 0.1, epochs: 5, batchSize: 32, seed: 1 });
 * assert(r.epochs.at(-1)!.trainLoss < r.epochs[0]!.trainLoss / 100);
 * ```
 */
export async function train(
  trainSet: Dataset,
  testSet: Dataset | undefined,
  options: TrainOptions,
): Promise<TrainResult> {
  const n = rows(trainSet);
  const d = trainSet.x.shape[1]!, m = trainSet.y.shape[1]!;
  const trainer = createTrainer(d, m, options, options.pool, options.device);
  const batch = Math.min(options.batchSize, n);
  const steps = Math.ceil(n / batch);
  const xBuf = trainer.buffer(batch * d), yBuf = trainer.buffer(batch * m);
  // With a pool, the minibatch gathers run on it too, from the training set
  // moved once into its shared memory (where the threads read it in place).
  const pool = options.device === undefined && options.pool?.serialReason === undefined
    ? options.pool
    : undefined;
  const onPool = <T>(fn: () => T): T => pool === undefined ? fn() : withExecutor(pool, fn);
  const source = pool === undefined
    ? trainSet
    : { ...trainSet, x: toShared(trainSet.x), y: toShared(trainSet.y) };
  const order = new Uint32Array(n);
  const next = uniform(options.seed);
  const stepLosses: number[] = [];
  const epochs: EpochReport[] = [];
  const start = performance.now();
  let seen = 0, stepMs = 0, stopped = false;
  const rate = () => seen / Math.max(stepMs / 1000, 1e-9);
  const report = async (epoch: number) => {
    const params = await trainer.snapshot();
    const r: EpochReport = {
      epoch,
      trainLoss: withExecutor(serialExecutor, () => evaluate(trainSet, params)!),
      seconds: (performance.now() - start) / 1000,
      samplesPerSecond: rate(),
    };
    const testLoss = withExecutor(serialExecutor, () => evaluate(testSet, params));
    if (testLoss !== undefined) r.testLoss = testLoss;
    epochs.push(r);
    await options.onEpoch?.(r);
  };
  await report(0);
  for (let epoch = 1; epoch <= options.epochs && !stopped; epoch++) {
    permutation(order, next);
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      const from = s * batch, to = Math.min(n, from + batch);
      const xb = onPool(() => gatherRows(source.x, order, from, to, xBuf));
      const yb = onPool(() => gatherRows(source.y, order, from, to, yBuf));
      const loss = await trainer.step(xb, yb);
      stepLosses.push(loss);
      seen += to - from;
      stepMs += performance.now() - t0;
      options.onStep?.({ epoch, step: s + 1, steps, loss, samplesPerSecond: rate() });
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
    }
    await report(epoch);
  }
  // The copies toShared made (not a caller's tensor that was shared already).
  if (source.x !== trainSet.x) source.x.dispose();
  if (source.y !== trainSet.y) source.y.dispose();
  const seconds = (performance.now() - start) / 1000;
  return {
    params: await trainer.snapshot(),
    stepLosses,
    epochs,
    seconds,
    stepSeconds: stepMs / 1000,
    samplesPerSecond: rate(),
    stopped,
  };
}
