/**
 * Finds repeated and `__proto__` keys in JSON text, which `JSON.parse` lets
 * through silently: it keeps the last of two equal keys, so two readers of
 * one file could disagree about what it holds.
 *
 * @module
 */

/** A key {@linkcode findKeyProblem} objects to, and the keys of the objects around it. */
export interface KeyProblem {
  /** `"duplicate"` for a key seen before in the same object, `"__proto__"` for that key. */
  kind: "duplicate" | "__proto__";
  /** The key itself, unescaped. */
  key: string;
  /** The keys leading to the object that holds it, outermost first (empty at the top level). */
  path: string[];
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Returns the first duplicate or `__proto__` key of any object in `text`, or
 * undefined when there is none. One pass, no recursion (so deep nesting
 * cannot overflow the stack).
 *
 * `text` must already be valid JSON (check it with `JSON.parse` first): the
 * scan relies on that to tell keys from values by the `:` that follows them.
 *
 * @example
 * ```ts
 * import { findKeyProblem } from "./json_keys.ts";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * assertEquals(findKeyProblem('{"a": {"x": 1, "x": 2}}'), {
 *   kind: "duplicate",
 *   key: "x",
 *   path: ["a"],
 * });
 * assertStrictEquals(findKeyProblem('{"a": ["x", "x"]}'), undefined);
 * ```
 */
export function findKeyProblem(text: string): KeyProblem | undefined {
  // One frame per open container: the keys seen so far for an object, null
  // for an array; `last` holds each object's latest key, for the path.
  const frames: (Set<string> | null)[] = [];
  const last: (string | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      frames.push(c === OPEN_OBJECT ? new Set() : null);
      last.push(undefined);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      frames.pop();
      last.pop();
    } else if (c === QUOTE) {
      let end = i + 1, escaped = false;
      for (; text.charCodeAt(end) !== QUOTE; end++) {
        if (text.charCodeAt(end) === BACKSLASH) {
          escaped = true;
          end++; // skip the escaped character, which may be a quote
        }
      }
      const keys = frames[frames.length - 1];
      if (keys) {
        let next = end + 1;
        while (isSpace(text.charCodeAt(next))) next++;
        if (text.charCodeAt(next) === COLON) {
          const raw = text.slice(i, end + 1);
          const key: string = escaped ? JSON.parse(raw) : raw.slice(1, -1);
          if (key === "__proto__" || keys.has(key)) {
            const path = last.slice(0, -1).filter((k): k is string => k !== undefined);
            return { kind: key === "__proto__" ? "__proto__" : "duplicate", key, path };
          }
          keys.add(key);
          last[last.length - 1] = key;
        }
      }
      i = end;
    }
  }
  return undefined;
}
