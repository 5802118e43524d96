/**
 * The float64 reference for one training step of the linear model
 * Y = X·W + b with loss mean((Y − T)²) over all N·M elements and the SGD
 * update W ← W − lr·∂loss/∂W, b ← b − lr·∂loss/∂b.
 *
 * Error bounds follow the product bound of `reference.ts`: the gradient of an
 * element sums N terms whose inputs carry D + 4 roundings, and the update
 * adds one more rounding, so a wrong gradient (say a missing factor 2, or a
 * mean over N instead of N·M) is caught even though lr·∂W is small next to W.
 *
 * @module
 */
import type { Data, Operands } from "./inputs.ts";
import type { CheckResult } from "./reference.ts";
import type { Case } from "./shapes.ts";

/** The learning rate of the benchmarked step. */
export const LR = 0.1;

const U = { float32: 2 ** -24, float64: 2 ** -53 } as const;

/** Checks [loss, W after the step, b after the step] against the float64 step. */
export function checkTrainStep(c: Case, x: Operands, outs: readonly Data[]): CheckResult {
  const { n, d, m } = c;
  const [loss, w1, b1] = outs as [Data, Data, Data];
  if (loss.length !== 1 || w1.length !== d * m || b1.length !== m) {
    return bad(`train: got loss, W, b of ${loss.length}, ${w1.length}, ${b1.length} elements`);
  }
  const u = U[c.dtype];
  const nm = n * m;
  const dY = new Float64Array(nm), e = new Float64Array(nm);
  let sum = 0, sumAbs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let z = x.bias[j]!, za = Math.abs(z);
      for (let p = 0; p < d; p++) {
        const t = x.a[i * d + p]! * x.b[p * m + j]!;
        z += t;
        za += Math.abs(t);
      }
      const t = x.dC[i * m + j]!, r = z - t;
      za += Math.abs(t);
      sum += r * r;
      sumAbs += 2 * Math.abs(r) * za;
      dY[i * m + j] = (2 * r) / nm;
      e[i * m + j] = (2 * za) / nm;
    }
  }
  const lossRef = sum / nm;
  const lossBound = 2 * u * ((d + 4) * sumAbs / nm + nm * lossRef) + 1e-300;
  if (!(Math.abs(loss[0]! - lossRef) <= lossBound)) {
    return bad(
      `train: loss ${loss[0]}, float64 reference ${lossRef} (bound ${lossBound.toExponential(2)})`,
    );
  }
  let worst = Math.abs(loss[0]! - lossRef) / lossBound;
  const slack = 2 * (n + d + 8) * u;
  const checkUpdate = (name: string, got: number, w0: number, g: number, ga: number) => {
    const ref = w0 - LR * g;
    const bound = 2 * u * Math.abs(ref) + LR * slack * ga + 1e-300;
    const err = Math.abs(got - ref);
    if (!(err <= bound)) {
      return `train: ${name} = ${got} after the step, float64 reference ${ref} ` +
        `(error ${err.toExponential(2)} > bound ${bound.toExponential(2)})`;
    }
    worst = Math.max(worst, err / bound);
    return undefined;
  };
  for (let p = 0; p < d; p++) {
    for (let j = 0; j < m; j++) {
      let g = 0, ga = 0;
      for (let i = 0; i < n; i++) {
        const xa = x.a[i * d + p]!;
        g += xa * dY[i * m + j]!;
        ga += Math.abs(xa) * e[i * m + j]!;
      }
      const msg = checkUpdate(`W[${p}][${j}]`, w1[p * m + j]!, x.b[p * m + j]!, g, ga);
      if (msg !== undefined) return bad(msg);
    }
  }
  for (let j = 0; j < m; j++) {
    let g = 0, ga = 0;
    for (let i = 0; i < n; i++) {
      g += dY[i * m + j]!;
      ga += e[i * m + j]!;
    }
    const msg = checkUpdate(`b[${j}]`, b1[j]!, x.bias[j]!, g, ga);
    if (msg !== undefined) return bad(msg);
  }
  return {
    ok: true,
    worst,
    message: `loss, W, b: ok (worst error ${(worst * 100).toFixed(3)}% of bound)`,
  };
}

function bad(message: string): CheckResult {
  return { ok: false, worst: Infinity, message };
}
