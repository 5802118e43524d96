/**
 * Quoting user text in messages: a cell, a name or a flag's value is shown
 * in full when short, and cut to its first characters, followed by "…",
 * when long, so that one bad 10 MB cell never becomes a 10 MB line.
 *
 * @module
 */

/** How many characters of a user's text a message quotes. */
export const QUOTE_CHARS = 40;

/**
 * `text` if it has at most `max` characters, else its first `max` followed
 * by "…" (never splitting a surrogate pair).
 *
 * @example
 * ```ts
 * import { clip } from "./text.ts";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(clip("short"), "short");
 * assertStrictEquals(clip("x".repeat(1e6), 3), "xxx…");
 * ```
 */
export function clip(text: string, max = QUOTE_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate without its pair
  return text.slice(0, end) + "…";
}

/**
 * A user's text for a message: clipped, in double quotes, with quotes,
 * backslashes and control characters (a newline in a quoted CSV cell)
 * escaped so that the message stays on one line.
 *
 * @example
 * ```ts
 * import { quote } from "./text.ts";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(quote("x1"), '"x1"');
 * assertStrictEquals(quote("a\nb"), '"a\\nb"');
 * assertStrictEquals(quote("y".repeat(100)), `"${"y".repeat(40)}…"`);
 * ```
 */
export function quote(text: string, max = QUOTE_CHARS): string {
  return JSON.stringify(clip(text, max));
}
