/**
 * What a run shows while it works: a live training bar and status lines for
 * the other long phases (cli-progress) on a terminal, plain epoch lines
 * otherwise, and no live output where there is no terminal.
 *
 * @module
 */
import cliProgress from "cli-progress";
import type { Writable } from "node:stream";
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

/** A stream that live output (bars, status lines) redraws in place: a terminal. */
export type LiveStream = Writable;

/** Formats seconds as `42s` or `3m05s`. */
export const fmtSeconds = (s: number): string => {
  const whole = Math.ceil(s);
  return whole < 60
    ? `${whole}s`
    : `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
};

/**
 * The estimated time left, once it means something: after at least two
 * steps and half a second, from the average time per step so far; empty
 * before that and at the end.
 */
export function eta(done: number, total: number, elapsedSeconds: number): string {
  if (done < 2 || done >= total || elapsedSeconds < 0.5) return "";
  return fmtSeconds(((total - done) * elapsedSeconds) / done);
}

/**
 * A live bar: epoch, progress, minibatch loss, samples/s and, once it can be
 * estimated, the time left.
 */
export function barProgress(epochs: number, stream: LiveStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "epoch {epochNo}/{epochs} {bar} {percentage}% | loss {loss} | {rate} samples/s{eta}",
      hideCursor: false, // a hidden cursor would stay hidden after Ctrl-C
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false, t0 = 0;
  return {
    step(r) {
      const done = (r.epoch - 1) * r.steps + r.step, total = epochs * r.steps;
      const left = eta(done, total, (performance.now() - t0) / 1000);
      const payload = {
        epochNo: r.epoch,
        epochs,
        loss: fmtLoss(r.loss),
        rate: fmtRate(r.samplesPerSecond),
        eta: left === "" ? "" : ` | ETA ${left}`,
      };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.update(done, payload);
      }
    },
    epoch(r) {
      if (r.epoch === 0) t0 = performance.now(); // the first step's clock starts here
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/**
 * Shows what a long phase of a run is doing (the closed-form fit, scoring):
 * a status line on a terminal, with a bar when the phase reports how far it
 * got, cleared when it ends. The phases are synchronous, so the line is
 * redrawn only when they report progress.
 */
export interface Status {
  /**
   * Runs `work` under `label`. A `measured` phase calls `done(fraction)` as
   * it goes, fraction in [0, 1].
   */
  run<T>(label: string, work: (done: (fraction: number) => void) => T, measured?: boolean): T;
}

/** No status lines (output that is not a terminal, or `--json` without one). */
export const noStatus: Status = { run: (_label, work) => work(() => {}) };

/** Status lines on a terminal `stream`, drawn by cli-progress. */
export function liveStatus(stream: LiveStream): Status {
  return {
    run(label, work, measured = false) {
      const bar = new cliProgress.SingleBar(
        {
          stream,
          format: measured ? "{label} {bar} {percentage}%" : "{label} …",
          hideCursor: false,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      const steps = 1000;
      bar.start(steps, 0, { label });
      let result: ReturnType<typeof work>;
      try {
        result = work((f) => bar.update(Math.round(Math.min(Math.max(f, 0), 1) * steps)));
      } catch (e) {
        bar.stop();
        throw e;
      }
      if (result instanceof Promise) {
        return result.finally(() => bar.stop()) as typeof result;
      }
      bar.stop();
      return result;
    },
  };
}
