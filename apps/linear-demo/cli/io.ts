/**
 * The demo's file system access, with errors a user can act on.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { DataError } from "../src/dataset.ts";

function explain(e: unknown, writing = false): string {
  if (e instanceof Deno.errors.NotFound) return writing ? "no such directory" : "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (e instanceof Deno.errors.NotADirectory) return "a part of the path is not a directory";
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads a text file, turning a missing or unreadable file into a
 * {@linkcode DataError} naming it.
 */
export async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new DataError(`cannot read ${what} ${path}: ${explain(e)}`);
  }
}

/** Reads a binary file, turning a missing or unreadable file into a {@linkcode DataError}. */
export async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new DataError(`cannot read ${what} ${path}: ${explain(e)}`);
  }
}

/** Writes a binary file, turning a failure into a {@linkcode DataError} naming it. */
export async function writeBytes(path: string, bytes: Uint8Array, what: string): Promise<void> {
  try {
    await Deno.writeFile(path, bytes);
  } catch (e) {
    throw new DataError(`cannot write ${what} ${path}: ${explain(e)}`);
  }
}

/** Writes a text file, turning a failure into a {@linkcode DataError} naming it. */
export async function writeText(path: string, text: string, what: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, text);
  } catch (e) {
    throw new DataError(`cannot write ${what} ${path}: ${explain(e, true)}`);
  }
}

/**
 * Checks, before a run computes anything, that `path` can be written: it is
 * opened for writing (created if missing, never truncated) and closed; a
 * file this creates is removed again, so a run that fails later leaves
 * nothing behind.
 *
 * @throws {DataError} naming the file and the reason.
 */
export async function checkWritable(path: string, what: string): Promise<void> {
  const existed = await Deno.lstat(path).then(() => true, () => false);
  try {
    (await Deno.open(path, { write: true, create: true })).close();
  } catch (e) {
    throw new DataError(`cannot write ${what} ${path}: ${explain(e, true)}`);
  }
  if (!existed) await Deno.remove(path).catch(() => {});
}

/**
 * The records of `vega-datasets`' cars.json, read from the installed npm
 * package. The package's own loader fetches its files from a CDN; its data
 * directory ships in the tarball but is not in its exports, so the path is
 * found from the resolved entry point: no network.
 */
export async function loadCarsRecords(): Promise<unknown> {
  let url: URL;
  try {
    url = new URL("../data/cars.json", import.meta.resolve("vega-datasets"));
  } catch (e) {
    throw new DataError(
      `cannot find the npm package vega-datasets (run npm install): ${explain(e)}`,
    );
  }
  const path = fileURLToPath(url);
  const text = await readText(path, "the cars data set");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`${path}: not valid JSON (${explain(e)})`);
  }
}
