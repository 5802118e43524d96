/**
 * The cars data set of the npm package `vega-datasets` (the UCI Auto MPG
 * data): its records turned into features and a miles-per-gallon target.
 *
 * @module
 */
import { DataError, type Dataset, fromRows } from "./dataset.ts";

/** The numeric columns of cars.json used as features. */
const NUMERIC = [
  "Cylinders",
  "Displacement",
  "Horsepower",
  "Weight_in_lbs",
  "Acceleration",
] as const;

/** The feature names {@linkcode carsDataset} produces, in column order. */
export const CARS_FEATURES: readonly string[] = [
  ...NUMERIC,
  "Year",
  "Origin_Europe",
  "Origin_Japan",
];

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : NaN;
}

/**
 * Turns cars.json records into a data set predicting `Miles_per_Gallon` from
 * the numeric columns, the model year and the origin (one-hot, USA as the
 * baseline). Records with a missing value are dropped and counted.
 *
 * @throws {DataError} if `records` is not an array of objects.
 * @example
 * ```ts
 * import { carsDataset } from "@matgrad/linear-demo";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const { data, dropped } = carsDataset([
 *   { Miles_per_Gallon: 18, Cylinders: 8, Displacement: 307, Horsepower: 130,
 *     Weight_in_lbs: 3504, Acceleration: 12, Year: "1970-01-01", Origin: "USA" },
 *   { Miles_per_Gallon: null, Cylinders: 4, Displacement: 97, Horsepower: 88,
 *     Weight_in_lbs: 2130, Acceleration: 14.5, Year: "1970-01-01", Origin: "Japan" },
 * ]);
 * assertStrictEquals(dropped, 1);
 * assertEquals(data.x.toArray(), [[8, 307, 130, 3504, 12, 1970, 0, 0]]);
 * ```
 */
export function carsDataset(records: unknown): { data: Dataset; dropped: number } {
  if (!Array.isArray(records)) {
    throw new DataError("cars: expected an array of records in cars.json");
  }
  const xs: number[][] = [], ys: number[][] = [];
  for (const [i, r] of records.entries()) {
    if (typeof r !== "object" || r === null) {
      throw new DataError(`cars: record ${i} of cars.json is not an object`);
    }
    const rec = r as Record<string, unknown>;
    const year = typeof rec.Year === "string" ? Number.parseInt(rec.Year.slice(0, 4), 10) : NaN;
    const origin = rec.Origin;
    const known = origin === "USA" || origin === "Europe" || origin === "Japan";
    xs.push([
      ...NUMERIC.map((k) => num(rec[k])),
      year,
      known ? Number(origin === "Europe") : NaN,
      known ? Number(origin === "Japan") : NaN,
    ]);
    ys.push([num(rec.Miles_per_Gallon)]);
  }
  return fromRows(xs, ys, CARS_FEATURES, ["Miles_per_Gallon"]);
}
