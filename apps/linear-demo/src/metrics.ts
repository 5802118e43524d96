/**
 * Evaluation in float64: predictions of a linear model, mean squared error,
 * R² and the relative distance between weight matrices.
 *
 * @module
 */
import { Tensor } from "@matgrad/core";
import type { LinearParams } from "./least_squares.ts";

/**
 * X·W + b computed in float64 with a plain loop (independent of the kernels
 * under test, and cheap at the demo's sizes).
 *
 * @example
 * ```ts
 * import { predict } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const p = predict(tensor([[1, 2]]), { w: tensor([[3], [4]]), b: tensor([5]) });
 * assertEquals(p.toArray(), [[16]]);
 * ```
 */
export function predict(x: Tensor, { w, b }: LinearParams): Tensor {
  const [n, d] = x.shape as [number, number];
  const m = w.shape[1]!;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      let s = b.data[c]!;
      for (let j = 0; j < d; j++) s += x.data[i * d + j]! * w.data[j * m + c]!;
      out[i * m + c] = s;
    }
  }
  return new Tensor(out, [n, m]);
}

/**
 * The mean of (pred − target)² over all elements.
 *
 * @example
 * ```ts
 * import { meanSquaredError } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(meanSquaredError(tensor([1, 2]), tensor([1, 4])), 2);
 * ```
 */
export function meanSquaredError(pred: Tensor, target: Tensor): number {
  let s = 0;
  for (let i = 0; i < pred.size; i++) s += (pred.data[i]! - target.data[i]!) ** 2;
  return s / pred.size;
}

/**
 * The coefficient of determination 1 − SS_res / SS_tot, averaged over the
 * target columns (each column against its own mean).
 *
 * @example
 * ```ts
 * import { rSquared } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(rSquared(tensor([[1], [2], [3]]), tensor([[1], [2], [3]])), 1);
 * ```
 */
export function rSquared(pred: Tensor, target: Tensor): number {
  const [n, m] = target.shape as [number, number];
  let total = 0;
  for (let c = 0; c < m; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += target.data[i * m + c]!;
    mean /= n;
    let res = 0, tot = 0;
    for (let i = 0; i < n; i++) {
      res += (target.data[i * m + c]! - pred.data[i * m + c]!) ** 2;
      tot += (target.data[i * m + c]! - mean) ** 2;
    }
    total += 1 - res / tot;
  }
  return total / m;
}

/**
 * ‖A − B‖ / ‖B‖ in the Frobenius norm, for example ‖W − W*‖ / ‖W*‖.
 *
 * @example
 * ```ts
 * import { relativeError } from "@matgrad/linear-demo";
 * import { tensor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(relativeError(tensor([3, 4]), tensor([3, 0])), 4 / 3);
 * ```
 */
export function relativeError(a: Tensor, b: Tensor): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.size; i++) {
    num += (a.data[i]! - b.data[i]!) ** 2;
    den += b.data[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
