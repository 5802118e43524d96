/**
 * Element-wise, unary, reduction and loss ops on the device, and their
 * gradients through valueAndGrad, against core on the CPU from the same
 * float32 values. The device computes in float32 (core in float64, rounded
 * once), so results agree within a few float32 ulps; sums within
 * n·2⁻²⁴·Σ|x|.
 */
import {
  add,
  div,
  exp,
  log,
  mean,
  mse,
  mul,
  neg,
  randn,
  relu,
  reshape,
  scale,
  serialExecutor,
  sigmoid,
  softmaxCrossEntropy,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  type Tensor,
  tensor,
  transpose,
  valueAndGrad,
  withExecutor,
} from "@matgrad/core";
import { assert, assertStrictEquals } from "@std/assert";
import { assertWithin, gpuTest, values } from "./testing/gpu.ts";

const U = 2 ** -24;
const close = (want: ArrayLike<number>, ulps = 16) => (i: number) =>
  ulps * U * Math.abs(want[i]!) + 1e-6;

/** A copy of `t` on the host (read from the device). */
async function onHost(t: Tensor): Promise<Tensor> {
  const v = await t.read();
  return withExecutor(serialExecutor, () => tensor(Float32Array.from(v), t.shape));
}

/** Runs `f` on the device and on the CPU from the same inputs and compares. */
async function compare(
  what: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  ulps = 16,
): Promise<void> {
  const out = f(...inputs);
  assert(out.onDevice, `${what}: the result lives on the device`);
  const got = await values(out);
  const host = await Promise.all(inputs.map(onHost));
  const want = withExecutor(serialExecutor, () => Float64Array.from(f(...host).data));
  assertWithin(got, want, close(want, ulps), what);
}

const x = () => randn([5, 33], { seed: 3 });
const positive = () => exp(randn([5, 33], { seed: 4 }));

gpuTest("binary ops with broadcasting on the device", async () => {
  const shapes: [number[], number[]][] = [
    [[5, 33], [5, 33]],
    [[5, 33], [33]],
    [[5, 1], [1, 33]],
    [[2, 1, 4], [3, 1]],
    [[], [4, 3]],
  ];
  for (const [sa, sb] of shapes) {
    const a = randn(sa, { seed: 1 + sa.length });
    const b = exp(randn(sb, { seed: 2 + sb.length }));
    for (const [name, f] of [["add", add], ["sub", sub], ["mul", mul], ["div", div]] as const) {
      await compare(`${name} ${sa} ${sb}`, f, [a, b], 2);
    }
  }
});

gpuTest("unary ops on the device", async () => {
  await compare("neg", neg, [x()], 0);
  await compare("scale", (t) => scale(t, 0.3), [x()], 1);
  await compare("square", square, [x()], 1);
  await compare("sqrt", sqrt, [positive()], 2);
  await compare("exp", exp, [x()], 16);
  await compare("log", log, [positive()], 16);
  await compare("relu", relu, [x()], 0);
  await compare("sigmoid", sigmoid, [scale(x(), 8)], 16);
  await compare("tanh", tanh, [scale(x(), 4)], 64);
  await compare("transpose", transpose, [randn([3, 5, 7], { seed: 5 })], 0);
  await compare("reshape", (t) => reshape(t, [33, 5]), [x()], 0);
});

gpuTest(
  "sum and mean on the device: all, one axis, keepDims, across reduction blocks",
  async () => {
    const cases: [number[], number | undefined, boolean][] = [
      [[5, 33], undefined, false],
      [[5, 33], 0, false],
      [[5, 33], 1, true],
      [[3, 4, 5], 1, false],
      [[5000, 3], 0, false], // 3 blocks of 2048 rows
      [[9000], undefined, false],
    ];
    for (const [shape, axis, keepDims] of cases) {
      const t = randn(shape, { seed: shape.length + (axis ?? 9) });
      const count = axis === undefined ? t.size : shape[axis]!;
      const host = await onHost(t);
      for (const [name, f] of [["sum", sum], ["mean", mean]] as const) {
        const got = await values(f(t, { axis, keepDims }));
        const { want, mag } = withExecutor(serialExecutor, () => ({
          want: Float64Array.from(f(host, { axis, keepDims }).data),
          mag: Float64Array.from(
            f(tensor(host.data.map(Math.abs), shape), { axis, keepDims }).data,
          ),
        }));
        assertWithin(
          got,
          want,
          (i) => (count + 2) * U * mag[i]! + 1e-30,
          `${name} ${shape} ${axis}`,
        );
      }
    }
  },
);

gpuTest("mse and softmaxCrossEntropy (index and probability labels) on the device", async () => {
  const p = randn([7, 5], { seed: 8 });
  const t = randn([7, 5], { seed: 9 });
  await compare("mse", mse, [p, t], 64);
  const big = randn([4100], { seed: 10 });
  await compare("mse over blocks", mse, [big, randn([4100], { seed: 11 })], 4200);
  const logits = scale(randn([6, 4], { seed: 12 }), 3);
  const indices = tensor([0, 3, 1, 2, 2, 0]);
  await compare("xent indices", softmaxCrossEntropy, [logits, indices], 64);
  const probs = tensor([[1, 0, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0, 1], [0.25, 0.25, 0.25, 0.25], [
    0,
    1,
    0,
    0,
  ], [0.1, 0.2, 0.3, 0.4]]);
  await compare("xent probabilities", softmaxCrossEntropy, [logits, probs], 64);
});

gpuTest("gradients through valueAndGrad on the device equal the CPU's", async () => {
  const f = (a: Tensor, b: Tensor, c: Tensor) =>
    add(
      mean(tanh(add(mul(a, b), c))),
      add(mse(sigmoid(a), relu(b)), mean(div(square(a), exp(neg(c))))),
    );
  const labels = tensor([[0, 1, 0], [1, 0, 0], [0.5, 0.5, 0], [0, 0, 1]]);
  const g = (z: Tensor, l: Tensor) =>
    add(softmaxCrossEntropy(z, l), mean(log(exp(sum(z, { axis: 0 })))));
  const cases: [string, (...t: Tensor[]) => Tensor, Tensor[]][] = [
    ["mixed element-wise", f, [
      randn([4, 3], { seed: 20 }),
      randn([4, 3], { seed: 21 }),
      randn([3], { seed: 22 }),
    ]],
    ["cross-entropy, probability labels", g, [randn([4, 3], { seed: 23 }), labels]],
  ];
  for (const [what, fn, inputs] of cases) {
    const argnums = inputs.map((_, i) => i);
    const vg = valueAndGrad(fn as (...t: Tensor[]) => Tensor, argnums as [0]);
    const { value, grad } = vg(...inputs);
    const grads = grad as unknown as Tensor[];
    const host = await Promise.all(inputs.map(onHost));
    const want = withExecutor(serialExecutor, () => {
      const r = valueAndGrad(fn as (...t: Tensor[]) => Tensor, argnums as [0])(...host);
      return {
        value: Float64Array.from(r.value.data),
        grads: (r.grad as unknown as Tensor[]).map((t) => Float64Array.from(t.data)),
      };
    });
    assertWithin(await values(value), want.value, close(want.value, 64), `${what}: value`);
    assertStrictEquals(grads.length, want.grads.length);
    for (let i = 0; i < grads.length; i++) {
      const w = want.grads[i]!;
      const scaleOf = Math.max(...w.map(Math.abs));
      assertWithin(
        await values(grads[i]!),
        w,
        (j) => 64 * U * Math.abs(w[j]!) + 1e-6 * scaleOf,
        `${what}: gradient ${i}`,
      );
    }
  }
});
