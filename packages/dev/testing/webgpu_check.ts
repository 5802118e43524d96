/**
 * A self-contained check of the WebGPU backend for a browser page (bundled
 * by `apps/web-demo/web_test.ts` and run in Chromium on SwiftShader): every
 * op family on the device against core on the CPU from the same values —
 * products with all four transposes around the kernel's tiles, matmulGrad,
 * element-wise, unary, reductions, both losses, and valueAndGrad with Adam.
 * `webgpuCheck()` resolves with the adapter and a list of failures (empty
 * when all agree), or rejects where there is no adapter.
 *
 * @module
 */
import {
  adam,
  add,
  exp,
  log,
  matmul,
  matmulGrad,
  mean,
  mse,
  mul,
  randn,
  relu,
  scale,
  serialExecutor,
  sigmoid,
  softmaxCrossEntropy,
  sqrt,
  sub,
  sum,
  tanh,
  type Tensor,
  tensor,
  valueAndGrad,
  withExecutor,
} from "@matgrad/core";
import { webgpuExecutor } from "@matgrad/webgpu";

const U = 2 ** -24;

/** The result: the adapter, how many comparisons ran, and what disagreed. */
export interface WebgpuCheck {
  /** The adapter's description. */
  adapter: string;
  /** Comparisons made. */
  checks: number;
  /** One line per disagreement. */
  failures: string[];
}

/** Runs the check on the WebGPU executor; see the module doc. */
export async function webgpuCheck(): Promise<WebgpuCheck> {
  const gpu = await webgpuExecutor();
  const failures: string[] = [];
  let checks = 0;
  const onGpu = <T>(fn: () => T) => withExecutor(gpu, fn);
  const onCpu = <T>(fn: () => T) => withExecutor(serialExecutor, fn);
  const toCpu = async (t: Tensor) => {
    const v = await t.read();
    return onCpu(() => tensor(Float32Array.from(v), t.shape));
  };
  /** Compares f on the device with f on the CPU; `bound(i, want)` per element. */
  const compare = async (
    what: string,
    f: (...t: Tensor[]) => Tensor[],
    make: () => Tensor[],
    bound: (want: number, mag: number) => number,
    mags?: (...t: Tensor[]) => Tensor[],
  ) => {
    const inputs = onGpu(make);
    // Host copies first: f may update its inputs in place (an optimizer).
    const host = await Promise.all(inputs.map(toCpu));
    const got = onGpu(() => f(...inputs));
    const want = onCpu(() => f(...host).map((t) => t.data));
    const mag = mags === undefined ? undefined : onCpu(() => {
      const abs = host.map((t) => tensor(t.data.map(Math.abs), t.shape));
      return mags(...abs).map((t) => t.data);
    });
    for (let r = 0; r < got.length; r++) {
      const g = await got[r]!.read();
      const w = want[r]!;
      checks++;
      for (let i = 0; i < w.length; i++) {
        const b = bound(w[i]!, mag?.[r]?.[i] ?? 0);
        if (!(Math.abs(g[i]! - w[i]!) <= b)) {
          failures.push(`${what}[${r}] element ${i}: ${g[i]} vs ${w[i]} (bound ${b})`);
          break;
        }
      }
    }
  };
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 1, 5],
    [15, 17, 16],
    [63, 65, 17],
    [64, 64, 64],
    [2, 3, 300],
    [1, 129, 2],
  ];
  for (const [m, n, k] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const o = { transposeA: ta, transposeB: tb };
        const seed = m * 131 + n * 7 + k + (ta ? 1 : 0) + (tb ? 2 : 0);
        const make = () => [
          randn(ta ? [k, m] : [m, k], { seed }),
          randn(tb ? [n, k] : [k, n], { seed: seed + 1 }),
          randn([m, n], { seed: seed + 2 }),
        ];
        const bound = (depth: number) => (_w: number, mag: number) => (depth + 2) * U * mag + 1e-30;
        await compare(
          `matmul ${m}×${k}·${k}×${n} ${ta} ${tb}`,
          (a, b) => [matmul(a!, b!, o)],
          make,
          bound(k),
          (a, b) => [matmul(a!, b!, o)],
        );
        const grads = (a?: Tensor, b?: Tensor, d?: Tensor) => {
          const g = matmulGrad(a!, b!, d!, o);
          return [g.dA, g.dB];
        };
        await compare(
          `matmulGrad ${m}×${k}·${k}×${n} ${ta} ${tb}`,
          grads,
          make,
          bound(m + n),
          grads,
        );
      }
    }
  }
  const ulps = (u: number) => (w: number) => u * U * Math.abs(w) + 1e-6;
  const x = () => [randn([5, 33], { seed: 1 }), exp(randn([33], { seed: 2 }))];
  await compare(
    "add/sub/mul broadcast",
    (a, b) => [add(a!, b!), sub(a!, b!), mul(a!, b!)],
    x,
    ulps(2),
  );
  await compare("exp/log/sqrt/relu", (a, b) => [exp(a!), log(b!), sqrt(b!), relu(a!)], x, ulps(16));
  await compare("sigmoid/tanh", (a) => [sigmoid(scale(a!, 6)), tanh(scale(a!, 3))], x, ulps(64));
  const sums = (a?: Tensor) => [sum(a!), mean(a!, { axis: 0 }), sum(a!, { axis: 1 })];
  await compare("sum/mean", sums, x, (_w, mag) => 40 * U * mag + 1e-30, sums);
  const losses = () => [
    randn([6, 4], { seed: 3 }),
    randn([6, 4], { seed: 4 }),
    tensor([0, 3, 1, 2, 2, 0]),
  ];
  await compare(
    "mse/softmaxCrossEntropy",
    (p, t, l) => [mse(p!, t!), softmaxCrossEntropy(scale(p!, 3), l!)],
    losses,
    ulps(64),
  );
  const mlp = (w1?: Tensor, w2?: Tensor, xx?: Tensor, l?: Tensor) =>
    softmaxCrossEntropy(matmul(relu(matmul(xx!, w1!)), w2!), l!);
  const train = (w1?: Tensor, w2?: Tensor, xx?: Tensor, l?: Tensor) => {
    const vg = valueAndGrad(mlp, [0, 1]);
    const opt = adam({ lr: 0.01 });
    let value = vg(w1!, w2!, xx!, l!).value;
    for (let s = 0; s < 5; s++) {
      const r = vg(w1!, w2!, xx!, l!);
      value = scale(r.value, 1);
      opt.step([w1!, w2!], r.grad);
    }
    return [value, w1!, w2!];
  };
  const mlpInputs = () => [
    scale(randn([8, 16], { seed: 5 }), 0.3),
    scale(randn([16, 3], { seed: 6 }), 0.3),
    randn([32, 8], { seed: 7 }),
    tensor(Array.from({ length: 32 }, (_, i) => i % 3)),
  ];
  await compare("MLP, 5 Adam steps", train, mlpInputs, (w) => 1e-4 * Math.abs(w) + 1e-5);
  return { adapter: gpu.adapter, checks, failures };
}
