/**
 * A small seeded generator for the demo's shuffles and splits, so that a run
 * is reproducible from its `--seed` alone on every platform.
 *
 * @module
 */

/**
 * Returns a function giving uniform numbers in [0, 1) from a 32-bit seed
 * (mulberry32: tiny, fast, and good enough to shuffle rows).
 *
 * @example
 * ```ts
 * import { uniform } from "@matgrad/linear-demo";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(uniform(7)(), uniform(7)());
 * ```
 */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fills `out` with a random permutation of 0…out.length−1 (Fisher–Yates).
 *
 * @example
 * ```ts
 * import { permutation, uniform } from "@matgrad/linear-demo";
 * import { assertEquals } from "@std/assert";
 *
 * const p = permutation(new Uint32Array(5), uniform(1));
 * assertEquals([...p].sort(), [0, 1, 2, 3, 4]);
 * ```
 */
export function permutation(out: Uint32Array, next: () => number): Uint32Array {
  for (let i = 0; i < out.length; i++) out[i] = i;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
