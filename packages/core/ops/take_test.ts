import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { takeRows } from "./take.ts";
import { mul } from "./elementwise.ts";
import { sum } from "./reduce.ts";
import { square } from "./unary.ts";
import { tensor, zeros } from "../tensor/constructors.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { valueAndGrad } from "../autograd/grad.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { assertThrowsExactly, randTensor } from "../testing/reference.ts";

/** `out[i] = x[rows[i]]` by flat indices, for comparison. */
function naiveTake(x: Tensor, rows: readonly number[]): number[] {
  const cols = x.shape[0] === 0 ? 0 : x.size / x.shape[0]!;
  const out: number[] = [];
  for (const r of rows) for (let c = 0; c < cols; c++) out.push(x.data[r * cols + c]!);
  return out;
}

Deno.test("takeRows copies the named rows, in order, repeats included, any rank and dtype", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const shape of [[7], [7, 1], [7, 5], [7, 3, 4], [1, 9]]) {
      const x = randTensor(shape, dtype, shape.length * 10 + shape.at(-1)!);
      const n = shape[0]!;
      for (
        const rows of [
          [0],
          [n - 1, 0, n - 1],
          Array.from({ length: 20 }, (_, i) => (i * 5) % n),
          [],
        ]
      ) {
        const y = takeRows(x, rows);
        assertEquals(y.shape, [rows.length, ...shape.slice(1)]);
        assertStrictEquals(y.dtype, dtype);
        assertEquals(Array.from(y.data), naiveTake(x, rows), `${shape} ${rows}`);
      }
    }
  }
  // Typed arrays of indices, and rows of no elements.
  assertEquals(takeRows(tensor([[1], [2], [3]]), new Uint32Array([2, 1])).toArray(), [[3], [2]]);
  assertEquals(takeRows(zeros([3, 0]), [1, 1]).shape, [2, 0]);
});

Deno.test("takeRows writes into out when given; bad input throws before any write", () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  const out = zeros([2, 2]);
  assertStrictEquals(takeRows(x, [1, 2], { out }), out);
  assertEquals(out.toArray(), [[3, 4], [5, 6]]);
  const fresh = tensor([[9, 9], [9, 9]]);
  const untouched = () => assertEquals(fresh.toArray(), [[9, 9], [9, 9]]);
  const cases: [() => unknown, new (...a: never[]) => Error, string][] = [
    [
      () => takeRows(x, [0, 3], { out: fresh }),
      RangeError,
      "takeRows: rows[1] is 3, not a row of x (0 … 2)",
    ],
    [
      () => takeRows(x, [-1, 0], { out: fresh }),
      RangeError,
      "takeRows: rows[0] is -1, not a row of x (0 … 2)",
    ],
    [
      () => takeRows(x, [0, 1.5], { out: fresh }),
      RangeError,
      "takeRows: rows[1] is 1.5, not a row of x (0 … 2)",
    ],
    [
      () => takeRows(x, [NaN, 0], { out: fresh }),
      RangeError,
      "takeRows: rows[0] is NaN, not a row of x (0 … 2)",
    ],
    [
      () => takeRows(zeros([0, 2]), [0]),
      RangeError,
      "takeRows: rows[0] is 0, not a row of x (which has none)",
    ],
    [
      () => takeRows(x, [0], { out: fresh }),
      ShapeError,
      "takeRows: out has shape 2×2 but the result has shape 1×2",
    ],
    [
      () => takeRows(x, [0, 1], { out: tensor([[0, 0], [0, 0]], undefined, "float64") }),
      DTypeError,
      "takeRows: out has dtype float64 but the result is float32",
    ],
    [
      () => takeRows(x, [0, 1, 2], { out: x }),
      RangeError,
      "takeRows: out shares memory with an input (Tensor(float32, 3×2)); the kernel would read what it writes",
    ],
    [
      () => takeRows(tensor(3), [0]),
      ShapeError,
      "takeRows: x must have at least one axis, got a scalar",
    ],
    [
      () => takeRows(x, 2 as unknown as number[]),
      TypeError,
      "takeRows: rows must be an array of row numbers, got number 2",
    ],
    [
      () => takeRows([[1]] as unknown as Tensor, [0]),
      TypeError,
      "takeRows: x must be a Tensor, got an Array",
    ],
  ];
  for (const [fn, type, message] of cases) {
    assertThrowsExactly(fn, type as never, message);
    untouched();
  }
});

Deno.test("takeRows' gradient adds each row's gradient back, repeats summed in order; finite differences agree", () => {
  const x = randTensor([5, 3], "float64", 3);
  const rows = [4, 1, 4, 0, 4];
  const w = randTensor([5, 3], "float64", 4);
  const f = (x: Tensor) => sum(mul(square(takeRows(x, rows)), w));
  const { value, grad } = valueAndGrad(f)(x);
  // By hand: d/dx[r][c] = Σ over i with rows[i] = r of 2·x[r][c]·w[i][c], i in order.
  const expected = new Float64Array(15);
  rows.forEach((r, i) => {
    for (let c = 0; c < 3; c++) expected[r * 3 + c]! += 2 * x.data[r * 3 + c]! * w.data[i * 3 + c]!;
  });
  assertEquals(Array.from(grad.data), Array.from(expected));
  assertEquals(Array.from(grad.data.subarray(6, 9)), [0, 0, 0], "row 2 is never taken");
  // Central differences, independently of the rule.
  const h = 1e-6;
  for (let k = 0; k < 15; k++) {
    const plus = x.data.slice(), minus = x.data.slice();
    plus[k]! += h;
    minus[k]! -= h;
    const fd =
      (f(tensor(plus, [5, 3], "float64")).item() - f(tensor(minus, [5, 3], "float64")).item()) /
      (2 * h);
    assert(
      Math.abs(fd - grad.data[k]!) < 1e-6 * (1 + Math.abs(fd)),
      `element ${k}: ${fd} vs ${grad.data[k]}`,
    );
  }
  assert(Number.isFinite(value.item()));
});
