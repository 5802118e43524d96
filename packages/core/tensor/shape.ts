/**
 * Shape helpers: validation, sizes and the `3×4` notation used in messages.
 *
 * @module
 */
import { ShapeError } from "../errors.ts";

/**
 * Formats a shape the way error messages print it: `[3, 4]` becomes `3×4`,
 * a 0-D shape becomes `scalar`.
 *
 * @example
 * ```ts
 * import { formatShape } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(formatShape([3, 4]), "3×4");
 * assertStrictEquals(formatShape([]), "scalar");
 * ```
 */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("×");
}

/**
 * Returns the number of elements of a shape after checking that every
 * dimension is a non-negative integer.
 *
 * @throws {ShapeError} if a dimension is negative, fractional or not a number.
 * @example
 * ```ts
 * import { sizeOf } from "@matgrad/core/backend";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(sizeOf([2, 3, 4]), 24);
 * assertStrictEquals(sizeOf([]), 1);
 * ```
 */
export function sizeOf(shape: readonly number[], fn = "shape"): number {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${fn}: shape must be an array of dimensions, got ${String(shape)}`);
  }
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${fn}: dimension ${i} of shape [${shape.join(", ")}] must be a non-negative integer, got ${
          String(d)
        }`,
      );
    }
    size *= d;
  }
  return size;
}

/** Returns true when two shapes are equal dimension by dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Broadcasts two shapes with NumPy's rules (right-aligned; equal or 1).
 *
 * @throws {ShapeError} naming both shapes and the first axis that clashes
 * (the message is `clash(da, db)` when given).
 * @example
 * ```ts
 * import { broadcastShapes } from "@matgrad/core/backend";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(broadcastShapes([2, 1], [5]), [2, 5]);
 * ```
 */
export function broadcastShapes(
  a: readonly number[],
  b: readonly number[],
  fn = "broadcast",
  clash: (da: number, db: number) => string = (da, db) =>
    `${fn}: batch dimensions ${formatShape(a)} and ${
      formatShape(b)
    } do not broadcast: ${da} and ${db} differ`,
): number[] {
  const nd = Math.max(a.length, b.length);
  const out: number[] = new Array(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(clash(da, db));
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}
