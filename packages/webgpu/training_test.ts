/**
 * Whole training steps on the device: the CLI demo's linear model
 * (mse(x·W + b, y), SGD with momentum) and a two-layer MLP (relu, Adam),
 * trained from the same data and start on the device and on the CPU in
 * float32; the final losses agree within 1e-3 relative. Between steps
 * nothing but the loss read at the end comes back to the host.
 */
import {
  adam,
  add,
  matmul,
  mse,
  randn,
  relu,
  scale,
  serialExecutor,
  sgd,
  softmaxCrossEntropy,
  type Tensor,
  tensor,
  valueAndGrad,
  withExecutor,
  zeros,
} from "@matgrad/core";
import { assert, assertStrictEquals } from "@std/assert";
import { gpuTest } from "./testing/gpu.ts";

type Loss = (...t: Tensor[]) => Tensor;

/** Trains `params` for `steps` and returns every `every`-th loss and the last. */
function trainOn(
  where: "device" | "cpu",
  make: () => { params: Tensor[]; data: Tensor[] },
  loss: Loss,
  optimizer: () => { step(p: Tensor[], g: Tensor[]): void },
  steps: number,
): Promise<number[]> {
  const run = () => {
    const { params, data } = make();
    const argnums = params.map((_, i) => i);
    const vg = valueAndGrad(loss, argnums as [0]);
    const opt = optimizer();
    const values: Tensor[] = [];
    for (let s = 0; s < steps; s++) {
      const { value, grad } = vg(...params, ...data);
      // Copy the loss: a step's tensors are disposed by the next one.
      values.push(scale(value, 1));
      opt.step(params, grad as unknown as Tensor[]);
    }
    return values;
  };
  const losses = where === "cpu" ? withExecutor(serialExecutor, run) : run();
  return Promise.all(losses.map(async (t) => (await t.read())[0]!));
}

function assertClose(got: number[], want: number[], rtol: number, what: string) {
  assertStrictEquals(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1e-12);
    assert(
      err <= rtol,
      `${what}: step ${i} loss ${got[i]} vs the CPU's ${want[i]} (rel ${err})`,
    );
  }
}

gpuTest("the demo's linear model trains on the device to the CPU's loss", async () => {
  const [n, d, m] = [512, 128, 16];
  // One data set on the host, copied to wherever the training runs.
  const { x, y } = withExecutor(serialExecutor, () => {
    const x = randn([n, d], { seed: 1 });
    const wTrue = randn([d, m], { seed: 2 });
    const noise = randn([n, m], { seed: 3 });
    return { x, y: add(matmul(x, wTrue), scale(noise, 0.1)) };
  });
  const make = () => ({
    params: [zeros([d, m]), zeros([m])],
    data: [tensor(x.data, x.shape), tensor(y.data, y.shape)],
  });
  const loss: Loss = (w, b, x, y) => mse(add(matmul(x!, w!), b!), y!);
  const opt = () => sgd({ lr: 0.05, momentum: 0.9 });
  const gpu = await trainOn("device", make, loss, opt, 40);
  const cpu = await trainOn("cpu", make, loss, opt, 40);
  assert(gpu.at(-1)! < gpu[0]! / 10, `the loss fell: ${gpu[0]} → ${gpu.at(-1)}`);
  assertClose(gpu, cpu, 1e-3, "linear");
});

gpuTest(
  "a two-layer MLP (relu, Adam, cross-entropy) trains on the device to the CPU's loss",
  async () => {
    const [n, d, h, c] = [256, 32, 65, 10];
    const { x, labels } = withExecutor(serialExecutor, () => {
      const x = randn([n, d], { seed: 4 });
      const logits = matmul(x, randn([d, c], { seed: 5 }));
      const labels = new Float32Array(n);
      const z = logits.data;
      for (let r = 0; r < n; r++) {
        let best = 0;
        for (let j = 1; j < c; j++) if (z[r * c + j]! > z[r * c + best]!) best = j;
        labels[r] = best;
      }
      return { x, labels: tensor(labels, [n]) };
    });
    const make = () => ({
      params: [
        scale(randn([d, h], { seed: 6 }), 0.2),
        zeros([h]),
        scale(randn([h, c], { seed: 7 }), 0.2),
        zeros([c]),
      ],
      data: [tensor(x.data, x.shape), tensor(labels.data, labels.shape)],
    });
    const loss: Loss = (w1, b1, w2, b2, x, l) =>
      softmaxCrossEntropy(add(matmul(relu(add(matmul(x!, w1!), b1!)), w2!), b2!), l!);
    const opt = () => adam({ lr: 0.01 });
    const gpu = await trainOn("device", make, loss, opt, 30);
    const cpu = await trainOn("cpu", make, loss, opt, 30);
    assert(gpu.at(-1)! < gpu[0]! / 2, `the loss fell: ${gpu[0]} → ${gpu.at(-1)}`);
    assertClose(gpu, cpu, 1e-3, "mlp");
  },
);

gpuTest("an MLP with mse and SGD keeps its parameters on the device", async () => {
  const w1 = scale(randn([8, 16], { seed: 8 }), 0.3);
  const w2 = scale(randn([16, 2], { seed: 9 }), 0.3);
  const x = randn([64, 8], { seed: 10 });
  const y = randn([64, 2], { seed: 11 });
  const vg = valueAndGrad((a: Tensor, b: Tensor) => mse(matmul(relu(matmul(x, a)), b), y), [0, 1]);
  const opt = sgd({ lr: 0.1 });
  const first = (await vg(w1, w2).value.read())[0]!;
  for (let s = 0; s < 20; s++) opt.step([w1, w2], vg(w1, w2).grad);
  const last = (await vg(w1, w2).value.read())[0]!;
  assert(w1.onDevice && w2.onDevice);
  assert(last < first, `${first} → ${last}`);
});
