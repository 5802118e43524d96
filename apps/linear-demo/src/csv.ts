/**
 * CSV text to a {@linkcode Dataset}, parsed with the npm package `csv-parse`
 * (quoted fields, embedded commas and newlines, a BOM, CRLF line ends).
 *
 * @module
 */
import { parse } from "csv-parse/sync";
import { DataError, type Dataset, fromRows } from "./dataset.ts";
import { clip, quote } from "./text.ts";

/** Which columns of a CSV to use. */
export interface CsvColumns {
  /** Target column names (one or more). */
  targets: readonly string[];
  /**
   * Feature column names. Default: every other column that holds numbers,
   * skipping columns with no number at all (such as a name column).
   */
  features?: readonly string[];
}

/** A parsed CSV data set, with what was left out. */
export interface CsvDataset {
  /** The data, rows with missing values dropped. */
  data: Dataset;
  /** Rows dropped because a used cell was empty or NaN-like. */
  dropped: number;
  /** Columns left out of the default features because they hold no numbers. */
  ignored: string[];
}

/** Cells read as a missing value (the row is then dropped and counted). */
const MISSING = new Set(["", "nan", "na", "n/a", "null", "?"]);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(inity)?$/i;

/**
 * Reads a cell as a number: NaN for a missing value, ±Infinity for an
 * infinity or a number beyond float64's range (`1e400`), undefined when it
 * is not a number at all.
 */
function cell(text: string): number | undefined {
  const t = text.trim();
  if (MISSING.has(t.toLowerCase())) return NaN;
  if (NUMBER.test(t)) return Number(t);
  const inf = INFINITY.exec(t);
  return inf === null ? undefined : inf[1] === "-" ? -Infinity : Infinity;
}

/** The column names for a message: each clipped, at most 20 of them. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).map((n) => clip(n)).join(", ");
  return names.length > 20 ? `${shown}, … (${names.length} columns)` : shown;
}

/**
 * Parses CSV text with a header row into features and targets.
 *
 * @param text The file's contents.
 * @param columns The target and feature columns.
 * @param source The file's name, for error messages.
 * @throws {DataError} for malformed CSV, a missing column, or a cell that is
 * not a number or not finite (`1e400`, `inf`): the message names the column,
 * the line and the cell (its first 40 characters, when longer). Missing
 * cells (empty, `NaN`, `NA`, `n/a`, `null`, `?`) drop their row instead.
 * @example
 * ```ts
 * import { parseCsv } from "@matgrad/linear-demo/csv";
 * import { assertEquals } from "@std/assert";
 *
 * const csv = "name,a,b,y\np,1,2,3\nq,4,,6\nr,7,8,9\n";
 * const { data, dropped, ignored } = parseCsv(csv, { targets: ["y"] });
 * assertEquals([data.features, dropped, ignored], [["a", "b"], 1, ["name"]]);
 * assertEquals(data.y.toArray(), [[3], [9]]);
 * ```
 */
export function parseCsv(text: string, columns: CsvColumns, source = "the CSV"): CsvDataset {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` each record comes with its line number; the typings miss that overload.
    records = parse(text, {
      skip_empty_lines: true,
      bom: true,
      info: true,
    }) as unknown as typeof records;
  } catch (e) {
    // csv-parse quotes the whole field at fault, which may be megabytes long.
    const message = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
    throw new DataError(`${source}: ${clip(message, 160)}`);
  }
  const [header, ...rest] = records;
  if (header === undefined) throw new DataError(`${source}: the file is empty`);
  const names = header.record.map((h) => h.trim());
  const body = rest.map((r) => r.record);
  const lines = rest.map((r) => r.info.lines);
  const where = (name: string, role: string): number => {
    const at = names.indexOf(name);
    if (at < 0) {
      throw new DataError(
        `${source}: no ${role} column ${quote(name)}; the columns are ${listNames(names)}`,
      );
    }
    return at;
  };
  const targetAt = columns.targets.map((t) => where(t, "target"));
  const ignored: string[] = [];
  let featureAt: number[];
  if (columns.features !== undefined) {
    featureAt = columns.features.map((f) => where(f, "feature"));
  } else {
    featureAt = [];
    names.forEach((name, j) => {
      if (targetAt.includes(j)) return;
      const numeric = body.some((r) => {
        const v = cell(r[j] ?? "");
        return v !== undefined && !Number.isNaN(v);
      });
      if (numeric || body.length === 0) featureAt.push(j);
      else ignored.push(name);
    });
  }
  if (featureAt.length === 0) throw new DataError(`${source}: no numeric feature columns`);
  const read = (r: string[], line: number) => (j: number): number => {
    const raw = r[j] ?? "";
    const v = cell(raw);
    if (v === undefined || v === Infinity || v === -Infinity) {
      throw new DataError(
        `${source}: column ${quote(names[j]!)} has a ${
          v === undefined ? "non-numeric" : "non-finite"
        } cell ${quote(raw)} on line ${line}`,
      );
    }
    return v;
  };
  const xs = body.map((r, i) => featureAt.map(read(r, lines[i]!)));
  const ys = body.map((r, i) => targetAt.map(read(r, lines[i]!)));
  const { data, dropped } = fromRows(
    xs,
    ys,
    featureAt.map((j) => names[j]!),
    targetAt.map((j) => names[j]!),
  );
  return { data, dropped, ignored };
}
