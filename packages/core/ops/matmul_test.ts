import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { matmul } from "./matmul.ts";
import { Tensor } from "../tensor/tensor.ts";
import { tensor } from "../tensor/constructors.ts";

import {
  assertClose,
  assertSameBits,
  bytesOf,
  randTensor,
  refMatmul,
  storedShape,
} from "../testing/reference.ts";
import { forEachBackend } from "../testing/backends.ts";

/** [aShape, bShape] as stored, before any transpose flag is applied. */
const SHAPES: [number[], number[]][] = [
  [[1, 1], [1, 1]],
  [[1, 7], [7, 5]],
  [[6, 1], [1, 9]],
  [[5, 7], [7, 1]],
  [[37, 53], [53, 11]],
  [[4, 0], [0, 3]],
  [[0, 5], [5, 3]],
  [[4, 5], [5, 0]],
];

/**
 * `matmul` of seeded operands (stored transposed where asked) against the
 * independent float64 reference, in both dtypes; the operands stay unchanged.
 */
function checkAgainstReference(
  aShape: number[],
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
  seed: number,
): void {
  const as = storedShape(aShape, transposeA);
  const bs = storedShape(bShape, transposeB);
  for (const dtype of ["float64", "float32"] as const) {
    const a = randTensor(as, dtype, seed);
    const b = randTensor(bs, dtype, seed + 1);
    const aBytes = bytesOf(a.data);
    const bBytes = bytesOf(b.data);
    const c = matmul(a, b, { transposeA, transposeB });
    const ref = refMatmul(a.data, as, b.data, bs, transposeA, transposeB);
    const what = `${dtype} ${as}·${bs} tA=${transposeA} tB=${transposeB}`;
    assertEquals(c.shape, ref.shape, what);
    assertStrictEquals(c.dtype, dtype, what);
    const k = transposeA && as.length > 1 ? as[as.length - 2]! : as[as.length - 1]!;
    if (dtype === "float64") assertClose(c.data, ref.data, 1e-13, 1e-13 * k, what);
    else assertClose(c.data, ref.data, 1e-6, 2e-7 * k, what);
    // Operands are read, never changed (transposes are not done in place).
    assertEquals(bytesOf(a.data), aBytes, what);
    assertEquals(bytesOf(b.data), bBytes, what);
  }
}

Deno.test("matmul equals the float64 triple loop for every transpose combination", () => {
  forEachBackend(() => {
    let seed = 1;
    for (const [aShape, bShape] of SHAPES) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) checkAgainstReference(aShape, bShape, tA, tB, seed += 2);
      }
    }
  });
});

Deno.test("matmul promotes and squeezes 1-D operands as NumPy does", () => {
  const cases: [number[], number[], number[]][] = [
    [[4], [4, 3], [3]],
    [[3, 4], [4], [3]],
    [[4], [4], []],
    [[4], [2, 4, 5], [2, 5]],
    [[2, 3, 4], [4], [2, 3]],
    [[0], [0], []],
    [[1], [1, 6], [6]],
  ];
  let seed = 100;
  for (const [aShape, bShape, outShape] of cases) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        // A transpose flag on a 1-D operand is ignored, as for NumPy's vectors.
        const as = storedShape(aShape, tA);
        const bs = storedShape(bShape, tB);
        const a = randTensor(as, "float64", seed++);
        const b = randTensor(bs, "float64", seed++);
        const c = matmul(a, b, { transposeA: tA, transposeB: tB });
        assertEquals(c.shape, outShape);
        const ref = refMatmul(a.data, as, b.data, bs, tA, tB);
        assertEquals(ref.shape, outShape);
        assertClose(c.data, ref.data, 1e-13, 1e-13, `${as}·${bs}`);
      }
    }
  }
  // vector·vector is the dot product, a 0-D tensor
  const dot = matmul(
    tensor([1, 2, 3], undefined, "float64"),
    tensor([4, 5, 6], undefined, "float64"),
  );
  assertEquals(dot.shape, []);
  assertStrictEquals(dot.item(), 32);
  assertStrictEquals(dot.toArray(), 32);
});

Deno.test("matmul broadcasts batch dimensions", () => {
  forEachBackend(() => {
    const cases: [number[], number[], number[]][] = [
      [[2, 1, 3, 4], [5, 4, 6], [2, 5, 3, 6]],
      [[3, 4], [2, 4, 5], [2, 3, 5]],
      [[2, 3, 4], [4, 5], [2, 3, 5]],
      [[1, 3, 4], [1, 4, 5], [1, 3, 5]],
      [[2, 1, 3, 4], [1, 3, 4, 2], [2, 3, 3, 2]],
      [[0, 3, 4], [4, 5], [0, 3, 5]],
      [[1, 3, 4], [0, 4, 5], [0, 3, 5]],
    ];
    let seed = 200;
    for (const [aShape, bShape, outShape] of cases) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
        const as = storedShape(aShape, tA!);
        const bs = storedShape(bShape, tB!);
        const a = randTensor(as, "float64", seed++);
        const b = randTensor(bs, "float64", seed++);
        const c = matmul(a, b, { transposeA: tA!, transposeB: tB! });
        assertEquals(c.shape, outShape, `${as}·${bs}`);
        const ref = refMatmul(a.data, as, b.data, bs, tA, tB);
        assertClose(c.data, ref.data, 1e-13, 1e-13, `${as}·${bs}`);
      }
    }
  });
});

Deno.test("matmul with an inner dimension of 0 gives zeros", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const c = matmul(randTensor([3, 0], dtype, 1), randTensor([0, 4], dtype, 2));
    assertEquals(c.shape, [3, 4]);
    assertSameBits(c.data, new Float64Array(12), "K=0");
    const out = new Tensor(
      dtype === "float32" ? new Float32Array(12).fill(9) : new Float64Array(12).fill(9),
      [3, 4],
    );
    matmul(randTensor([3, 0], dtype, 1), randTensor([0, 4], dtype, 2), { out });
    assertSameBits(out.data, new Float64Array(12), "K=0 into out");
  }
});

Deno.test("matmul keeps float32 with float32 and promotes any float64 operand", () => {
  const a32 = randTensor([5, 6], "float32", 1);
  const b32 = randTensor([6, 7], "float32", 2);
  const a64 = new Tensor(Float64Array.from(a32.data), a32.shape);
  const b64 = new Tensor(Float64Array.from(b32.data), b32.shape);
  assertStrictEquals(matmul(a32, b32).dtype, "float32");
  assert(matmul(a32, b32).data instanceof Float32Array);
  const both64 = matmul(a64, b64);
  for (const c of [matmul(a32, b64), matmul(a64, b32)]) {
    assertStrictEquals(c.dtype, "float64");
    // Promotion happens before the product: the same bits as float64 throughout.
    assertSameBits(c.data, both64.data, "mixed");
  }
  // float32 accumulates in float32: close to, but not the bits of, the float64 product.
  const c32 = matmul(a32, b32);
  assertClose(c32.data, both64.data, 1e-5, 1e-6, "float32 vs float64");
});

Deno.test("matmul propagates NaN and Infinity", () => {
  const a = tensor([[1, NaN], [2, 3], [Infinity, 1]], undefined, "float64");
  const b = tensor([[1, 2], [0, 4]], undefined, "float64");
  const c = matmul(a, b).toArray() as number[][];
  assert(Number.isNaN(c[0]![0]!) && Number.isNaN(c[0]![1]!));
  assertEquals(c[1], [2, 16]);
  assertEquals(c[2], [Infinity, Infinity]);
  const d = matmul(tensor([[Infinity, 1]]), tensor([[0], [1]])).toArray() as number[][];
  assert(Number.isNaN(d[0]![0]!)); // Infinity·0
});

Deno.test("matmul writes into out and returns it", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const a = randTensor([2, 7, 5], dtype, 3);
    const b = randTensor([5, 4], dtype, 4);
    const want = matmul(a, b);
    const out = new Tensor(
      dtype === "float32" ? new Float32Array(56).fill(NaN) : new Float64Array(56).fill(NaN),
      [2, 7, 4],
    );
    assertStrictEquals(matmul(a, b, { out }), out);
    assertSameBits(out.data, want.data, "out");
    // reusing it overwrites (no accumulation)
    matmul(a, b, { out });
    assertSameBits(out.data, want.data, "out reused");
  }
  const out = new Tensor(new Float64Array(1), []);
  matmul(tensor([1, 2], undefined, "float64"), tensor([3, 4], undefined, "float64"), { out });
  assertStrictEquals(out.item(), 11);
});
