/**
 * The optimizers' update loops, in place, element by element.
 *
 * @module
 */
import type { AdamRun, SgdRun } from "./tasks.ts";

/** SGD units `[from, to)`: elements; with momentum when the velocity `v` has elements. */
export function runSgd(t: SgdRun, from: number, to: number): void {
  const { p, g, v, lr, momentum } = t;
  if (v.length === 0) {
    for (let j = from; j < to; j++) p[j] = p[j]! - lr * g[j]!;
    return;
  }
  for (let j = from; j < to; j++) {
    const vj = momentum * v[j]! + g[j]!;
    v[j] = vj;
    p[j] = p[j]! - lr * vj;
  }
}

/** Adam units `[from, to)`: elements. */
export function runAdam(t: AdamRun, from: number, to: number): void {
  const { p, g, m, v, lr, beta1, beta2, eps, c1, c2 } = t;
  for (let j = from; j < to; j++) {
    const gj = g[j]!;
    const mj = beta1 * m[j]! + (1 - beta1) * gj;
    const vj = beta2 * v[j]! + (1 - beta2) * gj * gj;
    m[j] = mj;
    v[j] = vj;
    p[j] = p[j]! - lr * (mj / c1) / (Math.sqrt(vj / c2) + eps);
  }
}
