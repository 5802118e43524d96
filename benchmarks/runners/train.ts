/**
 * One training step of the linear model Y = X·W + b (forward, MSE loss,
 * backward, SGD update) through `@matgrad/core`'s autograd, serially or with
 * the matmul gradients on `@matgrad/parallel`'s pool. Both APIs are looked up
 * at load time, so a missing one is reported as unavailable.
 *
 * @module
 */
import * as core from "@matgrad/core";
import type { Tensor } from "@matgrad/core";
import type { Data } from "../inputs.ts";
import { LR } from "../train_reference.ts";
import { importParallel } from "./parallel.ts";
import type { Runner, RunnerSpec } from "./types.ts";

type Loss = (x: Tensor, w: Tensor, b: Tensor, t: Tensor) => Tensor;
/** What `valueAndGrad(f, [1, 2])` and `valueAndGradParallel(f, pool, [1, 2])` return. */
interface ValueAndGrad {
  value: Tensor;
  grad: Tensor[];
}
type Stepper = (x: Tensor, w: Tensor, b: Tensor, t: Tensor) => ValueAndGrad | Promise<ValueAndGrad>;
type Share = (t: Tensor) => Tensor;
type ValueAndGradFn = (f: Loss, argnums: number[]) => Stepper;
type ValueAndGradParallelFn = (f: Loss, pool: unknown, argnums: number[]) => Stepper;
interface Optimizer {
  step(params: Tensor[], grads: Tensor[]): void;
}

/** The training-step runners: serial and on a pool (the calling thread and one worker). */
export const TRAINERS: readonly RunnerSpec[] = [
  trainer("train-serial", "matgrad autograd, serial", 1, () => Promise.resolve(serial())),
  trainer("train-pool-2", "matgrad autograd, pool on 2 threads", 2, () => onPool(1)),
  tfjs("cpu"),
  tfjs("wasm"),
];

/** tfjs's own training step on one of its backends (float32 only). */
function tfjs(backend: "cpu" | "wasm"): RunnerSpec {
  return {
    id: `train-tfjs-${backend}`,
    label: `tfjs-backend-${backend} 4.22, tf.train.sgd`,
    kind: "peer",
    threads: 1,
    bench: "train",
    load: async () => (await import("./tfjs.ts")).loadTfjsTrain(backend),
  };
}

function trainer(
  id: string,
  label: string,
  threads: number,
  make: () => Promise<Made>,
): RunnerSpec {
  return {
    id,
    label,
    kind: "matgrad",
    threads,
    bench: "train",
    load: async () => build(await make()),
  };
}

interface Made {
  stepper: Stepper;
  close: () => Promise<void>;
  notes: string;
  /** Moves a tensor into shared memory once, so the pool does not copy it every step. */
  share: Share;
}

function api(): {
  loss: Loss;
  sgd: (o: { lr: number }) => Optimizer;
  valueAndGrad: ValueAndGradFn;
} {
  const c = core as Record<string, unknown>;
  const missing = ["valueAndGrad", "sgd", "mse", "add", "matmul"].filter((k) =>
    typeof c[k] !== "function"
  );
  if (missing.length > 0) {
    throw new Error(`@matgrad/core does not export ${missing.join(", ")} yet`);
  }
  const mse = c.mse as (p: Tensor, t: Tensor) => Tensor;
  const add = c.add as (a: Tensor, b: Tensor) => Tensor;
  return {
    loss: (x, w, b, t) => mse(add(core.matmul(x, w), b), t),
    sgd: c.sgd as (o: { lr: number }) => Optimizer,
    valueAndGrad: c.valueAndGrad as ValueAndGradFn,
  };
}

function serial(): Made {
  const { loss, valueAndGrad } = api();
  return {
    stepper: valueAndGrad(loss, [1, 2]),
    close: () => Promise.resolve(),
    share: (t: Tensor) => t,
    notes: "valueAndGrad(mse(add(matmul(X, W), b), T), [1, 2]) + sgd({ lr }).step",
  };
}

async function onPool(workers: number): Promise<Made> {
  const { loss } = api();
  const mod = await importParallel();
  const vgp = mod.valueAndGradParallel as ValueAndGradParallelFn | undefined;
  if (typeof vgp !== "function") {
    throw new Error("@matgrad/parallel does not export valueAndGradParallel yet");
  }
  const pool =
    (mod.createPool as (o: { workers: number }) => { close(): unknown; ready(): Promise<void> })({
      workers,
    });
  await pool.ready();
  return {
    stepper: vgp(loss, pool, [1, 2]),
    close: async () => void await pool.close(),
    share: typeof mod.toShared === "function" ? mod.toShared as Share : (t: Tensor) => t,
    notes:
      `valueAndGradParallel(loss, createPool({ workers: ${workers} }), [1, 2]) + sgd({ lr }).step; X, W, b, T toShared once`,
  };
}

function build(t: Made): Runner {
  const { sgd } = api();
  return {
    notes: `${t.notes} (backend "${core.getBackend()}")`,
    supports: (op) => op === "train",
    prepare(c, x) {
      // Copies: the step updates W and b in place, and the operands are shared.
      const [X, T, W, b] = [
        core.tensor(x.a, [c.n, c.d], c.dtype),
        core.tensor(x.dC, [c.n, c.m], c.dtype),
        core.tensor(x.b, [c.d, c.m], c.dtype),
        core.tensor(x.bias, [c.m], c.dtype),
      ].map(t.share) as [Tensor, Tensor, Tensor, Tensor];
      const opt = sgd({ lr: LR });
      let loss = NaN;
      return Promise.resolve({
        run: async () => {
          const { value, grad } = await t.stepper(X, W, b, T);
          opt.step([W, b], grad);
          loss = value.data[0]!;
        },
        read: (): Data[] => [Float64Array.of(loss), W.data.slice(), b.data.slice()],
        dispose: () => {},
      });
    },
    close: t.close,
  };
}
