/**
 * The sweep's checks: one shape, every transpose combination, the product
 * and both gradients, against the float64 references.
 *
 * @module
 */
import type { DType, Tensor } from "@matgrad/core";
import { type Agreement, disagreement, storedTensor, type SweepCase } from "./references.ts";

/** The transpose combinations: NN, NT, TN, TT. */
export const TRANSPOSES: readonly (readonly [boolean, boolean])[] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** The name of a transpose combination, e.g. `"NT"`. */
export function transposeName(transA: boolean, transB: boolean): string {
  return `${transA ? "T" : "N"}${transB ? "T" : "N"}`;
}

/** What one backend returns for one product: C, dA and dB (each stored as its operand). */
export interface ProductResults {
  readonly c: Tensor;
  readonly dA: Tensor;
  readonly dB: Tensor;
}

/** Computes C = matmul(a, b, opts) and matmulGrad(a, b, dC, opts) some way. */
export type RunProduct = (
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: { transposeA: boolean; transposeB: boolean },
) => ProductResults;

/**
 * Checks `run` on every transpose combination of `sc` in `dtype`. Returns
 * one line per disagreement (empty when all agree).
 */
export function checkCase(
  sc: SweepCase,
  dtype: DType,
  agreement: Agreement,
  run: RunProduct,
): string[] {
  const { m, n, k } = sc.shape;
  const failures: string[] = [];
  const dC = storedTensor(sc.dC, m, n, false, dtype);
  for (const [transA, transB] of TRANSPOSES) {
    const a = storedTensor(sc.a, m, k, transA, dtype);
    const b = storedTensor(sc.b, k, n, transB, dtype);
    const what = `${dtype} ${transposeName(transA, transB)} ${m}×${k}·${k}×${n}`;
    let r: ProductResults;
    try {
      r = run(a, b, dC, { transposeA: transA, transposeB: transB });
    } catch (e) {
      failures.push(`${what}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
      continue;
    }
    const checks: [string, Tensor, typeof sc.c, number, number, boolean, number][] = [
      ["C", r.c, sc.c, m, n, false, k],
      ["dA", r.dA, sc.dA, m, k, transA, n],
      ["dB", r.dB, sc.dB, k, n, transB, m],
    ];
    for (const [name, got, want, rows, cols, trans, depth] of checks) {
      const d = disagreement(got, want, rows, cols, trans, depth, agreement);
      if (d !== undefined) failures.push(`${what} ${name}: ${d}`);
    }
  }
  return failures;
}
