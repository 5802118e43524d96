import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "@std/assert";
import {
  add,
  checkGrad,
  div,
  grad,
  mul,
  neg,
  randn,
  scale,
  ShapeError,
  sub,
  sum,
  type Tensor,
  tensor,
} from "@matgrad/core";

/** Shape pairs that broadcast, including bias rows, columns, scalars and 0-D. */
const PAIRS: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[4, 3], [3]],
  [[4, 3], [1, 3]],
  [[4, 1], [1, 5]],
  [[2, 1, 3], [4, 3]],
  [[3], []],
  [[], [2, 2]],
  [[1], [2, 3]],
];

/** An independent broadcasting reference: maps each output multi-index to each input. */
function refBinary(
  f: (x: number, y: number) => number,
  a: Tensor,
  b: Tensor,
): { shape: number[]; data: number[] } {
  const nd = Math.max(a.ndim, b.ndim);
  const pad = (s: readonly number[]) => [...new Array(nd - s.length).fill(1), ...s];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const shape = sa.map((d, i) => Math.max(d, sb[i]!));
  const size = shape.reduce((p, d) => p * d, 1);
  const data: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    let rem = flat;
    const idx = new Array<number>(nd);
    for (let i = nd - 1; i >= 0; i--) {
      idx[i] = rem % shape[i]!;
      rem = Math.floor(rem / shape[i]!);
    }
    const at = (s: number[], t: Tensor) => {
      let o = 0;
      for (let i = 0; i < nd; i++) o = o * s[i]! + (s[i] === 1 ? 0 : idx[i]!);
      return t.data[o]!;
    };
    data.push(f(at(sa, a), at(sb, b)));
  }
  return { shape, data };
}

const OPS = [
  { name: "add", op: add, f: (x: number, y: number) => x + y },
  { name: "sub", op: sub, f: (x: number, y: number) => x - y },
  { name: "mul", op: mul, f: (x: number, y: number) => x * y },
  { name: "div", op: div, f: (x: number, y: number) => x / y },
];

/** Values away from 0 so division stays well conditioned. */
function awayFromZero(shape: number[], seed: number): Tensor {
  const t = randn(shape, { seed, dtype: "float64" });
  for (let i = 0; i < t.size; i++) t.data[i] = t.data[i]! + Math.sign(t.data[i]!) * 0.5;
  return t;
}

for (const { name, op, f } of OPS) {
  Deno.test(`${name}: forward matches a broadcasting reference in float64 and float32`, () => {
    PAIRS.forEach(([sa, sb], i) => {
      for (const dtype of ["float64", "float32"] as const) {
        const a = randn(sa, { seed: 10 + i, dtype });
        const b = awayFromZero(sb, 20 + i);
        const b2 = dtype === "float32" ? tensor(b.data, b.shape, "float32") : b;
        const got = op(a, b2);
        const ref = refBinary(f, a, b2);
        assertEquals(got.shape, ref.shape);
        assertStrictEquals(got.dtype, dtype);
        const expected = dtype === "float32" ? ref.data.map(Math.fround) : ref.data;
        assertEquals([...got.data], expected, `${name} ${sa} ${sb} ${dtype}`);
      }
    });
  });

  Deno.test(`${name}: checkGrad with broadcasting, gradients keep each input's shape`, () => {
    PAIRS.forEach(([sa, sb], i) => {
      const a = randn(sa, { seed: 30 + i, dtype: "float64" });
      const b = awayFromZero(sb, 40 + i);
      const outShape = refBinary(f, a, b).shape;
      const w = randn(outShape, { seed: 50 + i, dtype: "float64" });
      const report = checkGrad((a, b) => sum(mul(op(a, b), w)), [a, b], { names: ["a", "b"] });
      assert(report.ok, `${name} ${sa} ${sb}\n${report.text}`);
      const [da, db] = grad((a: Tensor, b: Tensor) => sum(mul(op(a, b), w)), [0, 1])(a, b);
      assertEquals([da.shape, db.shape], [sa, sb]);
    });
  });
}

Deno.test("neg and scale: values and checkGrad", () => {
  const x = randn([3, 4], { seed: 1, dtype: "float64" });
  assertEquals([...neg(x).data], [...x.data].map((v) => -v));
  assertEquals([...scale(x, 2.5).data], [...x.data].map((v) => v * 2.5));
  const w = randn([3, 4], { seed: 2, dtype: "float64" });
  assert(checkGrad((x) => sum(mul(neg(x), w)), [x]).ok);
  assert(checkGrad((x) => sum(mul(scale(x, -1.75), w)), [x]).ok);
  assertEquals([...grad((x: Tensor) => sum(scale(x, 3)))(x).data], new Array(12).fill(3));
});

Deno.test("mixed dtypes promote to float64 and each gradient keeps its input's dtype", () => {
  const a = randn([2, 3], { seed: 1, dtype: "float32" });
  const b = randn([3], { seed: 2, dtype: "float64" });
  assertStrictEquals(mul(a, b).dtype, "float64");
  const [da, db] = grad((a: Tensor, b: Tensor) => sum(mul(a, b)), [0, 1])(a, b);
  assertStrictEquals(da.dtype, "float32");
  assertStrictEquals(db.dtype, "float64");
  // ∂/∂b sums a's columns: a float64 sum of float32 values.
  for (let j = 0; j < 3; j++) assertStrictEquals(db.data[j], a.data[j]! + a.data[3 + j]!);
  for (let i = 0; i < 6; i++) assertStrictEquals(da.data[i], Math.fround(b.data[i % 3]!));
});

Deno.test("element-wise ops: typed errors name the op, the arguments and the shapes", () => {
  {
    const e = (assertThrows(() => add(randn([2, 3]), randn([4])))) as Error;
    assertStrictEquals(
      e instanceof ShapeError &&
        e.message ===
          "add: cannot broadcast a of shape 2×3 with b of shape 4: dimensions 3 and 4 differ",
      true,
    );
  }
  assertThrows(
    () => mul(randn([2]), 3 as unknown as Tensor),
    Error,
    "mul: b must be a Tensor, got number 3",
  );
  assertThrows(
    () => scale(randn([2]), "2" as unknown as number),
    Error,
    "scale: s must be a number",
  );
  assertMatch(
    assertThrows(() => neg([1] as unknown as Tensor), Error).message,
    /neg: x must be a Tensor, got an? Array/,
  );
});
