import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "@std/assert";
import {
  add,
  checkGrad,
  GradCheckError,
  matmul,
  mse,
  mul,
  randn,
  relu,
  softmaxCrossEntropy,
  sum,
  tanh,
  Tensor,
  tensor,
} from "@matgrad/core";
import { record, tracing } from "./tape.ts";

/** Applies `f` element-wise outside any op (the test's own loop). */
function apply(x: Tensor, f: (v: number) => number): Tensor {
  return new Tensor(x.data.map(f), x.shape);
}

/** sin(x) recorded with a deliberately wrong backward rule (cos(x) + 0.01·x). */
function brokenSin(x: Tensor): Tensor {
  const y = apply(x, Math.sin);
  if (tracing()) record(y, [x], (g) => [mul(g, apply(x, (v) => Math.cos(v) + 0.01 * v))]);
  return y;
}

Deno.test("checkGrad catches a wrong backward rule and names the worst element", () => {
  const x = tensor([[0.5, -1], [3, 0.25]], undefined, "float64");
  const report = checkGrad((x) => sum(brokenSin(x)), [x], { names: ["x"] });
  assertStrictEquals(report.ok, false);
  const e = report.inputs[0]!;
  // The error 0.01·|x| is largest relative to the tolerance at x = 3, index [1, 0].
  assertEquals(e.index, [1, 0]);
  assertStrictEquals(e.name, "x");
  assert(Math.abs(e.numeric - Math.cos(3)) < 1e-8);
  assertStrictEquals(e.analytic, Math.cos(3) + 0.03);
  assert(Math.abs(e.error - 0.03) < 1e-8);
  assertMatch(
    report.text,
    /^FAIL x \(2×2\): worst at \[1, 0\] analytic -0\.95999250 numeric -0\.98999250/,
  );
  {
    const err =
      (assertThrows(() =>
        checkGrad((x) => sum(brokenSin(x)), [x], { throwOnFailure: true })
      )) as Error;
    assertStrictEquals(err instanceof GradCheckError && err.report.ok === false, true);
  }
});

Deno.test("checkGrad passes the same function with a correct rule, and respects tolerances", () => {
  const x = tensor([[0.5, -1], [3, 0.25]], undefined, "float64");
  const sin = (x: Tensor) => {
    const y = apply(x, Math.sin);
    if (tracing()) record(y, [x], (g) => [mul(g, apply(x, Math.cos))]);
    return y;
  };
  assert(checkGrad((x) => sum(sin(x)), [x]).ok);
  // A tolerance looser than the bug lets it through: the check is the tolerance.
  assert(checkGrad((x) => sum(brokenSin(x)), [x], { atol: 0.05 }).ok);
});

Deno.test("checkGrad evaluates finite differences in float64 even for float32 inputs", () => {
  const x = randn([3], { seed: 1 });
  const dtypes = new Set<string>();
  const report = checkGrad((x) => {
    dtypes.add(x.dtype);
    return sum(tanh(x));
  }, [x]);
  assert(report.ok, report.text);
  assertEquals([...dtypes].sort(), ["float32", "float64"]);
});

Deno.test("checkGrad rejects bad arguments", () => {
  assertThrows(
    () => checkGrad((x) => sum(x), [tensor([1])], { eps: 0 }),
    Error,
    "eps must be a positive",
  );
  assertThrows(
    () => checkGrad((x) => sum(x), [[1] as unknown as Tensor]),
    Error,
    "checkGrad: input 0 must be a Tensor, got an Array",
  );
});

Deno.test("checkGrad on compositions: linear layer with a broadcast bias row and MSE", () => {
  for (const [n, d, m] of [[5, 3, 2], [1, 4, 1], [7, 2, 3]] as const) {
    const x = randn([n, d], { seed: n, dtype: "float64" });
    const y = randn([n, m], { seed: n + 1, dtype: "float64" });
    const report = checkGrad(
      (w, b) => mse(add(matmul(x, w), b), y),
      [randn([d, m], { seed: 3, dtype: "float64" }), randn([m], { seed: 4, dtype: "float64" })],
      { names: ["W", "b"] },
    );
    assert(report.ok, report.text);
  }
});

/** A two-layer MLP, `act(x·W1 + b1)·W2 + b2`, under MSE; b1 is a 1×5 bias row. */
function mlp(act: (t: Tensor) => Tensor) {
  return (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor): Tensor =>
    mse(add(matmul(act(add(matmul(x, w1), b1)), w2), b2), y);
}

for (const [name, act] of [["relu", relu], ["tanh", tanh]] as const) {
  Deno.test(`checkGrad on compositions: two-layer MLP with ${name}, all six inputs`, () => {
    const r = (shape: number[], seed: number) => randn(shape, { seed, dtype: "float64" });
    const report = checkGrad(
      mlp(act),
      [r([4, 5], 1), r([1, 5], 2), r([5, 2], 3), r([2], 4), r([6, 4], 5), r([6, 2], 6)],
      { names: ["W1", "b1", "W2", "b2", "x", "y"] },
    );
    console.log(`MLP (${name}):\n${report.text}`);
    assert(report.ok, report.text);
    const shapes = report.inputs.map((e) => e.shape.join("×"));
    assertEquals(shapes, ["4×5", "1×5", "5×2", "2", "6×4", "6×2"]);
  });
}

Deno.test("checkGrad on compositions: softmax cross-entropy classifier", () => {
  const x = randn([6, 4], { seed: 7, dtype: "float64" });
  const labels = tensor([0, 2, 1, 1, 0, 2], [6], "float64");
  const report = checkGrad(
    (w, b) => softmaxCrossEntropy(add(matmul(x, w), b), labels),
    [randn([4, 3], { seed: 8, dtype: "float64" }), randn([3], { seed: 9, dtype: "float64" })],
  );
  assert(report.ok, report.text);
});
