/**
 * A LOCAL STAND-IN for `jsr:@std/assert@1`, holding only the assertions this repository's tests and
 * doc examples use. JSR cannot be reached from the machines this project is built on, so the root
 * `deno.json` maps the standard name to this file:
 *
 * ```json
 * "imports": { "@std/assert": "./testing/std_shim/assert.ts" }
 * ```
 *
 * Tests import the standard name (`import { assertEquals } from "@std/assert"`), never this path.
 * To use the real package, change that one line of the root `deno.json` to
 * `"@std/assert": "jsr:@std/assert@1"` (and `"@std/testing/bdd"` to `"jsr:@std/testing@1/bdd"`);
 * nothing else changes, and this folder can then be deleted.
 *
 * Names, argument orders and semantics follow the `@std/assert` 1.x documentation: `assertEquals` is
 * std's deep structural equality (constructors compared, so a `Float32Array` never equals a
 * `Float64Array`; numbers compared with `===` except that NaN equals NaN, so `0` equals `-0` there),
 * `assertStrictEquals` is `Object.is`, `assertThrows` / `assertRejects` return the error, failures
 * throw an {@linkcode AssertionError} whose message shows actual and expected as a line-wise diff.
 * The diff is plain text (std colours it), and strings are diffed by line where std diffs by word.
 *
 * Not published: nothing under `packages/` imports this from a published module.
 *
 * @module
 */

/** The error every failed assertion throws; `name` is `"AssertionError"`, as in `@std/assert`. */
export class AssertionError extends Error {
  /** Makes an assertion error with the given message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AssertionError";
  }
}

// ---------------------------------------------------------------------------------------------
// Equality and formatting

type KeyedCollection = Set<unknown> | Map<unknown, unknown>;

function sameConstructor(a: object, b: object): boolean {
  return a.constructor === b.constructor ||
    (a.constructor === Object && !b.constructor) ||
    (!a.constructor && b.constructor === Object);
}

/**
 * std's deep equality: primitives by `===` (NaN equal to NaN), `Object.is` for the rest, then for
 * two objects: the same constructor, the same number of own enumerable keys, Map and Set entries
 * deeply equal, every own enumerable string and symbol key deeply equal and present on both sides.
 */
export function equal(actual: unknown, expected: unknown): boolean {
  const seen = new Map<object, object>();
  const compare = (a: unknown, b: unknown): boolean => {
    if (
      a && b &&
      ((a instanceof RegExp && b instanceof RegExp) || (a instanceof URL && b instanceof URL))
    ) {
      return String(a) === String(b);
    }
    if (a instanceof Date && b instanceof Date) {
      const x = a.getTime(), y = b.getTime();
      return (Number.isNaN(x) && Number.isNaN(y)) || x === y;
    }
    if (typeof a === "number" && typeof b === "number") {
      return (Number.isNaN(a) && Number.isNaN(b)) || a === b;
    }
    if (Object.is(a, b)) return true;
    if (!a || typeof a !== "object" || !b || typeof b !== "object") return false;
    if (!sameConstructor(a, b)) return false;
    if (
      a instanceof WeakMap || b instanceof WeakMap || a instanceof WeakSet || b instanceof WeakSet
    ) {
      const bothMaps = a instanceof WeakMap && b instanceof WeakMap;
      const bothSets = a instanceof WeakSet && b instanceof WeakSet;
      if (!bothMaps && !bothSets) return false;
      throw new TypeError(`cannot compare ${bothMaps ? "WeakMap" : "WeakSet"} instances`);
    }
    if (a instanceof WeakRef || b instanceof WeakRef) {
      return a instanceof WeakRef && b instanceof WeakRef && compare(a.deref(), b.deref());
    }
    if (seen.get(a) === b) return true;
    if (Object.keys(a).length !== Object.keys(b).length) return false;
    seen.set(a, b);
    const keyed = (x: object): x is KeyedCollection => x instanceof Set || x instanceof Map;
    if (keyed(a) && keyed(b)) {
      if (a.size !== b.size) return false;
      let unmatched = a.size;
      for (const [ak, av] of a.entries()) {
        for (const [bk, bv] of b.entries()) {
          if (compare(ak, bk) && compare(av, bv)) {
            unmatched--;
            break;
          }
        }
      }
      return unmatched === 0;
    }
    const merged = { ...a, ...b };
    const ra = a as Record<PropertyKey, unknown>, rb = b as Record<PropertyKey, unknown>;
    for (
      const key of [...Object.getOwnPropertyNames(merged), ...Object.getOwnPropertySymbols(merged)]
    ) {
      if (!compare(ra[key], rb[key])) return false;
      if ((key in a) !== (key in b)) return false;
    }
    return true;
  };
  return compare(actual, expected);
}

/** A value as the messages show it: `Deno.inspect` in full and sorted, as std formats it. */
function format(v: unknown): string {
  const inspect = (globalThis as { Deno?: { inspect?: (v: unknown, o: object) => string } }).Deno
    ?.inspect;
  if (typeof inspect === "function") {
    return inspect(v, {
      depth: Infinity,
      sorted: true,
      trailingComma: true,
      compact: false,
      iterableLimit: Infinity,
      getters: true,
      strAbbreviateSize: Infinity,
    });
  }
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Longest common subsequence of two line lists, as `-` (actual only), `+` (expected only), ` `. */
function diffLines(actual: string[], expected: string[]): string[] {
  let start = 0;
  while (start < actual.length && start < expected.length && actual[start] === expected[start]) {
    start++;
  }
  let endA = actual.length, endE = expected.length;
  while (endA > start && endE > start && actual[endA - 1] === expected[endE - 1]) endA--, endE--;
  const a = actual.slice(start, endA), e = expected.slice(start, endE);
  const middle: string[] = [];
  if (a.length * e.length > 4_000_000) {
    for (const line of a) middle.push(`-   ${line}`);
    for (const line of e) middle.push(`+   ${line}`);
  } else {
    // lcs[i][j]: the longest common subsequence of a[i..] and e[j..].
    const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(e.length + 1));
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = e.length - 1; j >= 0; j--) {
        lcs[i]![j] = a[i] === e[j]
          ? lcs[i + 1]![j + 1]! + 1
          : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      }
    }
    let i = 0, j = 0;
    while (i < a.length || j < e.length) {
      if (i < a.length && j < e.length && a[i] === e[j]) {
        middle.push(`    ${a[i++]}`), j++;
      } else if (j >= e.length || (i < a.length && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
        middle.push(`-   ${a[i++]}`);
      } else {
        middle.push(`+   ${e[j++]}`);
      }
    }
  }
  return [
    ...actual.slice(0, start).map((l) => `    ${l}`),
    ...middle,
    ...actual.slice(endA).map((l) => `    ${l}`),
  ];
}

/** The diff block of a failure message: a legend, then actual and expected line by line. */
function diffMessage(actual: unknown, expected: unknown): string {
  const strings = typeof actual === "string" && typeof expected === "string" &&
    (actual.includes("\n") || expected.includes("\n"));
  const lines = strings
    ? diffLines((actual as string).split("\n"), (expected as string).split("\n"))
    : diffLines(format(actual).split("\n"), format(expected).split("\n"));
  return ["", "", "    [Diff] Actual / Expected", "", "", ...lines, ""].join("\n");
}

const suffix = (msg?: string) => msg ? `: ${msg}` : ".";

// ---------------------------------------------------------------------------------------------
// Assertions

/** Asserts that `expr` is truthy; throws an {@linkcode AssertionError} with `msg` otherwise. */
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) throw new AssertionError(msg);
}

/** Fails the test: throws an {@linkcode AssertionError} (`Failed assertion: msg`). */
export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${suffix(msg)}`);
}

/** Asserts deep structural equality ({@linkcode equal}); the message diffs actual and expected. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) return;
  throw new AssertionError(`Values are not equal${suffix(msg)}\n${diffMessage(actual, expected)}`);
}

/** Asserts that `actual` and `expected` are not deeply equal ({@linkcode equal}). */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) return;
  throw new AssertionError(
    `Expected actual: ${String(actual)} not to be: ${String(expected)}${suffix(msg)}`,
  );
}

/** Asserts `Object.is(actual, expected)`; the message diffs the two when they print differently. */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  if (Object.is(actual, expected)) return;
  const a = format(actual), e = format(expected);
  if (a === e) {
    const shown = a.split("\n").map((l) => `    ${l}`).join("\n");
    throw new AssertionError(
      `Values have the same structure but are not reference-equal${suffix(msg)}\n\n${shown}\n`,
    );
  }
  throw new AssertionError(
    `Values are not strictly equal${suffix(msg)}\n${diffMessage(actual, expected)}`,
  );
}

/** Asserts `!Object.is(actual, expected)`. */
export function assertNotStrictEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!Object.is(actual, expected)) return;
  throw new AssertionError(
    `Expected "actual" to not be strictly equal to: ${format(actual)}${suffix(msg)}\n`,
  );
}

/** Asserts that `expected` matches `actual`. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (expected.test(actual)) return;
  throw new AssertionError(`Expected actual: "${actual}" to match: "${expected}"${suffix(msg)}`);
}

/** Asserts that `expected` does not match `actual`. */
export function assertNotMatch(actual: string, expected: RegExp, msg?: string): void {
  if (!expected.test(actual)) return;
  throw new AssertionError(
    `Expected actual: "${actual}" to not match: "${expected}"${suffix(msg)}`,
  );
}

// deno-lint-ignore no-explicit-any
type AnyConstructor = new (...args: any[]) => any;
// deno-lint-ignore no-explicit-any
type ErrorConstructor<E extends Error> = new (...args: any[]) => E;
// deno-lint-ignore no-explicit-any
type AbstractErrorConstructor<E extends Error> = abstract new (...args: any[]) => E;

/** Asserts that `actual` is an instance of `expectedType`. */
export function assertInstanceOf<T extends AnyConstructor>(
  actual: unknown,
  expectedType: T,
  msg = "",
): asserts actual is InstanceType<T> {
  if (actual instanceof expectedType) return;
  const expectedName = expectedType.name;
  let actualName = "";
  if (actual === null) actualName = "null";
  else if (actual === undefined) actualName = "undefined";
  else if (typeof actual === "object") actualName = actual.constructor?.name ?? "Object";
  else actualName = typeof actual;
  const detail = expectedName === actualName
    ? `Expected object to be an instance of "${expectedName}".`
    : `Expected object to be an instance of "${expectedName}" but was "${actualName}".`;
  throw new AssertionError(msg ? `${msg}: ${detail}` : detail);
}

/**
 * Asserts that `error` is an `Error`, an instance of `ErrorClass` when given, whose message
 * includes `msgMatches` (a string) or matches it (a RegExp) when given.
 */
export function assertIsError<E extends Error = Error>(
  error: unknown,
  ErrorClass?: AbstractErrorConstructor<E>,
  msgMatches?: string | RegExp,
  msg?: string,
): asserts error is E {
  if (!(error instanceof Error)) {
    throw new AssertionError(`Expected "error" to be an Error object${suffix(msg)}`);
  }
  if (ErrorClass && !(error instanceof ErrorClass)) {
    throw new AssertionError(
      `Expected error to be instance of "${ErrorClass.name}", but was "${error.constructor?.name}"${
        suffix(msg)
      }`,
    );
  }
  if (msgMatches === undefined || msgMatches === "") return;
  const ok = typeof msgMatches === "string"
    ? error.message.includes(msgMatches)
    : msgMatches.test(error.message);
  if (ok) return;
  const wanted = typeof msgMatches === "string" ? JSON.stringify(msgMatches) : String(msgMatches);
  throw new AssertionError(
    `Expected error message to include ${wanted}, but got ${JSON.stringify(error.message)}${
      suffix(msg)
    }`,
  );
}

function isErrorClass(x: unknown): x is ErrorConstructor<Error> {
  return typeof x === "function" &&
    (x.prototype instanceof Error || x.prototype === Error.prototype);
}

/** Asserts that `fn` throws; returns what it threw. */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
/**
 * Asserts that `fn` throws an instance of `ErrorClass` whose message includes `msgIncludes` (when
 * given); returns the error.
 */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  ErrorClass: ErrorConstructor<E>,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  errorClassOrMsg?: ErrorConstructor<E> | string,
  msgIncludesOrMsg?: string,
  msg?: string,
): E | unknown {
  let ErrorClass: ErrorConstructor<E> | undefined;
  let msgIncludes: string | undefined;
  if (typeof errorClassOrMsg === "string") msg = errorClassOrMsg;
  else if (errorClassOrMsg === undefined || isErrorClass(errorClassOrMsg)) {
    ErrorClass = errorClassOrMsg;
    msgIncludes = msgIncludesOrMsg;
  } // as in std, anything else in that place is ignored
  try {
    fn();
  } catch (error) {
    if (ErrorClass) {
      if (!(error instanceof Error)) {
        throw new AssertionError(`A non-Error object was thrown${suffix(msg)}`);
      }
      assertIsError(error, ErrorClass, msgIncludes, msg);
    }
    return error;
  }
  throw new AssertionError(`Expected function to throw${suffix(msg)}`);
}

/** Asserts that the promise `fn` returns rejects; resolves to the rejection reason. */
export function assertRejects(fn: () => PromiseLike<unknown>, msg?: string): Promise<unknown>;
/**
 * Asserts that the promise `fn` returns rejects with an instance of `ErrorClass` whose message
 * includes `msgIncludes` (when given); resolves to the error.
 */
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  ErrorClass: ErrorConstructor<E>,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  errorClassOrMsg?: ErrorConstructor<E> | string,
  msgIncludesOrMsg?: string,
  msg?: string,
): Promise<E | unknown> {
  let ErrorClass: ErrorConstructor<E> | undefined;
  let msgIncludes: string | undefined;
  if (typeof errorClassOrMsg === "string") msg = errorClassOrMsg;
  else if (errorClassOrMsg === undefined || isErrorClass(errorClassOrMsg)) {
    ErrorClass = errorClassOrMsg;
    msgIncludes = msgIncludesOrMsg;
  } // as in std, anything else in that place is ignored
  let promise: unknown;
  try {
    promise = fn();
  } catch {
    throw new AssertionError(`Function throws when expected to reject${suffix(msg)}`);
  }
  if (
    !promise || typeof promise !== "object" ||
    typeof (promise as { then?: unknown }).then !== "function"
  ) {
    throw new AssertionError(`Function throws when expected to reject${suffix(msg)}`);
  }
  try {
    await promise;
  } catch (error) {
    if (ErrorClass) {
      if (!(error instanceof Error)) {
        throw new AssertionError(`A non-Error object was rejected${suffix(msg)}`);
      }
      assertIsError(error, ErrorClass, msgIncludes, msg);
    }
    return error;
  }
  throw new AssertionError(`Expected function to reject${suffix(msg)}`);
}
