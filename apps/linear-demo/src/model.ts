/**
 * The model and its training step: pred = X·W + b, loss = MSE, gradients by
 * `@matgrad/core`'s autograd, serially or with every op of the step split
 * across the calling thread and a worker pool (the pool as the executor;
 * the same bits).
 *
 * @module
 */
import {
  adam,
  add,
  type Executor,
  matmul,
  mse,
  type Optimizer,
  serialExecutor,
  sgd,
  type Tensor,
  tensor,
  valueAndGrad,
  withExecutor,
  zeros,
} from "@matgrad/core";
import type { Pool } from "@matgrad/parallel";
import type { LinearParams } from "./least_squares.ts";

/**
 * The training objective: mean((X·W + b − Y)²), b broadcast over the rows.
 *
 * @example
 * ```ts
 * import { linearLoss } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const loss = linearLoss(tensor([[1], [2]]), tensor([1]), tensor([[1, 1]]), tensor([[4]]));
 * assertStrictEquals(loss.item(), 0); // 1·1 + 1·2 + 1 = 4
 * ```
 */
export function linearLoss(w: Tensor, b: Tensor, x: Tensor, y: Tensor): Tensor {
  return mse(add(matmul(x, w), b), y);
}

/** Optimizer settings of {@linkcode createTrainer}. */
export interface OptimizerOptions {
  /** `"sgd"` (with optional momentum) or `"adam"`. */
  optimizer: "sgd" | "adam";
  /** The learning rate. */
  lr: number;
  /** SGD's momentum in [0, 1). */
  momentum?: number;
}

/** What the training loop drives: parameters, one step, and batch buffers. */
export interface Trainer {
  /** W (D×M) and b (M), float64, updated in place by {@linkcode Trainer.step}. */
  readonly params: LinearParams;
  /** One minibatch step: loss and gradients at the current W, b, then an update. Returns the loss. */
  step(x: Tensor, y: Tensor): Promise<number>;
  /**
   * A float64 buffer for a minibatch; in the pool's shared memory when a pool is used,
   * so the workers read it without a copy.
   */
  buffer(size: number): Float64Array;
  /**
   * W and b as float64 host tensors: {@linkcode Trainer.params} itself on the
   * CPU, a copy read from the device on a device executor.
   */
  snapshot(): Promise<LinearParams>;
}

/**
 * Creates W = 0, b = 0 and the training step for D inputs and M outputs.
 * With a `pool` every op of a step runs on it, split across the calling
 * thread and its workers; the losses and parameters are then bit for bit
 * those of the serial run.
 *
 * @example
 * ```ts
 * import { createTrainer } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assert } from "@std/assert";
 *
 * const t = createTrainer(1, 1, { optimizer: "sgd", lr: 0.1 });
 * const x = tensor([[1], [2]], undefined, "float64"), y = tensor([[2], [4]], undefined, "float64");
 * const first = await t.step(x, y);
 * const second = await t.step(x, y);
 * assert(second < first);
 * ```
 */
export function createTrainer(
  d: number,
  m: number,
  options: OptimizerOptions,
  pool?: Pool,
  device?: Executor,
): Trainer {
  if (device !== undefined) return deviceTrainer(d, m, options, device);
  // Where every op of a step runs: on the pool (the calling thread and its
  // workers, over shared memory), or on this thread. The parameters and the
  // batch buffers are made there too, so that no step copies them.
  const executor = pool ?? serialExecutor;
  const on = <T>(fn: () => T): T => withExecutor(executor, fn);
  const alloc = (shape: number[]) => on(() => zeros(shape, "float64"));
  const params = { w: alloc([d, m]), b: alloc([m]) };
  const opt: Optimizer = options.optimizer === "adam"
    ? adam({ lr: options.lr })
    : sgd({ lr: options.lr, momentum: options.momentum ?? 0 });
  const grads = valueAndGrad(linearLoss, [0, 1]);
  const list = [params.w, params.b];
  return {
    params,
    step(x, y) {
      return Promise.resolve(on(() => {
        const { value, grad } = grads(params.w, params.b, x, y);
        opt.step(list, grad);
        return value.item();
      }));
    },
    buffer: (size) => alloc([size]).data as Float64Array,
    snapshot: () => Promise.resolve(params),
  };
}

function makeOptimizer(options: OptimizerOptions): Optimizer {
  return options.optimizer === "adam"
    ? adam({ lr: options.lr })
    : sgd({ lr: options.lr, momentum: options.momentum ?? 0 });
}

// On a device (the "webgpu" executor): float32 parameters that stay there,
// each batch uploaded as float32, and one read of the loss per step.
function deviceTrainer(d: number, m: number, options: OptimizerOptions, device: Executor): Trainer {
  const on = <T>(fn: () => T): T => withExecutor(device, fn);
  const w = on(() => zeros([d, m])), b = on(() => zeros([m]));
  const opt = makeOptimizer(options);
  const grads = valueAndGrad(linearLoss, [0, 1]);
  const host64 = async (t: Tensor) => tensor(Float64Array.from(await t.read()), t.shape, "float64");
  return {
    params: { w, b },
    async step(x, y) {
      const value = on(() => {
        const f32 = (t: Tensor) => tensor(Float32Array.from(t.data), t.shape);
        const { value, grad } = grads(w, b, f32(x), f32(y));
        opt.step([w, b], grad);
        return value;
      });
      return (await value.read())[0]!;
    },
    buffer: (size) => new Float64Array(size),
    snapshot: async () => ({ w: await host64(w), b: await host64(b) }),
  };
}
