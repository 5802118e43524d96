/**
 * The correctness check every runner passes before it is timed: results are
 * compared with float64 sums of the same float32-exact operands.
 *
 * Any summation order of k products in a dtype with unit roundoff u is within
 * k·u·Σ|x||y| of the exact sum (fused or not, blocked or not), so that bound,
 * doubled for the reference's own rounding, separates a legitimately rounded
 * result from a wrong one: a wrong element is off by about Σ|x||y|/√k.
 *
 * @module
 */
import { type Data, type Operands, rng } from "./inputs.ts";
import type { Case, DType } from "./shapes.ts";
import { checkTrainStep } from "./train_reference.ts";

/** A matrix read through strides: element (i, j) is `data[i·rs + j·cs]`. */
export interface View {
  readonly data: Data;
  readonly rows: number;
  readonly cols: number;
  readonly rs: number;
  readonly cs: number;
}

/** A row-major `rows×cols` matrix, or its transpose (read in place, never copied). */
export function view(data: Data, rows: number, cols: number, transposed = false): View {
  return transposed
    ? { data, rows: cols, cols: rows, rs: 1, cs: cols }
    : { data, rows, cols, rs: cols, cs: 1 };
}

/** What a check found; `worst` is the largest error as a fraction of its bound. */
export interface CheckResult {
  readonly ok: boolean;
  readonly worst: number;
  readonly message: string;
}

const U = { float32: 2 ** -24, float64: 2 ** -53 } as const;
const SAMPLE_ROWS = 16;

/**
 * Checks `out` (row-major, x.rows×y.cols) against x·y: every element of a
 * sample of rows (all rows when there are few), and every row through a
 * Freivalds product out·v = x·(y·v) with a random ±1 vector v.
 */
export function checkProduct(name: string, out: Data, x: View, y: View, dtype: DType): CheckResult {
  const n = x.rows, k = x.cols, m = y.cols;
  if (out.length !== n * m) {
    return fail(`${name}: has ${out.length} elements, expected ${n}×${m} = ${n * m}`);
  }
  const scale = 2 * k * U[dtype] + 4 * (k + m) * U.float64;
  const next = rng(n * 31 + k * 17 + m);
  let worst = 0;
  const rows = n <= SAMPLE_ROWS * 2
    ? Array.from({ length: n }, (_, i) => i)
    : [0, n - 1, ...Array.from({ length: SAMPLE_ROWS }, () => Math.floor(next() * n))];
  for (const i of rows) {
    for (let j = 0; j < m; j++) {
      let ref = 0, abs = 0;
      for (let p = 0; p < k; p++) {
        const t = x.data[i * x.rs + p * x.cs]! * y.data[p * y.rs + j * y.cs]!;
        ref += t;
        abs += Math.abs(t);
      }
      const got = out[i * m + j]!;
      const err = Math.abs(got - ref), bound = scale * abs + 1e-300;
      if (!(err <= bound)) {
        return fail(
          `${name}[${i}][${j}] = ${got}, float64 reference ${ref} (error ${
            err.toExponential(2)
          } > ` +
            `bound ${bound.toExponential(2)})`,
        );
      }
      worst = Math.max(worst, err / bound);
    }
  }
  const v = Float64Array.from({ length: m }, () => (next() < 0.5 ? -1 : 1));
  const yv = new Float64Array(k), yAbs = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    let s = 0, sa = 0;
    for (let j = 0; j < m; j++) {
      const e = y.data[p * y.rs + j * y.cs]!;
      s += e * v[j]!;
      sa += Math.abs(e);
    }
    yv[p] = s;
    yAbs[p] = sa;
  }
  for (let i = 0; i < n; i++) {
    let lhs = 0, rhs = 0, abs = 0;
    for (let j = 0; j < m; j++) lhs += out[i * m + j]! * v[j]!;
    for (let p = 0; p < k; p++) {
      const e = x.data[i * x.rs + p * x.cs]!;
      rhs += e * yv[p]!;
      abs += Math.abs(e) * yAbs[p]!;
    }
    const err = Math.abs(lhs - rhs), bound = scale * abs + 1e-300;
    if (!(err <= bound)) {
      return fail(
        `${name}: row ${i} fails the Freivalds check (|out·v − x·(y·v)| = ` +
          `${err.toExponential(2)} > bound ${bound.toExponential(2)})`,
      );
    }
    worst = Math.max(worst, err / bound);
  }
  return {
    ok: true,
    worst,
    message: `${name}: ok (worst error ${(worst * 100).toFixed(3)}% of bound)`,
  };
}

/** A failed check with its message. */
export function fail(message: string): CheckResult {
  return { ok: false, worst: Infinity, message };
}

/** Checks a case's outputs: [C] forward, [dA, dB] backward, [loss, W, b] after one train step. */
export function checkCase(c: Case, x: Operands, outs: readonly Data[]): CheckResult {
  const want = c.op === "forward" ? 1 : c.op === "backward" ? 2 : 3;
  if (outs.length !== want) {
    return fail(`${c.op}: returned ${outs.length} arrays, expected ${want}`);
  }
  if (c.op === "forward") {
    return checkProduct("C", outs[0]!, view(x.a, c.n, c.d), view(x.b, c.d, c.m), c.dtype);
  }
  if (c.op === "train") return checkTrainStep(c, x, outs);
  const dA = checkProduct(
    "dA = dC·Bᵀ",
    outs[0]!,
    view(x.dC, c.n, c.m),
    view(x.b, c.d, c.m, true),
    c.dtype,
  );
  if (!dA.ok) return dA;
  const dB = checkProduct(
    "dB = Aᵀ·dC",
    outs[1]!,
    view(x.a, c.n, c.d, true),
    view(x.dC, c.n, c.m),
    c.dtype,
  );
  return dB.ok
    ? { ok: true, worst: Math.max(dA.worst, dB.worst), message: `${dA.message}; ${dB.message}` }
    : dB;
}
