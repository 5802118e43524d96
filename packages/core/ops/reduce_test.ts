import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "@std/assert";
import { checkGrad, grad, mean, mul, randn, sum, type Tensor, tensor } from "@matgrad/core";

/** Reference: sums x over `axis` (or everything) with a plain float64 loop over multi-indices. */
function refSum(x: Tensor, axis?: number): number[] {
  if (axis === undefined) return [[...x.data].reduce((p, v) => p + v, 0)];
  const shape = x.shape;
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += x.data[(o * n + k) * inner + i]!;
      out.push(s);
    }
  }
  return out;
}

Deno.test("sum and mean: values and shapes for every axis, with and without keepDims", () => {
  const x = randn([2, 3, 4], { seed: 1, dtype: "float64" });
  assertEquals(sum(x).shape, []);
  assertStrictEquals(sum(x).item(), refSum(x)[0]);
  assertEquals(sum(x, { keepDims: true }).shape, [1, 1, 1]);
  assertStrictEquals(mean(x).item(), refSum(x)[0]! / 24);
  for (const axis of [0, 1, 2, -1]) {
    const ax = axis < 0 ? axis + 3 : axis;
    const kept = [2, 3, 4].map((d, i) => (i === ax ? 1 : d));
    assertEquals(sum(x, { axis }).shape, [2, 3, 4].filter((_, i) => i !== ax));
    assertEquals(sum(x, { axis, keepDims: true }).shape, kept);
    assertEquals([...sum(x, { axis }).data], refSum(x, ax));
    assertEquals([...mean(x, { axis }).data], refSum(x, ax).map((v) => v / [2, 3, 4][ax]!));
  }
});

Deno.test("sum and mean in float32 accumulate in float64 and round once", () => {
  const x = tensor([1e8, 1, -1e8, 1], [4], "float32");
  // A float32 running sum would lose both 1s; one rounding at the end keeps them.
  assertStrictEquals(sum(x).item(), 2);
  assertStrictEquals(mean(x).item(), 0.5);
  assertStrictEquals(mean(x).dtype, "float32");
});

Deno.test("sum and mean: checkGrad over all axes and each axis", () => {
  const x = randn([3, 2, 4], { seed: 2, dtype: "float64" });
  for (const axis of [undefined, 0, 1, 2, -2]) {
    for (const keepDims of [false, true]) {
      for (const op of [sum, mean]) {
        const shape = op(x, { axis, keepDims }).shape;
        const w = randn([...shape], { seed: 3, dtype: "float64" });
        const report = checkGrad((x) => sum(mul(op(x, { axis, keepDims }), w)), [x]);
        assert(report.ok, `${op.name} axis ${axis} keepDims ${keepDims}\n${report.text}`);
      }
    }
  }
  const g = grad((x: Tensor) => mean(x))(x);
  assertEquals([...g.data], new Array(24).fill(1 / 24));
});

Deno.test("sum and mean: a bad axis is a RangeError naming it and the shape", () => {
  {
    const e = (assertThrows(() => sum(randn([2, 3]), { axis: 2 }))) as Error;
    assertStrictEquals(
      e instanceof RangeError &&
        e.message === "sum: axis 2 is out of range for x of shape 2×3 (2 dimensions)",
      true,
    );
  }
  assertMatch(
    assertThrows(() => mean(randn([2]), { axis: 0.5 }), Error).message,
    /mean: axis 0.5 is out of range/,
  );
});
