/**
 * What the optimizers share: the {@linkcode Optimizer} interface and the
 * checks of hyper-parameters and of `step`'s arguments.
 *
 * @module
 */
import { ShapeError } from "../errors.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import { describe, isTensor, type Tensor } from "../tensor/tensor.ts";

/**
 * An optimizer: `step(params, grads)` updates each parameter Tensor in place
 * (through its `data`) from the gradient at the same position. State such as
 * momentum is kept per parameter Tensor.
 */
export interface Optimizer {
  /**
   * Updates `params[i]` in place from `grads[i]`, which must have its shape.
   *
   * @throws {TypeError} if the lists are not Tensors of equal length.
   * @throws {ShapeError} if a gradient's shape differs from its parameter's.
   */
  step(params: readonly Tensor[], grads: readonly Tensor[]): void;
}

/** Checks a hyper-parameter: a finite number in [min, max) (or [min, max] when `closed`). */
export function checkHyper(
  fn: string,
  name: string,
  value: unknown,
  min: number,
  max: number = Infinity,
  closed?: boolean,
): number {
  const inRange = typeof value === "number" && Number.isFinite(value) && value >= min &&
    (closed ? value <= max : value < max);
  if (!inRange) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}${closed ? "]" : ")"}`;
    throw new RangeError(`${fn}: ${name} must be a finite number ${range}, got ${String(value)}`);
  }
  return value as number;
}

/** Checks `step`'s arguments: equal-length lists of Tensors with matching shapes. */
export function checkStep(fn: string, params: readonly Tensor[], grads: readonly Tensor[]): void {
  if (!Array.isArray(params) || !Array.isArray(grads)) {
    throw new TypeError(
      `${fn}.step: params and grads must be arrays of Tensors, got ${describe(params)} and ${
        describe(grads)
      }`,
    );
  }
  if (params.length !== grads.length) {
    throw new TypeError(
      `${fn}.step: got ${params.length} params but ${grads.length} grads`,
    );
  }
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const g = grads[i];
    if (!isTensor(p)) {
      throw new TypeError(`${fn}.step: params[${i}] must be a Tensor, got ${describe(p)}`);
    }
    if (!isTensor(g)) {
      throw new TypeError(`${fn}.step: grads[${i}] must be a Tensor, got ${describe(g)}`);
    }
    if (!sameShape(p.shape, g.shape)) {
      throw new ShapeError(
        `${fn}.step: grads[${i}] has shape ${formatShape(g.shape)} but params[${i}] has shape ${
          formatShape(p.shape)
        }`,
      );
    }
  }
}
