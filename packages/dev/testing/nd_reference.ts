/**
 * NumPy `matmul` and its gradients in float64 the slow, obvious way, for
 * operands of any rank: 1-D operands promoted (and the promoted axis
 * squeezed), batch dimensions broadcast one multi-index at a time, and
 * broadcast gradients summed back to each operand's shape. Written apart
 * from core's planner.
 *
 * @module
 */

/** Float64 values with the sums of their terms' magnitudes (for error bounds). */
export interface RefResult {
  readonly shape: number[];
  readonly value: Float64Array;
  /** Σ|term| per element; the bound of a result is (terms + 2)·u·abs. */
  readonly abs: Float64Array;
  /** The number of terms summed into each element. */
  readonly terms: number;
}

/** The references of C = matmul(A, B) and of dA, dB for a given dC. */
export interface NdReference {
  readonly c: RefResult;
  readonly dA: RefResult;
  readonly dB: RefResult;
}

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/**
 * C, dA and dB for `matmul(a, b, { transposeA, transposeB })` with the
 * given dC (of C's shape), each in float64.
 */
export function ndReference(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  dC: ArrayLike<number>,
  transA: boolean,
  transB: boolean,
): NdReference {
  const aVec = aShape.length === 1, bVec = bShape.length === 1;
  const as = aVec ? [1, aShape[0]!] : [...aShape];
  const bs = bVec ? [bShape[0]!, 1] : [...bShape];
  const tA = transA && !aVec, tB = transB && !bVec;
  const [aR, aC] = [as[as.length - 2]!, as[as.length - 1]!];
  const [bR, bC] = [bs[bs.length - 2]!, bs[bs.length - 1]!];
  const m = tA ? aC : aR, k = tA ? aR : aC, n = tB ? bR : bC;
  if ((tB ? bC : bR) !== k) throw new Error("ndReference: inner dimensions differ");
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  const nd = Math.max(aBatch.length, bBatch.length);
  const batch: number[] = [];
  for (let i = 0; i < nd; i++) {
    const da = aBatch[aBatch.length - nd + i] ?? 1, db = bBatch[bBatch.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error("ndReference: batches differ");
    batch.push(da === 1 ? db : da);
  }
  const count = prod(batch);
  // The matrix of an operand that batch entry `e` reads.
  const matrixOf = (e: number, own: number[]): number => {
    let rest = e, off = 0, stride = 1;
    for (let i = nd - 1; i >= 0; i--) {
      const idx = rest % batch[i]!;
      rest = Math.floor(rest / batch[i]!);
      const j = i - (nd - own.length);
      if (j >= 0) {
        if (own[j]! !== 1) off += idx * stride;
        stride *= own[j]!;
      }
    }
    return off;
  };
  const A = (e: number, i: number, p: number) => {
    const o = matrixOf(e, aBatch) * aR * aC;
    return tA ? a[o + p * aC + i]! : a[o + i * aC + p]!;
  };
  const B = (e: number, p: number, j: number) => {
    const o = matrixOf(e, bBatch) * bR * bC;
    return tB ? b[o + j * bC + p]! : b[o + p * bC + j]!;
  };
  const cValue = new Float64Array(count * m * n), cAbs = new Float64Array(count * m * n);
  const dAValue = new Float64Array(prod(as)), dAAbs = new Float64Array(prod(as));
  const dBValue = new Float64Array(prod(bs)), dBAbs = new Float64Array(prod(bs));
  for (let e = 0; e < count; e++) {
    const aO = matrixOf(e, aBatch) * aR * aC, bO = matrixOf(e, bBatch) * bR * bC;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, t = 0;
        for (let p = 0; p < k; p++) {
          const x = A(e, i, p) * B(e, p, j);
          s += x;
          t += Math.abs(x);
        }
        cValue[(e * m + i) * n + j] = s;
        cAbs[(e * m + i) * n + j] = t;
        const g = dC[(e * m + i) * n + j]!;
        for (let p = 0; p < k; p++) {
          // ∂y/∂op(A)[i][p] += g·op(B)[p][j]; ∂y/∂op(B)[p][j] += op(A)[i][p]·g.
          const ga = g * B(e, p, j), gb = A(e, i, p) * g;
          const ai = aO + (tA ? p * aC + i : i * aC + p);
          const bi = bO + (tB ? j * bC + p : p * bC + j);
          dAValue[ai] = dAValue[ai]! + ga;
          dAAbs[ai] = dAAbs[ai]! + Math.abs(ga);
          dBValue[bi] = dBValue[bi]! + gb;
          dBAbs[bi] = dBAbs[bi]! + Math.abs(gb);
        }
      }
    }
  }
  const cShape = [...batch];
  if (!aVec) cShape.push(m);
  if (!bVec) cShape.push(n);
  return {
    c: { shape: cShape, value: cValue, abs: cAbs, terms: k },
    dA: { shape: [...aShape], value: dAValue, abs: dAAbs, terms: n * count },
    dB: { shape: [...bShape], value: dBValue, abs: dBAbs, terms: m * count },
  };
}

/**
 * Where `got` leaves the rounding bound of `want` (|got − value| ≤
 * (terms + 2)·u·abs, u the unit roundoff of `dtype` doubled for float64 to
 * cover the reference's own rounding), or undefined when it stays inside.
 */
export function outsideBound(
  got: { shape: readonly number[]; data: ArrayLike<number> },
  want: RefResult,
  dtype: "float32" | "float64",
): string | undefined {
  if (got.shape.join() !== want.shape.join()) {
    return `shape ${got.shape.join("×")}, expected ${want.shape.join("×")}`;
  }
  const u = dtype === "float32" ? 2 ** -24 : 2 ** -52;
  for (let i = 0; i < want.value.length; i++) {
    const x = got.data[i]!, y = want.value[i]!;
    const bound = (want.terms + 2) * u * want.abs[i]!;
    if (!(Math.abs(x - y) <= bound)) {
      return `element ${i} is ${x}, the float64 reference ${y} (bound ${bound})`;
    }
  }
  return undefined;
}
