/**
 * {@linkcode sgd}: stochastic gradient descent with optional momentum.
 *
 * @module
 */
import { storageOf } from "../tensor/tensor.ts";
import type { SgdRun } from "../kernels/tasks.ts";
import { run } from "../ops/op_helpers.ts";
import { allocateData } from "../tensor/storage.ts";
import { checkHyper, checkStep, type Optimizer } from "./optimizer.ts";

/** Options of {@linkcode sgd}. */
export interface SgdOptions {
  /** The learning rate, ≥ 0. */
  lr: number;
  /** The momentum factor in [0, 1). Default: 0 (plain gradient descent). */
  momentum?: number;
}

/**
 * Creates a gradient-descent optimizer. Each `step` does, per element,
 * `v = momentum·v + g; p = p − lr·v` (PyTorch's form; v starts at 0, so
 * without momentum this is `p = p − lr·g`). The velocity is kept in float64
 * per parameter Tensor; p is rounded once to its dtype.
 *
 * @throws {RangeError} if `lr` is negative or not finite, or `momentum` is outside [0, 1).
 * @example
 * ```ts
 * import { grad, sgd, square, sum, type Tensor, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const x = tensor([3], undefined, "float64");
 * const opt = sgd({ lr: 0.25 });
 * const f = (x: Tensor) => sum(square(x)); // ∂f/∂x = 2x
 * opt.step([x], [grad(f)(x)]);
 * assertEquals(x.toArray(), [1.5]); // 3 − 0.25·6
 * ```
 */
export function sgd(options: SgdOptions): Optimizer {
  const lr = checkHyper("sgd", "lr", options?.lr, 0);
  const momentum = checkHyper("sgd", "momentum", options.momentum ?? 0, 0, 1);
  const velocity = new WeakMap<object, Float64Array>();
  const none: Float64Array = new Float64Array(0);
  return {
    step(params, grads) {
      checkStep("sgd", params, grads);
      const tasks: SgdRun[] = [];
      for (let i = 0; i < params.length; i++) {
        const p = storageOf(params[i]!);
        let v = none;
        if (momentum !== 0) {
          v = velocity.get(params[i]!) ?? none;
          if (v === none) {
            v = allocateData("float64", p.length, true) as Float64Array;
            velocity.set(params[i]!, v);
          }
        }
        const n = p.length;
        tasks.push({
          kind: "sgd",
          p,
          g: storageOf(grads[i]!),
          v,
          lr,
          momentum,
          units: n,
          work: 40 * n,
        });
      }
      run(...tasks);
    },
  };
}
