import { assertEquals, assertStrictEquals } from "@std/assert";
import { reshape } from "./reshape.ts";
import { tensor, zeros } from "../tensor/constructors.ts";
import { ShapeError } from "../errors.ts";
import { assertThrowsExactly } from "../testing/reference.ts";

Deno.test("reshape keeps row-major order and shares data", () => {
  const t = tensor([1, 2, 3, 4, 5, 6], undefined, "float64");
  const r = reshape(t, [3, 2]);
  assertEquals(r.toArray(), [[1, 2], [3, 4], [5, 6]]);
  assertStrictEquals(r.data, t.data);
  assertStrictEquals(r.dtype, "float64");
  assertEquals(reshape(r, [6]).toArray(), [1, 2, 3, 4, 5, 6]);
  assertEquals(reshape(tensor([7]), []).shape, []);
  assertEquals(reshape(tensor(7), [1, 1, 1]).shape, [1, 1, 1]);
  assertEquals(reshape(zeros([0, 3]), [3, 0, 2]).shape, [3, 0, 2]);
  // the input keeps its own shape
  assertEquals(t.shape, [6]);
});

Deno.test("reshape infers one -1 dimension", () => {
  const t = zeros([2, 3, 4]);
  assertEquals(reshape(t, [-1]).shape, [24]);
  assertEquals(reshape(t, [4, -1]).shape, [4, 6]);
  assertEquals(reshape(t, [-1, 2, 3]).shape, [4, 2, 3]);
  assertEquals(reshape(zeros([0, 4]), [-1, 2]).shape, [0, 2]);
});

Deno.test("reshape rejects sizes that differ and bad dimensions", () => {
  const t = zeros([2, 3]);
  assertThrowsExactly(
    () => reshape(t, [4, 2]),
    ShapeError,
    "reshape: cannot reshape 2×3 (6 elements) to 4×2 (8 elements)",
  );
  assertThrowsExactly(
    () => reshape(t, [4, -1]),
    ShapeError,
    "reshape: cannot reshape 2×3 (6 elements) to [4, -1]",
  );
  assertThrowsExactly(
    () => reshape(zeros([0, 3]), [0, -1]),
    ShapeError,
    "reshape: cannot reshape 0×3 (0 elements) to [0, -1]",
  );
  assertThrowsExactly(
    () => reshape(t, [-1, -1]),
    ShapeError,
    "reshape: only one dimension may be -1, got [-1, -1]",
  );
  assertThrowsExactly(
    () => reshape(t, [-2, -3]),
    ShapeError,
    "reshape: dimension 0 of shape [-2, -3] must be a non-negative integer, got -2",
  );
  assertThrowsExactly(
    () => reshape(t, [2, 1.5, 2]),
    ShapeError,
    "reshape: dimension 1 of shape [2, 1.5, 2] must be a non-negative integer, got 1.5",
  );
  // deno-lint-ignore no-explicit-any
  const bad = (x: unknown) => x as any;
  assertThrowsExactly(
    () => reshape(t, bad(6)),
    ShapeError,
    "reshape: shape must be an array of dimensions, got 6",
  );
  assertThrowsExactly(
    () => reshape(bad([1, 2]), [2]),
    TypeError,
    "reshape: expected a Tensor, got an Array",
  );
});
