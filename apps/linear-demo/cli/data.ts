/**
 * Loading the data of a run (synthetic, cars or CSV), splitting and
 * standardizing it, and scoring parameters on it in the targets' units.
 *
 * @module
 */
import type { Tensor } from "@matgrad/core";
import { carsDataset } from "../src/cars.ts";
import { parseCsv } from "../src/csv.ts";
import {
  DataError,
  type Dataset,
  fitStandardizer,
  rows,
  splitDataset,
  standardize,
  type Standardizer,
  unstandardize,
} from "../src/dataset.ts";
import type { LinearParams } from "../src/least_squares.ts";
import { meanSquaredError, predict, rSquared } from "../src/metrics.ts";
import type { DataSpec } from "../src/model_file.ts";
import { synthetic } from "../src/synthetic.ts";
import type { Config } from "./args.ts";
import { loadCarsRecords, readText } from "./io.ts";
/** The data of a run: raw train/test sets, what the model trains on, and how they relate. */
export interface Prepared {
  spec: DataSpec;
  description: string;
  raw: { train: Dataset; test: Dataset };
  /** Standardized copies for real data; the raw sets for synthetic data. */
  fit: { train: Dataset; test: Dataset };
  xScale: Standardizer | null;
  yScale: Standardizer | null;
  dropped: number;
  ignored: string[];
  wTrue?: Tensor;
}

/** The data a command line asks for. */
export function specOf(config: Config): DataSpec {
  if (config.data === "synthetic") {
    const { samples, dims, outputs, noise, seed } = config;
    return { kind: "synthetic", samples, dims, outputs, noise, seed };
  }
  if (config.data === "cars") return { kind: "cars" };
  const spec: DataSpec = { kind: "csv", file: config.csv!, targets: config.targets! };
  if (config.features !== undefined) spec.features = config.features;
  return spec;
}

/**
 * Loads the data of `spec`, checks it has enough rows, splits it and, for
 * real data, standardizes it with the training rows' statistics.
 *
 * @throws {DataError} for a missing file, bad CSV or too few rows.
 */
export async function prepare(
  spec: DataSpec,
  split: { seed: number; testFraction: number },
): Promise<Prepared> {
  let data: Dataset, dropped = 0, ignored: string[] = [], wTrue: Tensor | undefined;
  let description: string;
  if (spec.kind === "synthetic") {
    const s = synthetic(spec);
    data = s;
    wTrue = s.wTrue;
    description = `synthetic: X ~ N(0,1) ${spec.samples}×${spec.dims}, ` +
      `Y = X·W* + b* + N(0, ${spec.noise}²) with ${spec.outputs} outputs, seed ${spec.seed}`;
  } else if (spec.kind === "cars") {
    ({ data, dropped } = carsDataset(await loadCarsRecords()));
    description = "cars (vega-datasets): Miles_per_Gallon from " + data.features.join(", ");
  } else {
    const text = await readText(spec.file, "CSV file");
    const columns = spec.features === undefined
      ? { targets: spec.targets }
      : { targets: spec.targets, features: spec.features };
    ({ data, dropped, ignored } = parseCsv(text, columns, spec.file));
    description = `${spec.file}: ${data.targets.join(", ")} from ${data.features.join(", ")}`;
  }
  const d = data.features.length;
  const need = Math.max(10, d + 2);
  if (rows(data) < need) {
    const source = spec.kind === "csv" ? spec.file : spec.kind;
    throw new DataError(
      `too few rows: ${source} has ${rows(data)} usable rows` +
        (dropped ? ` (${dropped} dropped for missing values)` : "") +
        `; ${d} features need at least ${need}`,
    );
  }
  const raw = splitDataset(data, split);
  let fit = raw, xScale: Standardizer | null = null, yScale: Standardizer | null = null;
  if (spec.kind !== "synthetic") {
    // Statistics of the training rows only, so nothing of the test set leaks into the fit.
    xScale = fitStandardizer(raw.train.x);
    yScale = fitStandardizer(raw.train.y);
    const scale = (s: Dataset): Dataset => ({
      ...s,
      x: standardize(s.x, xScale!),
      y: standardize(s.y, yScale!),
    });
    fit = { train: scale(raw.train), test: scale(raw.test) };
  }
  const prepared: Prepared = { spec, description, raw, fit, xScale, yScale, dropped, ignored };
  if (wTrue !== undefined) prepared.wTrue = wTrue;
  return prepared;
}

/** Predictions in the targets' own units from raw features. */
export function predictRaw(
  x: Tensor,
  params: LinearParams,
  xScale: Standardizer | null,
  yScale: Standardizer | null,
) {
  const p = predict(xScale ? standardize(x, xScale) : x, params);
  return yScale ? unstandardize(p, yScale) : p;
}

/** Errors of a model in the targets' own units. */
export interface Scores {
  trainMse: number;
  testMse: number;
  trainR2: number;
  testR2: number;
}

/** MSE and R² on the raw train and test rows. */
export function score(
  p: Prepared,
  params: LinearParams,
  xScale = p.xScale,
  yScale = p.yScale,
): Scores {
  const { train: tr, test } = p.raw;
  const pTr = predictRaw(tr.x, params, xScale, yScale);
  const pTe = predictRaw(test.x, params, xScale, yScale);
  return {
    trainMse: meanSquaredError(pTr, tr.y),
    testMse: meanSquaredError(pTe, test.y),
    trainR2: rSquared(pTr, tr.y),
    testR2: rSquared(pTe, test.y),
  };
}
