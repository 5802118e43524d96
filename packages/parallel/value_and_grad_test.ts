import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  add,
  type DType,
  matmul,
  mse,
  randn,
  relu,
  softmaxCrossEntropy,
  tanh,
  type Tensor,
  tensor,
  valueAndGrad,
} from "@matgrad/core";
import { createPool, toShared, valueAndGradParallel } from "./mod.ts";
import { assertSameBits } from "./test_util.ts";

/** A two-layer MLP with a tanh hidden layer and a squared-error loss. */
function mlp(w1: Tensor, b1: Tensor, w2: Tensor, x: Tensor, y: Tensor): Tensor {
  const h = tanh(add(matmul(x, w1), b1));
  return mse(matmul(h, w2), y);
}

for (const dtype of ["float32", "float64"] as DType[]) {
  Deno.test(`valueAndGradParallel gives valueAndGrad's bits for an MLP (${dtype})`, async () => {
    await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
    await pool.ready();
    const w1 = toShared(randn([40, 72], { seed: 1, dtype }));
    const b1 = randn([72], { seed: 2, dtype });
    const w2 = randn([72, 10], { seed: 3, dtype });
    const x = toShared(randn([130, 40], { seed: 4, dtype }));
    const y = randn([130, 10], { seed: 5, dtype });
    const par = await valueAndGradParallel(mlp, pool, [0, 1, 2])(w1, b1, w2, x, y);
    const ser = valueAndGrad(mlp, [0, 1, 2])(w1, b1, w2, x, y);
    assertSameBits(par.value, ser.value, "value");
    par.grad.forEach((g, i) => assertSameBits(g, ser.grad[i]!, `gradient ${i}`));
    assert(par.grad[0].data.some((v) => v !== 0), "a non-trivial gradient");
  });
}

Deno.test("valueAndGradParallel matches central finite differences (float64)", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  const x = randn([24, 9], { seed: 11, dtype: "float64" });
  const labels = tensor(
    [...Array(24)].map((_, i) => [...Array(5)].map((_, j) => j === i % 5 ? 1 : 0)),
    undefined,
    "float64",
  );
  const s = randn([5, 5], { seed: 13, dtype: "float64" });
  // w is used twice, so its gradient sums two contributions.
  const f = (w: Tensor) => {
    const z = matmul(x, w);
    return softmaxCrossEntropy(add(matmul(relu(z), s), z), labels);
  };
  const w = randn([9, 5], { seed: 12, dtype: "float64" });
  const { value, grad } = await valueAndGradParallel((w: Tensor) => f(w), pool)(w);
  assertStrictEquals(value.item(), f(w).item());
  const h = 1e-6;
  for (const i of [0, 7, 23, 44]) {
    const plus = new Float64Array(w.data);
    const minus = new Float64Array(w.data);
    plus[i]! += h;
    minus[i]! -= h;
    const fd = (f(tensor(Array.from(plus), w.shape, "float64")).item() -
      f(tensor(Array.from(minus), w.shape, "float64")).item()) / (2 * h);
    assert(
      Math.abs(grad.data[i]! - fd) <= 1e-6 * (1 + Math.abs(fd)),
      `w[${i}]: ${grad.data[i]} vs ${fd}`,
    );
  }
});

Deno.test("valueAndGradParallel rejects a non-pool", () => {
  {
    const error = assertThrows(() => valueAndGradParallel(mlp, {} as never), Error);
    assertStrictEquals(error.name, "TypeError");
    assertStrictEquals(
      error.message,
      "valueAndGradParallel: pool must be a Pool made by createPool, got object",
    );
  }
});

Deno.test("valueAndGradParallel skips the gradient of a constant matmul operand", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  // The products each stage of the step sends to the pool: "both" gradients, or one alone.
  const calls: string[] = [];
  const run = pool.run.bind(pool);
  pool.run = (tasks) => {
    const grads = tasks.flatMap((t) => t.kind === "gemm" && t.spec.out !== "c" ? [t.spec.out] : []);
    if (grads.length > 0) calls.push(grads.length === 2 ? "both" : grads[0]!);
    run(tasks);
  };
  const args = [
    randn([40, 72], { seed: 11 }),
    randn([72], { seed: 12 }),
    randn([72, 10], { seed: 13 }),
    randn([130, 40], { seed: 14 }),
    randn([130, 10], { seed: 15 }),
  ] as const;
  const { grad } = await valueAndGradParallel(mlp, pool, [0, 1, 2])(...args);
  // h·W2 needs dH (for W1) and dW2; x·W1 only dW1: x is a constant.
  assertEquals(calls, ["both", "dB"]);
  const serial = valueAndGrad(mlp, [0, 1, 2])(...args);
  for (let i = 0; i < 3; i++) assertSameBits(grad[i]!, serial.grad[i]!, `grad ${i}`);
});
