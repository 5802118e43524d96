import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  checkGrad,
  exp,
  grad,
  log,
  mul,
  randn,
  relu,
  sigmoid,
  sqrt,
  square,
  sum,
  tanh,
  type Tensor,
  tensor,
} from "@matgrad/core";

const CASES = [
  { name: "square", op: square, f: (v: number) => v * v, positive: false },
  { name: "sqrt", op: sqrt, f: Math.sqrt, positive: true },
  { name: "exp", op: exp, f: Math.exp, positive: false },
  { name: "log", op: log, f: Math.log, positive: true },
  { name: "relu", op: relu, f: (v: number) => Math.max(v, 0), positive: false },
  { name: "sigmoid", op: sigmoid, f: (v: number) => 1 / (1 + Math.exp(-v)), positive: false },
  { name: "tanh", op: tanh, f: Math.tanh, positive: false },
];

function input(shape: number[], seed: number, positive: boolean, dtype: "float32" | "float64") {
  const x = randn(shape, { seed, dtype });
  for (let i = 0; i < x.size; i++) {
    // Keep clear of relu's kink and of 0 for sqrt/log, where differences are meaningless.
    const v = x.data[i]!;
    x.data[i] = positive ? Math.abs(v) + 0.2 : v + Math.sign(v) * 0.05;
  }
  return x;
}

for (const { name, op, f, positive } of CASES) {
  Deno.test(`${name}: forward matches Math in float64, rounded once in float32`, () => {
    for (const dtype of ["float64", "float32"] as const) {
      const x = input([3, 5], 7, positive, dtype);
      const y = op(x);
      assertStrictEquals(y.dtype, dtype);
      assertEquals(y.shape, [3, 5]);
      for (let i = 0; i < x.size; i++) {
        const ref = f(x.data[i]!);
        const expected = dtype === "float32" ? Math.fround(ref) : ref;
        assert(Math.abs(y.data[i]! - expected) <= 2 * Number.EPSILON * Math.abs(ref), name);
      }
    }
  });

  Deno.test(`${name}: checkGrad on random shapes`, () => {
    for (const [i, shape] of [[2, 3], [7], [2, 2, 3], []].entries()) {
      const x = input(shape, 100 + i, positive, "float64");
      const w = randn(shape, { seed: 200 + i, dtype: "float64" });
      const report = checkGrad((x) => sum(mul(op(x), w)), [x], { names: ["x"] });
      assert(report.ok, `${name} ${shape}\n${report.text}`);
    }
  });
}

Deno.test("relu's gradient is 0 at 0 and sigmoid stays finite for huge inputs", () => {
  const x = randn([3], { seed: 1, dtype: "float64" });
  x.data.set([0, -2, 3]);
  assertEquals([...grad((x: Tensor) => sum(relu(x)))(x).data], [0, 0, 1]);
  x.data.set([800, -800, 0]);
  assertEquals([...sigmoid(x).data], [1, 0, 0.5]);
  assertEquals([...grad((x: Tensor) => sum(sigmoid(x)))(x).data], [0, 0, 0.25]);
});

Deno.test("relu's backward is g·step(x) bit for bit on every special value of g and x, both dtypes", () => {
  const xs = [NaN, -0, 0, -Infinity, Infinity, -1.5, 2.5, 1e-300];
  const gs = [NaN, -0, 0, -Infinity, Infinity, -3, 4, -1e-300];
  for (const dtype of ["float32", "float64"] as const) {
    const x = tensor(xs.flatMap((v) => gs.map(() => v)), undefined, dtype);
    const g = tensor(xs.flatMap(() => gs), undefined, dtype);
    const dx = grad((x: Tensor) => sum(mul(relu(x), g)))(x);
    for (let i = 0; i < x.size; i++) {
      // mul(g, step(x)) as it was computed before the fused pass: g times 1 or 0.
      const expected = dtype === "float32"
        ? Math.fround(g.data[i]! * (x.data[i]! > 0 ? 1 : 0))
        : g.data[i]! * (x.data[i]! > 0 ? 1 : 0);
      if (!Object.is(dx.data[i], expected)) {
        throw new Error(
          `${dtype}: g ${g.data[i]}, x ${x.data[i]}: ${dx.data[i]}, expected ${expected}`,
        );
      }
    }
  }
});

Deno.test("unary ops name the function when given a non-Tensor", () => {
  assertThrows(() => tanh(2 as unknown as Tensor), Error, "tanh: x must be a Tensor, got number 2");
});
