import { assertEquals, assertNotStrictEquals, assertStrictEquals } from "@std/assert";
import { transpose } from "./transpose.ts";
import { Tensor } from "../tensor/tensor.ts";
import { tensor, zeros } from "../tensor/constructors.ts";
import { ShapeError } from "../errors.ts";
import { assertThrowsExactly } from "../testing/reference.ts";

Deno.test("transpose swaps the axes of a matrix into a copy", () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]], undefined, "float64");
  const u = transpose(t);
  assertEquals(u.shape, [3, 2]);
  assertEquals(u.toArray(), [[1, 4], [2, 5], [3, 6]]);
  assertStrictEquals(u.dtype, "float64");
  assertNotStrictEquals(u.data, t.data);
  assertEquals(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assertEquals(transpose(u).toArray(), t.toArray());
  assertEquals(transpose(tensor([[7]])).toArray(), [[7]]);
  assertEquals(transpose(zeros([0, 3])).shape, [3, 0]);
});

Deno.test("transpose swaps the last two axes of every matrix in a stack", () => {
  const shape = [2, 3, 4, 5];
  const t = new Tensor(Float64Array.from({ length: 120 }, (_, i) => i), shape);
  const u = transpose(t);
  assertEquals(u.shape, [2, 3, 5, 4]);
  const src = t.toArray() as number[][][][];
  const dst = u.toArray() as number[][][][];
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 5; j++) assertStrictEquals(dst[a]![b]![j]![i], src[a]![b]![i]![j]);
      }
    }
  }
  assertEquals(transpose(zeros([2, 0, 3])).shape, [2, 3, 0]);
  assertEquals(transpose(zeros([0, 2, 3])).shape, [0, 3, 2]);
});

Deno.test("transpose needs at least two dimensions and a Tensor", () => {
  assertThrowsExactly(
    () => transpose(zeros([3])),
    ShapeError,
    "transpose: needs at least 2 dimensions, got shape 3",
  );
  assertThrowsExactly(
    () => transpose(zeros([])),
    ShapeError,
    "transpose: needs at least 2 dimensions, got shape scalar",
  );
  // deno-lint-ignore no-explicit-any
  const bad = null as any;
  assertThrowsExactly(() => transpose(bad), TypeError, "transpose: expected a Tensor, got null");
});
