/**
 * The saved-model format: the trained weights together with everything
 * needed to use them on raw data (the standardization fitted on the training
 * set) and to rebuild the data they were trained on.
 *
 * @module
 */
import { Tensor } from "@matgrad/core";
import { DataError, type Standardizer } from "./dataset.ts";
import type { LinearParams } from "./least_squares.ts";

/** Where a model's data came from, enough to load the same rows again. */
export type DataSpec =
  | {
    kind: "synthetic";
    samples: number;
    dims: number;
    outputs: number;
    noise: number;
    seed: number;
  }
  | { kind: "cars" }
  | { kind: "csv"; file: string; targets: string[]; features?: string[] };

/** A trained model as saved by `--save`. */
export interface SavedModel {
  /** Feature names, in the order of W's rows. */
  features: string[];
  /** Target names, in the order of W's columns. */
  targets: string[];
  /** W and b, acting on standardized features and targets when scalers are set. */
  params: LinearParams;
  /** The feature standardization, or null when the model sees raw features. */
  xScale: Standardizer | null;
  /** The target standardization, or null when the model predicts raw targets. */
  yScale: Standardizer | null;
  /** The data the model was trained on. */
  data: DataSpec;
  /** The seed and share of the train/test split. */
  split: { seed: number; testFraction: number };
}

/** The `format` of a saved model, in JSON and in safetensors metadata. */
export const FORMAT = "matgrad-linear-demo/1";

/**
 * Serializes a model to pretty-printed JSON (numbers round-trip exactly).
 *
 * @example
 * ```ts
 * import { modelFromJson, modelToJson } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const model = {
 *   features: ["x"], targets: ["y"], xScale: null, yScale: null,
 *   params: { w: tensor([[0.1]], undefined, "float64"), b: tensor([0.2], undefined, "float64") },
 *   data: { kind: "cars" as const }, split: { seed: 1, testFraction: 0.2 },
 * };
 * assertEquals(modelFromJson(modelToJson(model)).params.w.data, model.params.w.data);
 * ```
 */
export function modelToJson(model: SavedModel): string {
  const { w, b } = model.params;
  const m = w.shape[1]!;
  return JSON.stringify(
    {
      format: FORMAT,
      features: model.features,
      targets: model.targets,
      weights: Array.from(
        { length: w.shape[0]! },
        (_, i) => [...w.data.subarray(i * m, i * m + m)],
      ),
      bias: [...b.data],
      xScale: model.xScale,
      yScale: model.yScale,
      data: model.data,
      split: model.split,
    },
    null,
    2,
  ) + "\n";
}

const isNumbers = (v: unknown, n: number): v is number[] =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" && Number.isFinite(x));
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * Parses and checks a saved model.
 *
 * @throws {DataError} if the text is not JSON or not a model of this format.
 */
export function modelFromJson(text: string, source = "the model file"): SavedModel {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${source}: not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  const isModel = typeof raw === "object" && raw !== null &&
    (raw as Record<string, unknown>).format === FORMAT;
  if (!isModel) {
    throw new DataError(`${source}: not a linear-demo model (expected "format": "${FORMAT}")`);
  }
  return checkModel(raw as Record<string, unknown>, source);
}

/**
 * Checks the fields of a saved model as the JSON format spells them
 * (`weights` D rows of M numbers, `bias`, `xScale`, …) and builds it; shared
 * by both file formats so that they accept the same models.
 *
 * @throws {DataError} naming the first field at fault.
 */
export function checkModel(raw: Record<string, unknown>, source: string): SavedModel {
  const bad = (what: string) => new DataError(`${source}: ${what}`);
  const { features, targets, weights, bias } = raw;
  if (!isStrings(features) || !isStrings(targets) || features.length === 0 || !targets.length) {
    throw bad("features and targets must be non-empty lists of names");
  }
  const d = features.length, m = targets.length;
  if (!Array.isArray(weights) || weights.length !== d || !weights.every((r) => isNumbers(r, m))) {
    throw bad(`weights must be ${d} rows of ${m} finite numbers`);
  }
  if (!isNumbers(bias, m)) throw bad(`bias must be ${m} finite numbers`);
  const scale = (v: unknown, n: number, name: string): Standardizer | null => {
    if (v === null || v === undefined) return null;
    const s = v as Record<string, unknown>;
    if (!isNumbers(s.mean, n) || !isNumbers(s.std, n)) {
      throw bad(`${name} must have mean and std lists of ${n} numbers`);
    }
    return { mean: s.mean, std: s.std };
  };
  const data = raw.data as DataSpec | undefined;
  if (
    typeof data !== "object" || data === null || !["synthetic", "cars", "csv"].includes(data.kind)
  ) {
    throw bad(`data must describe the training data ("kind": synthetic, cars or csv)`);
  }
  const split = raw.split as { seed?: unknown; testFraction?: unknown } | undefined;
  if (typeof split?.seed !== "number" || typeof split.testFraction !== "number") {
    throw bad("split must hold a seed and a testFraction");
  }
  return {
    features,
    targets,
    params: {
      w: new Tensor(new Float64Array((weights as number[][]).flat()), [d, m]),
      b: new Tensor(new Float64Array(bias), [m]),
    },
    xScale: scale(raw.xScale, d, "xScale"),
    yScale: scale(raw.yScale, m, "yScale"),
    data,
    split: { seed: split.seed, testFraction: split.testFraction },
  };
}
