/**
 * {@linkcode adam}: the Adam optimizer (Kingma & Ba, 2015).
 *
 * @module
 */
import { storageOf } from "../tensor/tensor.ts";
import type { AdamRun } from "../kernels/tasks.ts";
import { run } from "../ops/op_helpers.ts";
import { allocateData } from "../tensor/storage.ts";
import { checkHyper, checkStep, type Optimizer } from "./optimizer.ts";

/** Options of {@linkcode adam}. */
export interface AdamOptions {
  /** The learning rate, ≥ 0. Default: 0.001. */
  lr?: number;
  /** Decay of the first-moment average, in [0, 1). Default: 0.9. */
  beta1?: number;
  /** Decay of the second-moment average, in [0, 1). Default: 0.999. */
  beta2?: number;
  /** Added to the root of the second moment to avoid dividing by 0, > 0. Default: 1e-8. */
  eps?: number;
}

/**
 * Creates an Adam optimizer. Each `step` does, per element, with t counting
 * this parameter's steps from 1:
 * `m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
 * p = p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + eps)` (PyTorch's form).
 * Moments are kept in float64 per parameter Tensor.
 *
 * @throws {RangeError} if a hyper-parameter is out of range (naming it and its value).
 * @example
 * ```ts
 * import { adam, tensor } from "@matgrad/core";
 * import { assert } from "@std/assert";
 *
 * const p = tensor([1, -1], undefined, "float64");
 * adam({ lr: 0.1 }).step([p], [tensor([5, -0.01], undefined, "float64")]);
 * // The first step moves every element by about lr, whatever the gradient's size.
 * assert(Math.abs(p.data[0]! - 0.9) < 1e-6 && Math.abs(p.data[1]! + 0.9) < 1e-6);
 * ```
 */
export function adam(options: AdamOptions = {}): Optimizer {
  const lr = checkHyper("adam", "lr", options.lr ?? 1e-3, 0);
  const beta1 = checkHyper("adam", "beta1", options.beta1 ?? 0.9, 0, 1);
  const beta2 = checkHyper("adam", "beta2", options.beta2 ?? 0.999, 0, 1);
  const eps = checkHyper("adam", "eps", options.eps ?? 1e-8, Number.MIN_VALUE);
  const state = new WeakMap<object, { m: Float64Array; v: Float64Array; t: number }>();
  return {
    step(params, grads) {
      checkStep("adam", params, grads);
      const tasks: AdamRun[] = [];
      for (let i = 0; i < params.length; i++) {
        const p = storageOf(params[i]!);
        let s = state.get(params[i]!);
        if (s === undefined) {
          s = {
            m: allocateData("float64", p.length, true) as Float64Array,
            v: allocateData("float64", p.length, true) as Float64Array,
            t: 0,
          };
          state.set(params[i]!, s);
        }
        const t = ++s.t;
        const n = p.length;
        tasks.push({
          kind: "adam",
          p,
          g: storageOf(grads[i]!),
          m: s.m,
          v: s.v,
          lr,
          beta1,
          beta2,
          eps,
          c1: 1 - beta1 ** t,
          c2: 1 - beta2 ** t,
          units: n,
          work: 200 * n,
        });
      }
      run(...tasks);
    },
  };
}
