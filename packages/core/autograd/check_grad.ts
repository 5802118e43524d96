/**
 * {@linkcode checkGrad}: analytic gradients against central finite
 * differences, like `torch.autograd.gradcheck` and `jax.test_util.check_grads`.
 *
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import { describe, isTensor, Tensor } from "../tensor/tensor.ts";
import { valueAndGrad } from "./grad.ts";
import { untraced } from "./tape.ts";

/** Options of {@linkcode checkGrad}. */
export interface CheckGradOptions {
  /** The finite-difference step. Default: 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default: 1e-5. */
  atol?: number;
  /** Relative tolerance (against the numerical value). Default: 1e-3. */
  rtol?: number;
  /** Names of the inputs for the report. Default: `input 0`, `input 1`, … */
  names?: readonly string[];
  /** Throw a {@linkcode GradCheckError} carrying the report when the check fails. Default: false. */
  throwOnFailure?: boolean;
}

/** The worst element of one input. */
export interface GradCheckEntry {
  /** The input's name. */
  name: string;
  /** Its shape. */
  shape: readonly number[];
  /** The multi-index of the element with the largest error relative to its tolerance. */
  index: number[];
  /** The gradient from {@linkcode valueAndGrad} there. */
  analytic: number;
  /** The central finite difference there. */
  numeric: number;
  /** `|analytic − numeric|`. */
  error: number;
  /** `atol + rtol·|numeric|`. */
  tolerance: number;
  /** Whether every element of this input is within its tolerance. */
  ok: boolean;
}

/** What {@linkcode checkGrad} found. */
export interface GradCheckReport {
  /** Whether every element of every input passed. */
  ok: boolean;
  /** One entry per input, in argument order. */
  inputs: GradCheckEntry[];
  /** A readable table of the entries. */
  text: string;
}

/**
 * Thrown by {@linkcode checkGrad} with `throwOnFailure`; carries the report.
 *
 * @example
 * ```ts
 * import { checkGrad, GradCheckError, sum, type Tensor, tensor } from "@matgrad/core";
 * import { assertThrows } from "@std/assert";
 *
 * // A hand-made "gradient" error: the tolerance is negative, so nothing passes.
 * assertThrows(
 *   () => checkGrad((x: Tensor) => sum(x), [tensor([1, 2])], { atol: -1, throwOnFailure: true }),
 *   GradCheckError,
 * );
 * ```
 */
export class GradCheckError extends Error {
  /** The failed report. */
  readonly report: GradCheckReport;
  /** Creates the error from a failed report. */
  constructor(report: GradCheckReport) {
    super(`checkGrad: analytic and numerical gradients differ\n${report.text}`);
    this.name = "GradCheckError";
    this.report = report;
  }
}

/**
 * Checks f's gradient with respect to every input. The analytic gradient is
 * computed by {@linkcode valueAndGrad} on the inputs as given; the numerical
 * one by central differences `(f(x + eps) − f(x − eps)) / 2eps` on float64
 * copies of the inputs, one element at a time (2 evaluations per element, so
 * keep inputs small). An element passes when
 * `|analytic − numeric| ≤ atol + rtol·|numeric|`; the report names, for each
 * input, the element worst relative to its tolerance.
 *
 * @throws {TypeError} if an input is not a Tensor or f does not return a scalar Tensor.
 * @throws {RangeError} if `eps` is not positive.
 * @throws {GradCheckError} if the check fails and `throwOnFailure` is set.
 * @example
 * ```ts
 * import { checkGrad, exp, randn, sum, type Tensor } from "@matgrad/core";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const report = checkGrad((x: Tensor) => sum(exp(x)), [randn([2, 3], { seed: 1, dtype: "float64" })]);
 * assert(report.ok, report.text);
 * assertEquals(report.inputs[0]!.shape, [2, 3]);
 * ```
 */
export function checkGrad(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: CheckGradOptions = {},
): GradCheckReport {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, names = [], throwOnFailure = false } = options;
  if (!(typeof eps === "number" && eps > 0 && Number.isFinite(eps))) {
    throw new RangeError(`checkGrad: eps must be a positive number, got ${String(eps)}`);
  }
  if (!Array.isArray(inputs)) {
    throw new TypeError(`checkGrad: inputs must be an array of Tensors, got ${describe(inputs)}`);
  }
  inputs.forEach((x, i) => {
    if (!isTensor(x)) {
      throw new TypeError(`checkGrad: input ${i} must be a Tensor, got ${describe(x)}`);
    }
  });
  const argnums = inputs.map((_, i) => i);
  const analytic = valueAndGrad(f, argnums)(...inputs).grad;
  const x64 = inputs.map((x) => new Tensor(Float64Array.from(x.data), x.shape));
  const evaluate = () => untraced(() => f(...x64)).item();
  const entries = inputs.map((x, i): GradCheckEntry => {
    const data = x64[i]!.data;
    const g = analytic[i]!.data;
    let worst = -1;
    let worstRatio = -Infinity;
    let ok = true;
    let best = { analytic: NaN, numeric: NaN, error: NaN, tolerance: NaN };
    for (let j = 0; j < data.length; j++) {
      const v = data[j]!;
      data[j] = v + eps;
      const plus = evaluate();
      data[j] = v - eps;
      const minus = evaluate();
      data[j] = v;
      const numeric = (plus - minus) / (2 * eps);
      const a = g[j]!;
      const error = Math.abs(a - numeric);
      const tolerance = atol + rtol * Math.abs(numeric);
      // NaN anywhere fails, and counts as the worst.
      const ratio = Number.isNaN(error) ? Infinity : error / Math.max(tolerance, 1e-300);
      if (!(error <= tolerance)) ok = false;
      if (ratio > worstRatio || worst < 0) {
        worst = j;
        worstRatio = ratio;
        best = { analytic: a, numeric, error, tolerance };
      }
    }
    return {
      name: names[i] ?? `input ${i}`,
      shape: [...x.shape],
      index: worst < 0 ? [] : unravel(worst, x.shape),
      ...best,
      ok,
    };
  });
  const report = { ok: entries.every((e) => e.ok), inputs: entries, text: format(entries) };
  if (!report.ok && throwOnFailure) throw new GradCheckError(report);
  return report;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let a = shape.length - 1; a >= 0; a--) {
    index[a] = flat % shape[a]!;
    flat = Math.floor(flat / shape[a]!);
  }
  return index;
}

function format(entries: readonly GradCheckEntry[]): string {
  const num = (v: number) => (Number.isFinite(v) ? v.toPrecision(8) : String(v));
  return entries.map((e) =>
    `${e.ok ? "ok  " : "FAIL"} ${e.name} (${formatShape(e.shape)}): worst at [${
      e.index.join(", ")
    }] analytic ${num(e.analytic)} numeric ${num(e.numeric)} error ${
      e.error.toExponential(2)
    } (tolerance ${e.tolerance.toExponential(2)})`
  ).join("\n");
}
