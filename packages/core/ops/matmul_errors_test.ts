import { assertEquals, assertInstanceOf } from "@std/assert";
import { matmul, matmulGrad } from "./matmul.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { type DType, Tensor } from "../tensor/tensor.ts";
import { zeros } from "../tensor/constructors.ts";
import { assertThrowsExactly, bytesOf } from "../testing/reference.ts";

const z = (shape: number[], dtype: DType = "float32") => zeros(shape, dtype);

Deno.test("matmul names both shapes and the options when inner dimensions differ", () => {
  const cases: [number[], number[], boolean, boolean, string][] = [
    [
      [3, 4],
      [5, 2],
      false,
      false,
      "matmul: cannot multiply 3×4 by 5×2: inner dimensions 4 and 5 differ",
    ],
    [
      [3, 4],
      [5, 2],
      true,
      false,
      "matmul: cannot multiply 3×4 by 5×2 with transposeA: inner dimensions 3 and 5 differ",
    ],
    [
      [3, 4],
      [5, 2],
      false,
      true,
      "matmul: cannot multiply 3×4 by 5×2 with transposeB: inner dimensions 4 and 2 differ",
    ],
    [
      [3, 4],
      [5, 2],
      true,
      true,
      "matmul: cannot multiply 3×4 by 5×2 with transposeA and transposeB: inner dimensions 3 and 2 differ",
    ],
    [[3], [4], false, false, "matmul: cannot multiply 3 by 4: inner dimensions 3 and 4 differ"],
    [
      [2, 3, 4],
      [3],
      false,
      false,
      "matmul: cannot multiply 2×3×4 by 3: inner dimensions 4 and 3 differ",
    ],
    // the inner dimension is right only without the flag
    [
      [4, 3],
      [4, 2],
      false,
      false,
      "matmul: cannot multiply 4×3 by 4×2: inner dimensions 3 and 4 differ",
    ],
  ];
  for (const [as, bs, transposeA, transposeB, message] of cases) {
    assertThrowsExactly(
      () => matmul(z(as), z(bs), { transposeA, transposeB }),
      ShapeError,
      message,
    );
  }
  assertThrowsExactly(
    () => matmulGrad(z([3, 4]), z([5, 5]), z([3, 5])),
    ShapeError,
    "matmulGrad: cannot multiply 3×4 by 5×5: inner dimensions 4 and 5 differ",
  );
});

Deno.test("matmul rejects 0-D operands", () => {
  assertThrowsExactly(
    () => matmul(z([]), z([4])),
    ShapeError,
    "matmul: operand A is 0-D (a scalar); matmul needs at least 1 dimension, got scalar and 4",
  );
  assertThrowsExactly(
    () => matmul(z([3, 4]), z([])),
    ShapeError,
    "matmul: operand B is 0-D (a scalar); matmul needs at least 1 dimension, got 3×4 and scalar",
  );
  assertThrowsExactly(
    () => matmulGrad(z([]), z([]), z([])),
    ShapeError,
    "matmulGrad: operand A is 0-D (a scalar); matmul needs at least 1 dimension, got scalar and scalar",
  );
});

Deno.test("matmul rejects batch dimensions that do not broadcast", () => {
  assertThrowsExactly(
    () => matmul(z([2, 3, 4]), z([3, 4, 5])),
    ShapeError,
    "matmul: batch dimensions 2 and 3 do not broadcast: 2 and 3 differ",
  );
  assertThrowsExactly(
    () => matmul(z([2, 1, 3, 4]), z([3, 3, 4, 5])),
    ShapeError,
    "matmul: batch dimensions 2×1 and 3×3 do not broadcast: 2 and 3 differ",
  );
  assertThrowsExactly(
    () => matmulGrad(z([2, 3, 4]), z([0, 4, 5]), z([0, 3, 5])),
    ShapeError,
    "matmulGrad: batch dimensions 2 and 0 do not broadcast: 2 and 0 differ",
  );
});

Deno.test("matmulGrad rejects a dC whose shape is not the product's", () => {
  const cases: [number[], number[], number[], string][] = [
    [
      [3, 4],
      [4, 5],
      [3, 4],
      "matmulGrad: dC has shape 3×4 but the product of 3×4 and 4×5 has shape 3×5",
    ],
    [
      [3, 4],
      [4, 5],
      [5, 3],
      "matmulGrad: dC has shape 5×3 but the product of 3×4 and 4×5 has shape 3×5",
    ],
    [[4], [4], [1], "matmulGrad: dC has shape 1 but the product of 4 and 4 has shape scalar"],
    [
      [2, 1, 3, 4],
      [5, 4, 6],
      [2, 3, 6],
      "matmulGrad: dC has shape 2×3×6 but the product of 2×1×3×4 and 5×4×6 has shape 2×5×3×6",
    ],
  ];
  for (const [as, bs, cs, message] of cases) {
    assertThrowsExactly(() => matmulGrad(z(as), z(bs), z(cs)), ShapeError, message);
  }
});

Deno.test("matmul and matmulGrad reject non-Tensor arguments and non-boolean options", () => {
  // deno-lint-ignore no-explicit-any
  const bad = (x: unknown) => x as any;
  assertThrowsExactly(
    () => matmul(bad(3), z([2])),
    TypeError,
    "matmul: A must be a Tensor, got number 3",
  );
  assertThrowsExactly(
    () => matmul(z([2]), bad([[1], [2]])),
    TypeError,
    "matmul: B must be a Tensor, got an Array",
  );
  assertThrowsExactly(
    () => matmul(z([2]), bad(new Float32Array(2))),
    TypeError,
    "matmul: B must be a Tensor, got a Float32Array",
  );
  assertThrowsExactly(
    () => matmulGrad(bad(undefined), z([2]), z([])),
    TypeError,
    "matmulGrad: A must be a Tensor, got undefined",
  );
  assertThrowsExactly(
    () => matmulGrad(z([2]), z([2]), bad(null)),
    TypeError,
    "matmulGrad: dC must be a Tensor, got null",
  );
  assertThrowsExactly(
    () => matmul(z([2, 2]), z([2, 2]), { transposeA: bad("yes") }),
    TypeError,
    'matmul: option transposeA must be a boolean, got "yes"',
  );
  assertThrowsExactly(
    () => matmulGrad(z([2, 2]), z([2, 2]), z([2, 2]), { transposeB: bad(1) }),
    TypeError,
    "matmulGrad: option transposeB must be a boolean, got number 1",
  );
  assertThrowsExactly(
    () => matmul(z([2, 2]), z([2, 2]), { out: bad(new Float32Array(4)) }),
    TypeError,
    "matmul: out must be a Tensor, got a Float32Array",
  );
});

/** A tensor full of a recognisable pattern, and a snapshot of its bytes. */
function pattern(shape: number[], dtype: DType): [Tensor, Uint8Array] {
  const t = z(shape, dtype);
  for (let i = 0; i < t.size; i++) t.data[i] = 1000 + i;
  return [t, bytesOf(t.data)];
}

Deno.test("matmul rejects a bad out and leaves it untouched", () => {
  const a = z([2, 3]);
  const b = z([3, 2]);
  const [wrongShape, s1] = pattern([2, 3], "float32");
  assertThrowsExactly(
    () => matmul(a, b, { out: wrongShape }),
    ShapeError,
    "matmul: out has shape 2×3 but the result has shape 2×2",
  );
  assertEquals(bytesOf(wrongShape.data), s1);
  const [wrongDType, s2] = pattern([2, 2], "float64");
  assertThrowsExactly(
    () => matmul(a, b, { out: wrongDType }),
    DTypeError,
    "matmul: out has dtype float64 but the result is float32",
  );
  assertEquals(bytesOf(wrongDType.data), s2);
  // mixed operands give float64, so a float32 out is wrong
  const [f32, s3] = pattern([2, 2], "float32");
  assertThrowsExactly(
    () => matmul(a, z([3, 2], "float64"), { out: f32 }),
    DTypeError,
    "matmul: out has dtype float32 but the result is float64",
  );
  assertEquals(bytesOf(f32.data), s3);
  const [sq, s4] = pattern([2, 2], "float32");
  for (const [x, y] of [[sq, z([2, 2])], [z([2, 2]), sq]]) {
    assertThrowsExactly(
      () => matmul(x!, y!, { out: sq }),
      RangeError,
      "matmul: out shares memory with an input (Tensor(float32, 2×2)); the kernel would read what it writes",
    );
    assertEquals(bytesOf(sq.data), s4);
  }
  // a view that overlaps part of an input counts as aliasing
  const buf = new Float32Array(6);
  const input = new Tensor(buf.subarray(0, 4), [2, 2]);
  const view = new Tensor(buf.subarray(2, 6), [2, 2]);
  assertThrowsExactly(
    () => matmul(input, z([2, 2]), { out: view }),
    RangeError,
    "matmul: out shares memory with an input (Tensor(float32, 2×2)); the kernel would read what it writes",
  );
  // disjoint views of one buffer do not alias
  const c = new Tensor(buf.subarray(4, 6), [1, 2]);
  matmul(new Tensor(buf.subarray(0, 2), [1, 2]), z([2, 2]), { out: c });
  assertEquals([...buf], [0, 0, 0, 0, 0, 0]);
});

Deno.test("matmulGrad rejects a bad outA or outB and leaves both untouched", () => {
  const a = z([2, 3]);
  const b = z([3, 4], "float64");
  const dC = z([2, 4]);
  const cases: [() => [Tensor, Tensor], new (m: string) => Error, string][] = [
    [
      () => [z([3, 2]), z([3, 4], "float64")],
      ShapeError,
      "matmulGrad: outA has shape 3×2 but the result has shape 2×3",
    ],
    [
      () => [z([2, 3]), z([4, 3], "float64")],
      ShapeError,
      "matmulGrad: outB has shape 4×3 but the result has shape 3×4",
    ],
    // each gradient comes back in its own operand's dtype
    [
      () => [z([2, 3], "float64"), z([3, 4], "float64")],
      DTypeError,
      "matmulGrad: outA has dtype float64 but the result is float32",
    ],
    [
      () => [z([2, 3]), z([3, 4])],
      DTypeError,
      "matmulGrad: outB has dtype float32 but the result is float64",
    ],
  ];
  for (const [make, type, message] of cases) {
    const [outA, outB] = make();
    for (const t of [outA, outB]) for (let i = 0; i < t.size; i++) t.data[i] = 7 + i;
    const before = [bytesOf(outA.data), bytesOf(outB.data)];
    assertThrowsExactly(() => matmulGrad(a, b, dC, { outA, outB }), type, message);
    assertEquals([bytesOf(outA.data), bytesOf(outB.data)], before, message);
  }
  const [sq, snap] = pattern([2, 2], "float32");
  for (const opts of [{ outA: sq }, { outB: sq }]) {
    const name = "outA" in opts ? "outA" : "outB";
    for (
      const args of [[sq, z([2, 2]), z([2, 2])], [z([2, 2]), sq, z([2, 2])], [
        z([2, 2]),
        z([2, 2]),
        sq,
      ]]
    ) {
      assertThrowsExactly(
        () => matmulGrad(args[0]!, args[1]!, args[2]!, opts),
        RangeError,
        `matmulGrad: ${name} shares memory with an input (Tensor(float32, 2×2)); the kernel would read what it writes`,
      );
      assertEquals(bytesOf(sq.data), snap);
    }
  }
  const [other, snap2] = pattern([2, 2], "float32");
  assertThrowsExactly(
    () => matmulGrad(z([2, 2]), z([2, 2]), z([2, 2]), { outA: other, outB: other }),
    RangeError,
    "matmulGrad: outA and outB share memory",
  );
  assertEquals(bytesOf(other.data), snap2);
});

Deno.test("NaN and Infinity are values, not errors", () => {
  const a = new Tensor(new Float64Array([NaN, Infinity, -Infinity, 0]), [2, 2]);
  const b = new Tensor(new Float64Array([1, 0, 0, 1]), [2, 2]);
  // Neither throws (what node's assert.doesNotThrow checked here), and both return their results.
  assertInstanceOf(matmul(a, b), Tensor);
  const { dA, dB } = matmulGrad(a, b, a);
  assertInstanceOf(dA, Tensor);
  assertInstanceOf(dB, Tensor);
});

Deno.test("zero-sized dimensions are valid everywhere", () => {
  const shapes: [number[], number[], number[]][] = [
    [[0, 3], [3, 4], [0, 4]],
    [[3, 0], [0, 4], [3, 4]],
    [[3, 4], [4, 0], [3, 0]],
    [[0], [0], []],
    [[0, 2, 3], [3, 4], [0, 2, 4]],
  ];
  for (const [as, bs, cs] of shapes) {
    const c = matmul(z(as), z(bs));
    assertEquals(c.shape, cs);
    const { dA, dB } = matmulGrad(z(as), z(bs), c);
    assertEquals([dA.shape, dB.shape], [as, bs]);
  }
});
