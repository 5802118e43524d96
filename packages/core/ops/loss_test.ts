import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  checkGrad,
  grad,
  mean,
  mse,
  randn,
  ShapeError,
  softmaxCrossEntropy,
  square,
  sub,
  type Tensor,
  tensor,
  valueAndGrad,
} from "@matgrad/core";

/** Reference cross-entropy of one row, from the textbook formula in float64. */
function refXent(logits: number[], p: number[]): number {
  const m = Math.max(...logits);
  const lse = m + Math.log(logits.reduce((s, z) => s + Math.exp(z - m), 0));
  return -logits.reduce((s, z, j) => s + p[j]! * (z - lse), 0);
}

Deno.test("mse: value against a plain loop and checkGrad for both arguments", () => {
  const pred = randn([5, 2], { seed: 1, dtype: "float64" });
  const target = randn([5, 2], { seed: 2, dtype: "float64" });
  let s = 0;
  for (let i = 0; i < 10; i++) s += (pred.data[i]! - target.data[i]!) ** 2;
  assert(Math.abs(mse(pred, target).item() - s / 10) < 1e-15);
  const report = checkGrad(mse, [pred, target], { names: ["pred", "target"] });
  assert(report.ok, report.text);
});

Deno.test("mse: shapes must match exactly", () => {
  {
    const e = (assertThrows(() => mse(randn([3, 1]), randn([3])))) as Error;
    assertStrictEquals(
      e instanceof ShapeError && e.message === "mse: pred has shape 3×1 but target has shape 3",
      true,
    );
  }
});

Deno.test("softmaxCrossEntropy: value against the textbook formula, index and one-hot labels", () => {
  const logits = randn([4, 3], { seed: 3, dtype: "float64", std: 3 });
  const idx = [2, 0, 1, 1];
  const rows = [0, 1, 2, 3].map((r) => [...logits.data.slice(3 * r, 3 * r + 3)]);
  const oneHot = idx.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0)));
  const ref = rows.reduce((s, z, r) => s + refXent(z, oneHot[r]!), 0) / 4;
  const byIndex = softmaxCrossEntropy(logits, tensor(idx, [4], "float64")).item();
  const byProb = softmaxCrossEntropy(logits, tensor(oneHot, [4, 3], "float64")).item();
  assert(Math.abs(byIndex - ref) < 1e-14);
  assert(Math.abs(byProb - ref) < 1e-14);
});

Deno.test("softmaxCrossEntropy is stable for huge logits", () => {
  const logits = tensor([[1000, 0], [-1000, 0]], undefined, "float64");
  const loss = softmaxCrossEntropy(logits, tensor([0, 0], [2], "float64")).item();
  assertStrictEquals(loss, 500); // (0 + 1000) / 2
  const g = grad((z: Tensor) => softmaxCrossEntropy(z, tensor([0, 0], [2])))(logits);
  assert([...g.data].every(Number.isFinite));
});

Deno.test("softmaxCrossEntropy: checkGrad for logits, soft labels and index labels", () => {
  const logits = randn([5, 4], { seed: 4, dtype: "float64" });
  const soft = randn([5, 4], { seed: 5, dtype: "float64" });
  for (let i = 0; i < soft.size; i++) soft.data[i] = Math.abs(soft.data[i]!);
  const report = checkGrad(softmaxCrossEntropy, [logits, soft], { names: ["logits", "labels"] });
  assert(report.ok, report.text);
  const labels = tensor([3, 0, 1, 2, 2], [5], "float64");
  assert(checkGrad((z) => softmaxCrossEntropy(z, labels), [logits]).ok);
  // Batched leading axes and a single 1-D example.
  const z3 = randn([2, 3, 4], { seed: 6, dtype: "float64" });
  const l3 = tensor([[0, 1, 2], [3, 3, 0]], [2, 3], "float64");
  assert(checkGrad((z) => softmaxCrossEntropy(z, l3), [z3]).ok);
  assert(checkGrad((z) => softmaxCrossEntropy(z, tensor(2, [])), [randn([4], { seed: 7 })]).ok);
});

Deno.test("softmaxCrossEntropy: bad labels are typed errors naming shapes and values", () => {
  assertThrows(
    () => softmaxCrossEntropy(randn([2, 3]), randn([3])),
    Error,
    "softmaxCrossEntropy: labels of shape 3 fit neither logits of shape 2×3",
  );
  {
    const e = (assertThrows(() => softmaxCrossEntropy(randn([2, 3]), tensor([0, 3])))) as Error;
    assertStrictEquals(
      e instanceof RangeError &&
        e.message === "softmaxCrossEntropy: labels[1] = 3 is not a class index in [0, 3)",
      true,
    );
  }
  assertThrows(() => softmaxCrossEntropy(randn([]), randn([])), ShapeError);
});

Deno.test("mse has the bits of mean(square(sub(pred, target))), value and gradients", () => {
  const composed = (p: Tensor, t: Tensor) => mean(square(sub(p, t)));
  const dtypes = [["float32", "float32"], ["float64", "float64"], ["float32", "float64"]] as const;
  let seed = 70;
  for (const shape of [[1000], [37, 13], [0, 3]]) {
    for (const [dp, dt] of dtypes) {
      const p = randn(shape, { seed: seed++, dtype: dp });
      const t = randn(shape, { seed: seed++, dtype: dt });
      const a = valueAndGrad(mse, [0, 1])(p, t);
      const b = valueAndGrad(composed, [0, 1])(p, t);
      const what = `${shape} ${dp}/${dt}`;
      assertEquals(a.value.data, b.value.data, `value ${what}`);
      for (let i = 0; i < 2; i++) {
        assertStrictEquals(a.grad[i]!.dtype, b.grad[i]!.dtype);
        assertEquals(a.grad[i]!.data, b.grad[i]!.data, `grad ${i} ${what}`);
      }
    }
  }
});
