/// <reference lib="dom" />
/**
 * The live loss chart: a thin wrapper over uPlot (bundled from npm) with a
 * logarithmic loss axis, since the loss falls by orders of magnitude.
 *
 * @module
 */
import uPlot from "uplot";

/** A loss-per-epoch chart that grows as points arrive. */
export class LossChart {
  readonly #plot: uPlot;
  readonly #epochs: number[] = [];
  readonly #train: number[] = [];
  readonly #test: (number | null)[] = [];
  #pending = false;

  /** Draws an empty chart into `parent`. */
  constructor(parent: HTMLElement) {
    const width = Math.max(320, parent.clientWidth - 16);
    this.#plot = new uPlot(
      {
        width,
        height: 300,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [
          // Whole epochs only: 1-2-5 steps.
          { label: "epoch", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
          { label: "MSE loss (log scale)", size: 70 },
        ],
        series: [
          { label: "epoch" },
          { label: "train loss", stroke: "#2b5fd9", width: 2 },
          { label: "test loss", stroke: "#c98a00", width: 2, dash: [6, 4] },
        ],
      },
      [[], [], []],
      parent,
    );
  }

  /** Clears every point. */
  reset(): void {
    this.#epochs.length = 0;
    this.#train.length = 0;
    this.#test.length = 0;
    this.#plot.setData([[], [], []]);
  }

  /** Adds one epoch; redraws at most once per animation frame. */
  push(epoch: number, trainLoss: number, testLoss?: number): void {
    this.#epochs.push(epoch);
    // A log axis cannot show 0; the smallest positive double stands in.
    this.#train.push(Math.max(trainLoss, Number.MIN_VALUE));
    this.#test.push(testLoss === undefined ? null : Math.max(testLoss, Number.MIN_VALUE));
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.#plot.setData([this.#epochs, this.#train, this.#test]);
    });
  }
}
