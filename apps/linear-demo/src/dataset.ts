/**
 * Tabular data sets as float64 tensors, and what is done to them before
 * training: dropping rows with missing values, a seeded train/test split and
 * standardization with the training set's statistics.
 *
 * @module
 */
import { takeRows, Tensor } from "@matgrad/core";
import { permutation, uniform } from "./random.ts";

/** Inputs `x` (n×d) and targets `y` (n×m) with their column names. */
export interface Dataset {
  /** Features, n×d, float64. */
  readonly x: Tensor;
  /** Targets, n×m, float64. */
  readonly y: Tensor;
  /** The d feature names. */
  readonly features: readonly string[];
  /** The m target names. */
  readonly targets: readonly string[];
}

/** Bad data: a message for the user, naming the file, column or row at fault. */
export class DataError extends Error {
  /** Builds the error with a sentence-case `message`. */
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

/**
 * Builds a {@linkcode Dataset} from rows of numbers, dropping every row that
 * holds a NaN and counting them.
 *
 * @example
 * ```ts
 * import { fromRows } from "@matgrad/linear-demo";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const { data, dropped } = fromRows([[1, 2], [NaN, 3], [4, 5]], [[1], [2], [3]], ["a", "b"], ["y"]);
 * assertStrictEquals(dropped, 1);
 * assertEquals(data.x.toArray(), [[1, 2], [4, 5]]);
 * ```
 */
export function fromRows(
  xRows: readonly (readonly number[])[],
  yRows: readonly (readonly number[])[],
  features: readonly string[],
  targets: readonly string[],
): { data: Dataset; dropped: number } {
  const d = features.length, m = targets.length;
  const x: number[] = [], y: number[] = [];
  let dropped = 0;
  for (let i = 0; i < xRows.length; i++) {
    const xr = xRows[i]!, yr = yRows[i]!;
    if (xr.length !== d || yr.length !== m) {
      throw new DataError(
        `fromRows: row ${i} has ${xr.length} features and ${yr.length} targets, ` +
          `expected ${d} and ${m}`,
      );
    }
    if (xr.some(Number.isNaN) || yr.some(Number.isNaN)) {
      dropped++;
      continue;
    }
    x.push(...xr);
    y.push(...yr);
  }
  const n = x.length / Math.max(d, 1);
  return {
    data: {
      x: new Tensor(new Float64Array(x), [d === 0 ? 0 : n, d]),
      y: new Tensor(new Float64Array(y), [y.length / Math.max(m, 1), m]),
      features: [...features],
      targets: [...targets],
    },
    dropped,
  };
}

/** The number of rows (examples) of a data set. */
export function rows(data: Dataset): number {
  return data.x.shape[0]!;
}

/**
 * Copies the rows `index[from…to)` of a 2-D float64 tensor into `out`
 * (allocated when absent): the minibatch gather, allocation-free in the
 * loop. It is core's `takeRows`, so on a pool (the active executor) its rows
 * are split across the threads.
 */
export function gatherRows(
  t: Tensor,
  index: ArrayLike<number>,
  from = 0,
  to = index.length,
  out?: Float64Array,
): Tensor {
  const rows = ArrayBuffer.isView(index)
    ? (index as unknown as Uint32Array).subarray(from, to)
    : Array.prototype.slice.call(index, from, to) as number[];
  const shape = [to - from, t.shape[1]!];
  return out === undefined
    ? takeRows(t, rows)
    : takeRows(t, rows, { out: new Tensor(out.subarray(0, shape[0]! * shape[1]!), shape) });
}

/** Options of {@linkcode splitDataset}. */
export interface SplitOptions {
  /** Share of rows held out for testing, in (0, 1). */
  testFraction: number;
  /** Seed of the shuffle. */
  seed: number;
}

/**
 * Shuffles the rows with a seed and splits them into a training and a test
 * set; the test set gets `round(n · testFraction)` rows, at least one.
 *
 * @example
 * ```ts
 * import { fromRows, rows, splitDataset } from "@matgrad/linear-demo";
 * import { assertEquals } from "@std/assert";
 *
 * const xs = Array.from({ length: 10 }, (_, i) => [i]);
 * const { data } = fromRows(xs, xs, ["x"], ["y"]);
 * const { train, test } = splitDataset(data, { testFraction: 0.2, seed: 1 });
 * assertEquals([rows(train), rows(test)], [8, 2]);
 * ```
 */
export function splitDataset(
  data: Dataset,
  { testFraction, seed }: SplitOptions,
): { train: Dataset; test: Dataset } {
  const n = rows(data);
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
  const order = permutation(new Uint32Array(n), uniform(seed));
  const part = (from: number, to: number): Dataset => ({
    ...data,
    x: gatherRows(data.x, order, from, to),
    y: gatherRows(data.y, order, from, to),
  });
  return { train: part(nTest, n), test: part(0, nTest) };
}

/** Per-column shift and scale: `z = (v − mean) / std`. */
export interface Standardizer {
  /** Column means. */
  readonly mean: readonly number[];
  /** Column standard deviations (1 for a constant column, so it stays finite). */
  readonly std: readonly number[];
}

/**
 * The mean and (population) standard deviation of each column of a 2-D tensor.
 *
 * @example
 * ```ts
 * import { fitStandardizer } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const s = fitStandardizer(tensor([[1, 5], [3, 5]], undefined, "float64"));
 * assertEquals([s.mean, s.std], [[2, 5], [1, 1]]);
 * ```
 */
export function fitStandardizer(t: Tensor): Standardizer {
  const [n, cols] = t.shape as [number, number];
  const mean = new Array<number>(cols).fill(0), std = new Array<number>(cols).fill(0);
  for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) mean[c]! += t.data[i * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= n;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols; c++) std[c]! += (t.data[i * cols + c]! - mean[c]!) ** 2;
  }
  for (let c = 0; c < cols; c++) std[c] = Math.sqrt(std[c]! / n) || 1;
  return { mean, std };
}

/**
 * Applies `(v − mean) / std` column by column to a copy of a 2-D tensor.
 *
 * @example
 * ```ts
 * import { standardize } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const z = standardize(tensor([[1], [3]], undefined, "float64"), { mean: [2], std: [1] });
 * assertEquals(z.toArray(), [[-1], [1]]);
 * ```
 */
export function standardize(t: Tensor, s: Standardizer): Tensor {
  const cols = t.shape[1]!;
  const out = new Float64Array(t.size);
  for (let i = 0; i < t.size; i++) out[i] = (t.data[i]! - s.mean[i % cols]!) / s.std[i % cols]!;
  return new Tensor(out, t.shape);
}

/** The inverse of {@linkcode standardize}: `v = z · std + mean`. */
export function unstandardize(t: Tensor, s: Standardizer): Tensor {
  const cols = t.shape[1]!;
  const out = new Float64Array(t.size);
  for (let i = 0; i < t.size; i++) out[i] = t.data[i]! * s.std[i % cols]! + s.mean[i % cols]!;
  return new Tensor(out, t.shape);
}
