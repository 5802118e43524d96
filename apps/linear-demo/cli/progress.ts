/**
 * Training progress on stdout: a live bar (cli-progress) on a terminal,
 * plain lines otherwise, nothing for `--json`.
 *
 * @module
 */
import cliProgress from "cli-progress";
import process from "node:process";
import type { EpochReport, StepReport } from "../src/train.ts";

/** Receives the training loop's reports. */
export interface Progress {
  /** Called after each step. */
  step(report: StepReport): void;
  /** Called after each epoch (epoch 0 = before training). */
  epoch(report: EpochReport): void;
  /** Called once training is over. */
  stop(): void;
}

/** Formats a loss compactly with 4 significant digits. */
export const fmtLoss = (v: number | undefined): string =>
  v === undefined ? "-" : v >= 1e-3 && v < 1e4 ? v.toPrecision(4) : v.toExponential(3);

/** Formats a rate with thousands separators. */
export const fmtRate = (v: number): string => Math.round(v).toLocaleString("en-US");

/** No output (for `--json`). */
export const silent: Progress = { step() {}, epoch() {}, stop() {} };

/**
 * One line per epoch, thinned to about 20 lines for long runs (the last
 * epoch always prints).
 */
export function plainProgress(epochs: number, write: (line: string) => void): Progress {
  const every = Math.max(1, Math.ceil(epochs / 20));
  const width = String(epochs).length;
  return {
    step() {},
    epoch(r) {
      if (r.epoch % every !== 0 && r.epoch !== epochs) return;
      write(
        `epoch ${String(r.epoch).padStart(width)}/${epochs}  train loss ${fmtLoss(r.trainLoss)}` +
          `  test loss ${fmtLoss(r.testLoss)}` +
          (r.epoch === 0 ? "" : `  ${fmtRate(r.samplesPerSecond)} samples/s`),
      );
    },
    stop() {},
  };
}

/** A live bar on stdout: epoch, progress, minibatch loss, samples/s and ETA. */
export function barProgress(epochs: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stdout,
      format: "epoch {epochNo}/{epochs} {bar} {percentage}% | loss {loss} | {rate} samples/s | " +
        "ETA {eta_formatted}",
      hideCursor: false, // a hidden cursor would stay hidden after Ctrl-C
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    step(r) {
      const payload = {
        epochNo: r.epoch,
        epochs,
        loss: fmtLoss(r.loss),
        rate: fmtRate(r.samplesPerSecond),
      };
      const done = (r.epoch - 1) * r.steps + r.step;
      if (!started) {
        bar.start(epochs * r.steps, done, payload);
        started = true;
      } else {
        bar.update(done, payload);
      }
    },
    epoch() {},
    stop() {
      if (started) bar.stop();
    },
  };
}
