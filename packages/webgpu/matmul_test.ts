/**
 * matmul and matmulGrad on the device against float64 products of the same
 * float32 values, within K·2⁻²⁴·Σ|a||b| per element, over a sweep of shape
 * classes around the kernel's tiles (64 outputs, k-tiles of 16): 1, odd
 * sizes, tile ± 1, wide-shallow and deep-narrow, each with all four
 * transposes, plus batched and broadcast stacks.
 */
import { matmul, matmulGrad, randn, type Tensor, tensor, withExecutor } from "@matgrad/core";
import { serialExecutor } from "@matgrad/core";
import { assertEquals, assertStrictEquals } from "@std/assert";
import { assertWithin, gpuTest, values } from "./testing/gpu.ts";

const U = 2 ** -24;

// op(A) is m×k, op(B) is k×n.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [3, 1, 5],
  [2, 3, 1],
  [15, 17, 16],
  [17, 15, 15],
  [63, 65, 17],
  [64, 64, 64],
  [65, 63, 33],
  [1, 129, 2], // wide and shallow
  [130, 1, 3], // tall and thin
  [2, 3, 700], // deep and narrow
  [33, 70, 129],
];

/** The same values as float64 on the host. */
async function host64(t: Tensor): Promise<Tensor> {
  const v = await values(t);
  return withExecutor(serialExecutor, () => tensor(v, t.shape, "float64"));
}

function abs64(t: Tensor): Tensor {
  return tensor(Float64Array.from(t.data as Float64Array, Math.abs), t.shape, "float64");
}

/** CPU float64 product and Σ|a||b| for the bound. */
function reference(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean) {
  return withExecutor(serialExecutor, () => {
    const opts = { transposeA, transposeB };
    return {
      c: matmul(a, b, opts).data,
      mag: matmul(abs64(a), abs64(b), opts).data,
    };
  });
}

gpuTest(
  "matmul on the device: every transpose over the shape sweep, within K·2⁻²⁴·Σ|a||b|",
  async () => {
    let cases = 0;
    for (const [m, n, k] of SHAPES) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const seed = m * 10007 + n * 101 + k + (ta ? 1 : 0) + (tb ? 2 : 0);
          const a = randn(ta ? [k, m] : [m, k], { seed });
          const b = randn(tb ? [n, k] : [k, n], { seed: seed + 1 });
          const c = matmul(a, b, { transposeA: ta, transposeB: tb });
          assertEquals(c.shape, [m, n]);
          const ref = reference(await host64(a), await host64(b), ta, tb);
          assertWithin(
            await values(c),
            ref.c,
            (i) => (k + 1) * U * ref.mag[i]!,
            `matmul ${m}×${k}·${k}×${n} transposeA=${ta} transposeB=${tb}`,
          );
          cases++;
        }
      }
    }
    assertStrictEquals(cases, SHAPES.length * 4);
  },
);

gpuTest("matmul on the device: batched and broadcast stacks, 1-D operands", async () => {
  const pairs: [number[], number[]][] = [
    [[3, 5, 4], [3, 4, 6]],
    [[2, 1, 5, 4], [3, 4, 7]],
    [[5, 4], [2, 4, 3]],
    [[4], [4, 3]],
    [[2, 3, 4], [4]],
  ];
  for (const [sa, sb] of pairs) {
    const a = randn(sa, { seed: sa.length * 7 + sa[0]! });
    const b = randn(sb, { seed: sb.length * 11 + sb[0]! });
    const c = matmul(a, b);
    const k = sa[sa.length - 1]!;
    const ref = reference(await host64(a), await host64(b), false, false);
    assertWithin(await values(c), ref.c, (i) => (k + 1) * U * ref.mag[i]!, `matmul ${sa}·${sb}`);
  }
});

gpuTest(
  "matmulGrad on the device: dA and dB for every transpose, broadcast batches summed back",
  async () => {
    const cases: [number[], number[], boolean, boolean][] = [];
    for (const [m, n, k] of SHAPES.slice(0, 10)) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          cases.push([ta ? [k, m] : [m, k], tb ? [n, k] : [k, n], ta, tb]);
        }
      }
    }
    cases.push([[2, 1, 5, 4], [3, 4, 7], false, false], [[3, 5, 6], [5, 2], true, false]);
    for (const [sa, sb, ta, tb] of cases) {
      const seed = sa.reduce((x, y) => x * 31 + y, 7) + (ta ? 3 : 0) + (tb ? 5 : 0);
      const a = randn(sa, { seed });
      const b = randn(sb, { seed: seed + 1 });
      const opts = { transposeA: ta, transposeB: tb };
      const dC = randn(matmul(a, b, opts).shape, { seed: seed + 2 });
      const { dA, dB } = matmulGrad(a, b, dC, opts);
      assertEquals([dA.shape, dB.shape], [a.shape, b.shape]);
      const [a64, b64, d64] = [await host64(a), await host64(b), await host64(dC)];
      const ref = withExecutor(serialExecutor, () => {
        const g = matmulGrad(a64, b64, d64, opts);
        const mag = matmulGrad(abs64(a64), abs64(b64), abs64(d64), opts);
        return { dA: g.dA.data, dB: g.dB.data, mA: mag.dA.data, mB: mag.dB.data };
      });
      // A dA element sums over C's columns (and broadcast batches), a dB element over its rows.
      const [m, n] = dC.shape.slice(-2) as [number, number];
      const batchesOf = (t: Tensor) =>
        t.ndim <= 2 ? 1 : t.size / (t.shape.at(-1)! * t.shape.at(-2)!);
      const depthA = n * batchesOf(dC) / batchesOf(a);
      const depthB = m * batchesOf(dC) / batchesOf(b);
      const what = `matmulGrad ${sa}·${sb} transposeA=${ta} transposeB=${tb}`;
      assertWithin(await values(dA), ref.dA, (i) => (depthA + 2) * U * ref.mA[i]!, `${what} dA`);
      assertWithin(await values(dB), ref.dB, (i) => (depthB + 2) * U * ref.mB[i]!, `${what} dB`);
    }
  },
);
