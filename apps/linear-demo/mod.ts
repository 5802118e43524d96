/**
 * The linear-regression demo's reusable parts, free of Deno APIs so that a
 * web page can import them: data sets (synthetic, cars, splits,
 * standardization), the model and its training loop, metrics, the
 * closed-form least-squares fit, the SVG loss chart and the model file format.
 * CSV parsing is at `@matgrad/linear-demo/csv` (it needs Node's `Buffer`).
 *
 * @example
 * ```ts
 * import { leastSquares, meanSquaredError, predict, synthetic, train } from "@matgrad/linear-demo";
 * import { assert } from "@std/assert";
 *
 * const data = synthetic({ samples: 512, dims: 4, outputs: 2, noise: 0.1, seed: 3 });
 * const result = await train(data, undefined, { optimizer: "adam", lr: 0.05, epochs: 20, batchSize: 64, seed: 3 });
 * const best = meanSquaredError(predict(data.x, leastSquares(data.x, data.y)), data.y);
 * assert(result.epochs.at(-1)!.trainLoss < 1.1 * best);
 * ```
 *
 * @module
 */
export { CARS_FEATURES, carsDataset } from "./src/cars.ts";
export {
  DataError,
  type Dataset,
  fitStandardizer,
  fromRows,
  gatherRows,
  rows,
  splitDataset,
  type SplitOptions,
  standardize,
  type Standardizer,
  unstandardize,
} from "./src/dataset.ts";
export { leastSquares, type LinearParams } from "./src/least_squares.ts";
export { meanSquaredError, predict, relativeError, rSquared } from "./src/metrics.ts";
export { createTrainer, linearLoss, type OptimizerOptions, type Trainer } from "./src/model.ts";
export { type DataSpec, modelFromJson, modelToJson, type SavedModel } from "./src/model_file.ts";
export { modelFromSafetensors, modelToSafetensors } from "./src/model_safetensors.ts";
export { type ChartOptions, lossChartSvg, type LossSeries } from "./src/plot.ts";
export { permutation, uniform } from "./src/random.ts";
export { synthetic, type SyntheticData, type SyntheticOptions } from "./src/synthetic.ts";
export {
  type EpochReport,
  type StepReport,
  train,
  type TrainOptions,
  type TrainResult,
} from "./src/train.ts";
