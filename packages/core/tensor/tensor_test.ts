import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { checkDType, dtypeOf, Tensor } from "./tensor.ts";
import { allocateFor } from "./storage.ts";
import { formatShape, sameShape, sizeOf } from "./shape.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { assertThrowsExactly } from "../testing/reference.ts";

Deno.test("Tensor wraps its data without copying and freezes its shape", () => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6]);
  const shape = [2, 3];
  const t = new Tensor(data, shape);
  assertStrictEquals(t.data, data);
  assertStrictEquals(t.dtype, "float64");
  assertEquals(t.shape, [2, 3]);
  assertStrictEquals(t.ndim, 2);
  assertStrictEquals(t.size, 6);
  shape[0] = 99; // the caller's array is not the tensor's shape
  assertEquals(t.shape, [2, 3]);
  assert(Object.isFrozen(t.shape));
  data[4] = 50;
  assertStrictEquals((t.toArray() as number[][])[1]![1], 50);
  assertStrictEquals(new Tensor(new Float32Array(2), [2]).dtype, "float32");
  assertStrictEquals(String(t), "Tensor(float64, 2×3)");
});

Deno.test("Tensor.toArray nests by the shape", () => {
  const t = new Tensor(Float64Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
  const n = t.toArray() as number[][][];
  assertStrictEquals(n.length, 2);
  assertEquals(n[1]![2], [20, 21, 22, 23]);
  assertEquals(n[0]![1], [4, 5, 6, 7]);
  assertEquals(new Tensor(new Float32Array([1.5]), []).toArray(), 1.5);
  assertEquals(new Tensor(new Float32Array([1, 2]), [2]).toArray(), [1, 2]);
  assertEquals(new Tensor(new Float32Array(0), [2, 0]).toArray(), [[], []]);
  assertEquals(new Tensor(new Float32Array(0), [0, 3]).toArray(), []);
  // float32 values come back as the float32 numbers, not the decimals written
  assertEquals(new Tensor(Float32Array.from([0.1]), [1]).toArray(), [Math.fround(0.1)]);
});

Deno.test("Tensor.item returns the single element or throws", () => {
  assertStrictEquals(new Tensor(new Float64Array([2.5]), []).item(), 2.5);
  assertStrictEquals(new Tensor(new Float64Array([-3]), [1, 1]).item(), -3);
  assertThrowsExactly(
    () => new Tensor(new Float64Array(2), [2]).item(),
    ShapeError,
    "item: tensor of shape 2 has 2 elements, not 1",
  );
  assertThrowsExactly(
    () => new Tensor(new Float64Array(0), [0, 4]).item(),
    ShapeError,
    "item: tensor of shape 0×4 has 0 elements, not 1",
  );
});

Deno.test("Tensor rejects data that does not fit the shape and bad shapes", () => {
  assertThrowsExactly(
    () => new Tensor(new Float32Array(5), [2, 3]),
    ShapeError,
    "Tensor: data has 5 elements but shape 2×3 needs 6",
  );
  assertThrowsExactly(
    () => new Tensor(new Float32Array(2), []),
    ShapeError,
    "Tensor: data has 2 elements but shape scalar needs 1",
  );
  assertThrowsExactly(
    () => new Tensor(new Float32Array(3), [3, 0.5]),
    ShapeError,
    "Tensor: dimension 1 of shape [3, 0.5] must be a non-negative integer, got 0.5",
  );
  assertThrowsExactly(
    () => new Tensor(new Float32Array(0), [-2, 0]),
    ShapeError,
    "Tensor: dimension 0 of shape [-2, 0] must be a non-negative integer, got -2",
  );
  assertThrowsExactly(
    () => new Tensor(new Float32Array(0), [NaN]),
    ShapeError,
    "Tensor: dimension 0 of shape [NaN] must be a non-negative integer, got NaN",
  );
  // deno-lint-ignore no-explicit-any
  const bad = (x: unknown) => x as any;
  assertThrowsExactly(
    () => new Tensor(new Float32Array(1), bad(1)),
    ShapeError,
    "Tensor: shape must be an array of dimensions, got 1",
  );
  assertThrowsExactly(
    () => new Tensor(bad([1, 2]), [2]),
    DTypeError,
    "Tensor: data must be a Float32Array or Float64Array, got an Array",
  );
  assertThrowsExactly(
    () => new Tensor(bad(new Int32Array(2)), [2]),
    DTypeError,
    "Tensor: data must be a Float32Array or Float64Array, got an Int32Array",
  );
});

Deno.test("dtype helpers", () => {
  assertStrictEquals(dtypeOf(new Float32Array(1)), "float32");
  assertStrictEquals(dtypeOf(new Float64Array(1)), "float64");
  // deno-lint-ignore no-explicit-any
  const bad = (x: unknown) => x as any;
  assertThrowsExactly(
    () => dtypeOf(bad(new Uint8Array(1))),
    DTypeError,
    "dtypeOf: expected a Float32Array or Float64Array, got a Uint8Array",
  );
  assertStrictEquals(checkDType("float32", "f"), "float32");
  assertThrowsExactly(
    () => checkDType("float16", "zeros"),
    DTypeError,
    'zeros: dtype must be "float32" or "float64", got "float16"',
  );
  assertThrowsExactly(
    () => checkDType(undefined, "ones"),
    DTypeError,
    'ones: dtype must be "float32" or "float64", got undefined',
  );
  const a = allocateFor("test", [3], "float64", true);
  assert(a instanceof Float64Array && a.length === 3 && a.every((x) => x === 0));
  assert(allocateFor("test", [0], "float32") instanceof Float32Array);
});

Deno.test("shape helpers", () => {
  assertStrictEquals(formatShape([3, 4]), "3×4");
  assertStrictEquals(formatShape([7]), "7");
  assertStrictEquals(formatShape([]), "scalar");
  assertStrictEquals(sizeOf([2, 3, 4]), 24);
  assertStrictEquals(sizeOf([]), 1);
  assertStrictEquals(sizeOf([5, 0, 2]), 0);
  assertThrowsExactly(
    () => sizeOf([2, Infinity]),
    ShapeError,
    "shape: dimension 1 of shape [2, Infinity] must be a non-negative integer, got Infinity",
  );
  assert(sameShape([2, 3], [2, 3]));
  assert(!sameShape([2, 3], [3, 2]));
  assert(!sameShape([2, 3], [2, 3, 1]));
  assert(sameShape([], []));
});
