/**
 * The WebGPU runners: matgrad's `@matgrad/webgpu` executor, and the peers'
 * WebGPU backends that load in Deno — `@tensorflow/tfjs-backend-webgpu` 4.22
 * and jax-js's `"webgpu"` device. Every `run()` ends when the device has
 * finished (matgrad: `executor.sync()`, tfjs: reading one element of the
 * last result, jax-js: `blockUntilReady`), and operands stay on the device
 * between runs.
 *
 * @module
 */
import type { Tensor } from "@matgrad/core";
import type { Scalar as TfScalar, Tensor as TfTensor } from "@tensorflow/tfjs-core";
import type { Data } from "../inputs.ts";
import { LR } from "../train_reference.ts";
import type { Runner, RunnerSpec } from "./types.ts";

/** The adapter's description, as `@matgrad/webgpu` reports it (undefined without one). */
export async function adapterDescription(): Promise<string | undefined> {
  const { webgpuExecutor } = await import("@matgrad/webgpu");
  return (await webgpuExecutor().catch(() => undefined))?.adapter;
}

/** matgrad on WebGPU: forward, backward (matmulGrad), and the training step. */
export async function loadMatgradWebgpu(): Promise<Runner> {
  const { webgpuExecutor } = await import("@matgrad/webgpu");
  const core = await import("@matgrad/core");
  const gpu = await webgpuExecutor();
  const on = <T>(fn: () => T): T => core.withExecutor(gpu, fn);
  const f32 = (d: Data) => Float32Array.from(d);
  return {
    notes: `@matgrad/webgpu on ${gpu.adapter}; backward = matmulGrad; train = valueAndGrad + sgd`,
    supports: (_op, dtype) => dtype === "float32",
    prepare(c, x) {
      const a = on(() => core.tensor(f32(x.a), [c.n, c.d]));
      const b = on(() => core.tensor(f32(x.b), [c.d, c.m]));
      const dC = on(() => core.tensor(f32(x.dC), [c.n, c.m]));
      if (c.op === "train") {
        const bias = on(() => core.tensor(f32(x.bias), [c.m]));
        const loss = (w: Tensor, bb: Tensor) => core.mse(core.add(core.matmul(a, w), bb), dC);
        const step = core.valueAndGrad(loss, [0, 1]);
        const opt = core.sgd({ lr: LR });
        let last: Tensor | undefined;
        return Promise.resolve({
          run: async () => {
            on(() => {
              const { value, grad } = step(b, bias);
              last = core.scale(value, 1);
              opt.step([b, bias], grad);
            });
            await gpu.sync();
          },
          read: async (): Promise<Data[]> => [
            Float64Array.from(await last!.read()),
            await b.read(),
            await bias.read(),
          ],
          dispose: () => [a, b, dC, bias].forEach((t) => t.dispose()),
        });
      }
      const outs = c.op === "forward"
        ? [on(() => core.zeros([c.n, c.m]))]
        : [on(() => core.zeros([c.n, c.d])), on(() => core.zeros([c.d, c.m]))];
      const op = c.op === "forward"
        ? () => void core.matmul(a, b, { out: outs[0]! })
        : () => void core.matmulGrad(a, b, dC, { outA: outs[0]!, outB: outs[1]! });
      return Promise.resolve({
        run: async () => {
          on(op);
          await gpu.sync();
        },
        read: () => Promise.all(outs.map((t) => t.read())),
        dispose: () => [a, b, dC, ...outs].forEach((t) => t.dispose()),
      });
    },
    close: () => Promise.resolve(),
  };
}

/** tfjs 4.22 on its WebGPU backend: forward, backward (two matMuls), tf.train.sgd's step. */
export async function loadTfjsWebgpu(): Promise<Runner> {
  await import("@tensorflow/tfjs");
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error(`tf.setBackend("webgpu") failed`);
  await tf.ready();
  // Waiting on the device's queue ourselves leaves tfjs reading zeros afterwards (seen with
  // lavapipe): wait through tfjs instead, reading one element of the last result.
  const sync = async (t: TfTensor) => {
    const one = t.rank === 0 ? t.clone() : tf.slice(t, t.shape.map(() => 0), t.shape.map(() => 1));
    await one.data();
    one.dispose();
  };
  const f32 = (d: Data) => Float32Array.from(d);
  return {
    notes: `@tensorflow/tfjs-backend-webgpu ${tf.version_core}; backward = ` +
      "tf.matMul(dC, B, false, true) and tf.matMul(A, dC, true, false); train = tf.train.sgd",
    supports: (_op, dtype) => dtype === "float32",
    prepare(c, x) {
      const a = tf.tensor2d(f32(x.a), [c.n, c.d]);
      const b = tf.tensor2d(f32(x.b), [c.d, c.m]);
      const dC = tf.tensor2d(f32(x.dC), [c.n, c.m]);
      if (c.op === "train") {
        const W = tf.variable(b.clone());
        const bias = tf.variable(tf.tensor1d(f32(x.bias)));
        const opt = tf.train.sgd(LR);
        const loss = () =>
          tf.losses.meanSquaredError(dC, tf.add(tf.matMul(a, W), bias)) as TfScalar;
        let last: TfTensor | undefined;
        return Promise.resolve({
          run: async () => {
            last?.dispose();
            last = opt.minimize(loss, true, [W, bias])!;
            await sync(last);
          },
          read: async (): Promise<Data[]> => [
            Float64Array.from(await last!.data()),
            (await W.data()) as Float32Array,
            (await bias.data()) as Float32Array,
          ],
          dispose: () => tf.dispose([a, b, dC, W, bias, ...(last ? [last] : [])]),
        });
      }
      let out: TfTensor[] = [];
      const free = () => out.forEach((t) => t.dispose());
      return Promise.resolve({
        run: async () => {
          free();
          out = c.op === "forward"
            ? [tf.matMul(a, b)]
            : [tf.matMul(dC, b, false, true), tf.matMul(a, dC, true, false)];
          await sync(out.at(-1)!);
        },
        read: () => Promise.all(out.map(async (t) => (await t.data()) as Float32Array)),
        dispose: () => {
          free();
          tf.dispose([a, b, dC]);
        },
      });
    },
    close: () => Promise.resolve(),
  };
}

/** The WebGPU runners, in table order. */
export const WEBGPU_RUNNERS: readonly RunnerSpec[] = [
  {
    id: "matgrad-webgpu",
    label: "matgrad WebGPU",
    kind: "matgrad",
    threads: 1,
    bench: "matmul",
    load: loadMatgradWebgpu,
  },
  {
    id: "tfjs-webgpu",
    label: "tfjs-backend-webgpu 4.22",
    kind: "peer",
    threads: 1,
    bench: "matmul",
    load: loadTfjsWebgpu,
  },
  {
    id: "jax-js-webgpu",
    label: "@jax-js/jax 0.1.25 webgpu",
    kind: "peer",
    threads: 1,
    bench: "matmul",
    load: async () => (await import("./jax.ts")).loadJax(1, false, "webgpu"),
  },
];
