import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { matmul, matmulGrad, matmulGradPart } from "./matmul.ts";
import { Tensor } from "../tensor/tensor.ts";
import { getBackend, setBackend } from "../kernels/backend.ts";
import { forEachBackend } from "../testing/backends.ts";
import { tensor } from "../tensor/constructors.ts";
import {
  assertClose,
  assertSameBits,
  randTensor,
  refMatmul,
  rng,
  storedShape,
} from "../testing/reference.ts";

/**
 * The seed's worked example, C = A·B with 2×2 operands: each element of dA
 * and dB from the chain rule written out by hand, with `dot` evaluating
 * x·y + u·v as the backend does (rounded once per operation in the dtype).
 */
function checkWorkedExample(
  A: Tensor,
  B: Tensor,
  dC: Tensor,
  dot: (x: number, y: number, u: number, v: number) => number,
): void {
  const [a0, a1, a2, a3] = A.data as unknown as number[];
  const [b0, b1, b2, b3] = B.data as unknown as number[];
  // g_i = ∂y/∂c_i with C = [[c0, c1], [c2, c3]], c0 = a0·b0 + a1·b2, c1 = a0·b1 + a1·b3,
  // c2 = a2·b0 + a3·b2, c3 = a2·b1 + a3·b3.
  const [g0, g1, g2, g3] = dC.data as unknown as number[];
  const { dA, dB } = matmulGrad(A, B, dC);
  // ∂y/∂a_i collects every c that a_i appears in.
  assertEquals([...dA.data], [
    dot(g0!, b0!, g1!, b1!), // ∂y/∂a0 = ∂y/∂c0·b0 + ∂y/∂c1·b1
    dot(g0!, b2!, g1!, b3!), // ∂y/∂a1 = ∂y/∂c0·b2 + ∂y/∂c1·b3
    dot(g2!, b0!, g3!, b1!), // ∂y/∂a2 = ∂y/∂c2·b0 + ∂y/∂c3·b1
    dot(g2!, b2!, g3!, b3!), // ∂y/∂a3 = ∂y/∂c2·b2 + ∂y/∂c3·b3
  ]);
  assertEquals([...dB.data], [
    dot(a0!, g0!, a2!, g2!), // ∂y/∂b0 = a0·∂y/∂c0 + a2·∂y/∂c2
    dot(a0!, g1!, a2!, g3!), // ∂y/∂b1 = a0·∂y/∂c1 + a2·∂y/∂c3
    dot(a1!, g0!, a3!, g2!), // ∂y/∂b2 = a1·∂y/∂c0 + a3·∂y/∂c2
    dot(a1!, g1!, a3!, g3!), // ∂y/∂b3 = a1·∂y/∂c1 + a3·∂y/∂c3
  ]);
  assertStrictEquals(dA.dtype, A.dtype);
  assertStrictEquals(dB.dtype, B.dtype);
}

Deno.test("the seed's 2×2 example: every element of dA and dB by the chain rule", () => {
  // Small integers: every product and sum is exact, whatever the backend.
  for (const dtype of ["float64", "float32"] as const) {
    const next = rng(5);
    const ints = () =>
      tensor(Array.from({ length: 4 }, () => Math.floor(next() * 19) - 9), [2, 2], dtype);
    const exactDot = (x: number, y: number, u: number, v: number) => x * y + u * v;
    checkWorkedExample(ints(), ints(), ints(), exactDot);
  }
  // Random values on the JS kernel: unfused, one rounding per operation.
  const previous = getBackend();
  setBackend("js");
  try {
    for (const dtype of ["float64", "float32"] as const) {
      const r = dtype === "float32" ? Math.fround : (x: number) => x;
      const dot = (x: number, y: number, u: number, v: number) => r(r(x * y) + r(u * v));
      checkWorkedExample(
        randTensor([2, 2], dtype, 1),
        randTensor([2, 2], dtype, 2),
        randTensor([2, 2], dtype, 3),
        dot,
      );
    }
  } finally {
    setBackend(previous);
  }
});

Deno.test("dA and dB follow the transpose rules on random shapes", () => {
  // [N, D, M]: C is N×M, the inner dimension D.
  const sizes = [[1, 1, 1], [3, 5, 2], [8, 1, 7], [1, 9, 1], [37, 53, 11], [16, 33, 20]];
  let seed = 10;
  for (const [n, d, m] of sizes) {
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const as = tA ? [d!, n!] : [n!, d!];
      const bs = tB ? [m!, d!] : [d!, m!];
      const a = randTensor(as, "float64", seed++);
      const b = randTensor(bs, "float64", seed++);
      const dC = randTensor([n!, m!], "float64", seed++);
      const { dA, dB } = matmulGrad(a, b, dC, { transposeA: tA!, transposeB: tB! });
      const cs = [n!, m!];
      const mm = (x: Tensor, xt: boolean, y: Tensor, yt: boolean) =>
        refMatmul(x.data, x.shape, y.data, y.shape, xt, yt).data;
      // The rules, with A and B as stored.
      const [wantA, wantB] = !tA && !tB
        ? [mm(dC, false, b, true), mm(a, true, dC, false)] // dA = dC·Bᵀ, dB = Aᵀ·dC
        : !tA && tB
        ? [mm(dC, false, b, false), mm(dC, true, a, false)] // dA = dC·B, dB = dCᵀ·A
        : tA && !tB
        ? [mm(b, false, dC, true), mm(a, false, dC, false)] // dA = B·dCᵀ, dB = A·dC
        : [mm(b, true, dC, true), mm(dC, true, a, true)]; // dA = Bᵀ·dCᵀ, dB = dCᵀ·Aᵀ
      const what = `${as}·${bs} → ${cs}, tA=${tA} tB=${tB}`;
      assertEquals([dA.shape, dB.shape], [as, bs], what);
      assertClose(dA.data, wantA, 1e-13, 1e-13 * m!, what);
      assertClose(dB.data, wantB, 1e-13, 1e-13 * n!, what);
    }
  }
});

/**
 * Checks matmulGrad against central finite differences of
 * y = Σ W ⊙ matmul(A, B) (so dC = W), evaluating y with the float64
 * reference loop. y is linear in each element, so the differences are exact
 * up to rounding. Large operands are checked on a random sample of elements.
 */
function checkFiniteDifferences(
  aShape: number[],
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
  seed: number,
): void {
  const a = randTensor(aShape, "float64", seed);
  const b = randTensor(bShape, "float64", seed + 1);
  const outShape = refMatmul(a.data, aShape, b.data, bShape, transposeA, transposeB).shape;
  const w = randTensor(outShape, "float64", seed + 2);
  const y = (ad: Float64Array, bd: Float64Array): number => {
    const c = refMatmul(ad, aShape, bd, bShape, transposeA, transposeB).data;
    let s = 0;
    for (let i = 0; i < c.length; i++) s += w.data[i]! * c[i]!;
    return s;
  };
  const { dA, dB } = matmulGrad(a, b, w, { transposeA, transposeB });
  const what = `${aShape}·${bShape} tA=${transposeA} tB=${transposeB}`;
  assertEquals(dA.shape, aShape, what);
  assertEquals(dB.shape, bShape, what);
  const h = 1e-3;
  const pick = rng(seed + 3);
  for (const [x, grad, name] of [[a, dA, "dA"], [b, dB, "dB"]] as const) {
    const data = x.data as Float64Array;
    const all = data.length <= 40;
    const idx = all
      ? [...data.keys()]
      : Array.from({ length: 25 }, () => Math.floor(pick() * data.length));
    for (const i of idx) {
      const keep = data[i]!;
      data[i] = keep + h;
      const plus = y(a.data as Float64Array, b.data as Float64Array);
      data[i] = keep - h;
      const minus = y(a.data as Float64Array, b.data as Float64Array);
      data[i] = keep;
      const fd = (plus - minus) / (2 * h);
      const g = grad.data[i]!;
      assert(
        Math.abs(g - fd) <= 1e-8 * (1 + Math.abs(fd)),
        `${what} ${name}[${i}]: ${g} vs ${fd}`,
      );
    }
  }
}

const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const;

Deno.test("matmulGrad matches central finite differences on 2-D shapes", () => {
  forEachBackend(() => {
    // [N, D, M] as op(A): N×D, op(B): D×M
    const sizes = [[1, 1, 1], [1, 6, 5], [6, 4, 1], [1, 7, 1], [7, 1, 6], [37, 53, 11]];
    let seed = 100;
    for (const [n, d, m] of sizes) {
      for (const [tA, tB] of TRANSPOSES) {
        const as = tA ? [d!, n!] : [n!, d!];
        const bs = tB ? [m!, d!] : [d!, m!];
        checkFiniteDifferences(as, bs, tA, tB, seed += 4);
      }
    }
  });
});

Deno.test("matmulGrad matches finite differences with 1-D operands", () => {
  const cases: [number[], number[]][] = [
    [[5], [5, 3]], // vector·matrix
    [[4, 5], [5]], // matrix·vector
    [[6], [6]], // vector·vector
    [[3], [2, 3, 4]], // vector·stack
    [[2, 4, 3], [3]], // stack·vector
  ];
  let seed = 300;
  for (const [as, bs] of cases) {
    for (const [tA, tB] of TRANSPOSES) {
      // flags apply to stored 2-D operands only, so swap their last two axes
      const sa = storedShape(as, tA);
      const sb = storedShape(bs, tB);
      checkFiniteDifferences(sa, sb, tA, tB, seed += 4);
    }
  }
});

Deno.test("matmulGrad sums broadcast batch gradients back to each operand's shape", () => {
  forEachBackend(() => {
    const cases: [number[], number[]][] = [
      [[2, 1, 3, 4], [5, 4, 6]],
      [[3, 4], [2, 4, 5]],
      [[2, 3, 4], [4, 5]],
      [[1, 3, 4], [3, 4, 2]],
      [[2, 1, 3, 4], [1, 3, 4, 2]],
    ];
    let seed = 500;
    for (const [as, bs] of cases) {
      for (const [tA, tB] of TRANSPOSES) {
        const sa = storedShape(as, tA);
        const sb = storedShape(bs, tB);
        checkFiniteDifferences(sa, sb, tA, tB, seed += 4);
      }
    }
  });
});

Deno.test("matmulGrad with a zero-sized dimension gives zero or empty gradients", () => {
  const cases: [number[], number[]][] = [
    [[3, 0], [0, 4]], // K = 0: C is all zeros, dA and dB are empty
    [[3, 4], [4, 0]], // M = 0: dA is 3×4 of zeros
    [[0, 4], [4, 5]], // N = 0: dB is 4×5 of zeros
    [[1, 3, 4], [0, 4, 5]], // empty batch: dA is zeros
  ];
  for (const [as, bs] of cases) {
    for (const dtype of ["float32", "float64"] as const) {
      const a = randTensor(as, dtype, 1);
      const b = randTensor(bs, dtype, 2);
      const c = matmul(a, b);
      assertSameBits(c.data, new Float64Array(c.size), "C");
      const fill = (s: readonly number[]) => {
        const t = randTensor(s, dtype, 3);
        t.data.fill(NaN);
        return t;
      };
      // out buffers full of NaN must come back as exact zeros
      const { dA, dB } = matmulGrad(a, b, randTensor(c.shape, dtype, 4), {
        outA: fill(as),
        outB: fill(bs),
      });
      assertEquals([dA.shape, dB.shape], [as, bs]);
      assertSameBits(dA.data, new Float64Array(dA.size), `dA ${as}·${bs}`);
      assertSameBits(dB.data, new Float64Array(dB.size), `dB ${as}·${bs}`);
    }
  }
  checkFiniteDifferences([3, 4], [4, 0], false, false, 7);
});

Deno.test("matmulGrad returns each gradient in its operand's dtype", () => {
  const a32 = randTensor([4, 6], "float32", 1);
  const b32 = randTensor([6, 3], "float32", 2);
  const dC32 = randTensor([4, 3], "float32", 3);
  const up = (t: Tensor) => new Tensor(Float64Array.from(t.data), t.shape);
  const g64 = matmulGrad(up(a32), up(b32), up(dC32));
  const g32 = matmulGrad(a32, b32, dC32);
  assertEquals([g32.dA.dtype, g32.dB.dtype], ["float32", "float32"]);
  assertClose(g32.dA.data, g64.dA.data, 1e-5, 1e-6, "float32 dA");
  assertClose(g32.dB.data, g64.dB.data, 1e-5, 1e-6, "float32 dB");
  // Any float64 input promotes the computation; results are rounded once into each dtype.
  const cases: [Tensor, Tensor, Tensor][] = [
    [a32, up(b32), dC32],
    [up(a32), b32, dC32],
    [a32, b32, up(dC32)],
  ];
  for (const [a, b, dC] of cases) {
    for (const withOut of [false, true]) {
      const outA = withOut ? randTensor(a.shape, a.dtype, 9) : undefined;
      const outB = withOut ? randTensor(b.shape, b.dtype, 10) : undefined;
      const { dA, dB } = matmulGrad(a, b, dC, { outA, outB });
      if (withOut) assert(dA === outA && dB === outB);
      assertStrictEquals(dA.dtype, a.dtype);
      assertStrictEquals(dB.dtype, b.dtype);
      const round = (t: Tensor, like: Tensor) =>
        like.dtype === "float32" ? Float32Array.from(t.data) : t.data;
      assertSameBits(dA.data, round(g64.dA, a), `dA ${a.dtype} ${b.dtype} ${dC.dtype}`);
      assertSameBits(dB.data, round(g64.dB, b), `dB ${a.dtype} ${b.dtype} ${dC.dtype}`);
    }
  }
});

Deno.test("matmulGrad writes into outA and outB, one or both", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const a = randTensor([2, 5, 3], dtype, 1);
    const b = randTensor([3, 4], dtype, 2);
    const dC = randTensor([2, 5, 4], dtype, 3);
    const want = matmulGrad(a, b, dC);
    const outA = randTensor([2, 5, 3], dtype, 4);
    const outB = randTensor([3, 4], dtype, 5);
    const onlyA = matmulGrad(a, b, dC, { outA });
    assertStrictEquals(onlyA.dA, outA);
    assertSameBits(outA.data, want.dA.data, "outA");
    assertSameBits(onlyA.dB.data, want.dB.data, "dB beside outA");
    const onlyB = matmulGrad(a, b, dC, { outB });
    assertStrictEquals(onlyB.dB, outB);
    assertSameBits(outB.data, want.dB.data, "outB");
    // reused buffers are overwritten, not accumulated into
    const both = matmulGrad(a, b, dC, { outA, outB });
    assert(both.dA === outA && both.dB === outB);
    assertSameBits(outA.data, want.dA.data, "outA again");
    assertSameBits(outB.data, want.dB.data, "outB again");
  }
});

Deno.test("matmulGrad propagates NaN and Infinity", () => {
  const a = new Tensor(new Float64Array([1, 2, 3, 4]), [2, 2]);
  const b = new Tensor(new Float64Array([1, 0, 0, 1]), [2, 2]);
  const dC = new Tensor(new Float64Array([NaN, 0, 0, Infinity]), [2, 2]);
  const { dA, dB } = matmulGrad(a, b, dC);
  // dA = dC·Bᵀ: row 0 reads NaN; row 1 is [0·1 + Infinity·0, 0·0 + Infinity·1]
  assert(Number.isNaN(dA.data[0]!) && Number.isNaN(dA.data[1]!));
  assert(Number.isNaN(dA.data[2]!));
  assertStrictEquals(dA.data[3], Infinity);
  // dB = Aᵀ·dC: column 0 reads NaN; column 1 is [1·0 + 3·Infinity, 2·0 + 4·Infinity]
  assert(Number.isNaN(dB.data[0]!) && Number.isNaN(dB.data[2]!));
  assertEquals([dB.data[1], dB.data[3]], [Infinity, Infinity]);
});

/** A random pair of operand shapes that multiply, with random flags. */
function randomCase(next: () => number) {
  const dim = () => [0, 1, 1, 2, 3, 5, 8][Math.floor(next() * 7)]!;
  const [n, d, m] = [dim(), dim(), dim()];
  const rank = Math.floor(next() * 3);
  const batch = Array.from({ length: rank }, () => 1 + Math.floor(next() * 3));
  // Each operand keeps a suffix of the batch, with some axes broadcast as 1.
  const own = () => batch.slice(Math.floor(next() * (rank + 1))).map((x) => (next() < 0.3 ? 1 : x));
  const tA = next() < 0.5;
  const tB = next() < 0.5;
  const aShape = next() < 0.15 ? [d] : [...own(), ...(tA ? [d, n] : [n, d])];
  const bShape = next() < 0.15 ? [d] : [...own(), ...(tB ? [m, d] : [d, m])];
  return { aShape, bShape, tA, tB };
}

Deno.test("on random shapes, forward and gradients agree with the references", () => {
  forEachBackend(() => {
    // y = Σ W ⊙ C is linear in A, so y(A + Δ, B) − y(A, B) = Σ W ⊙ (Δ·B) = ⟨dA, Δ⟩
    // exactly; likewise for B. One random direction checks every element of dA.
    const next = rng(77);
    let seed = 1000;
    const sum = (w: ArrayLike<number>, c: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < c.length; i++) s += w[i]! * c[i]!;
      return s;
    };
    for (let trial = 0; trial < 300; trial++) {
      const { aShape, bShape, tA, tB } = randomCase(next);
      const what = `${JSON.stringify(aShape)}·${JSON.stringify(bShape)} tA=${tA} tB=${tB}`;
      const a = randTensor(aShape, "float64", seed++);
      const b = randTensor(bShape, "float64", seed++);
      const ref = refMatmul(a.data, aShape, b.data, bShape, tA, tB);
      const c = matmul(a, b, { transposeA: tA, transposeB: tB });
      assertEquals(c.shape, ref.shape, what);
      assertClose(c.data, ref.data, 1e-13, 1e-13, what);
      const w = randTensor(ref.shape, "float64", seed++);
      const { dA, dB } = matmulGrad(a, b, w, { transposeA: tA, transposeB: tB });
      assertEquals([dA.shape, dB.shape], [aShape, bShape], what);
      const dirA = randTensor(aShape, "float64", seed++);
      const dirB = randTensor(bShape, "float64", seed++);
      const wantA = sum(w.data, refMatmul(dirA.data, aShape, b.data, bShape, tA, tB).data);
      const wantB = sum(w.data, refMatmul(a.data, aShape, dirB.data, bShape, tA, tB).data);
      assertClose([sum(dA.data, dirA.data)], [wantA], 1e-12, 1e-12, `${what} dA`);
      assertClose([sum(dB.data, dirB.data)], [wantB], 1e-12, 1e-12, `${what} dB`);
    }
  });
});

Deno.test("matmulGradPart gives each gradient alone with matmulGrad's bits", () => {
  forEachBackend(() => {
    const cases: [number[], number[]][] = [
      [[7, 5], [5, 9]],
      [[2, 1, 3, 4], [5, 4, 6]], // broadcast batches summed back
      [[5], [5, 3]], // 1-D A
      [[40, 600], [600, 12]], // deep enough for the kernels' depth blocking
    ];
    let seed = 900;
    for (const [as, bs] of cases) {
      for (const [tA, tB] of TRANSPOSES) {
        if ((tA && as.length < 2) || (tB && bs.length < 2)) continue;
        const sa = storedShape(as, tA);
        const sb = storedShape(bs, tB);
        for (const [da, db] of [["float32", "float32"], ["float32", "float64"]] as const) {
          const a = randTensor(sa, da, seed++);
          const b = randTensor(sb, db, seed++);
          const options = { transposeA: tA, transposeB: tB };
          const outShape = matmul(a, b, options).shape;
          const dC = randTensor(outShape, db, seed++);
          const both = matmulGrad(a, b, dC, options);
          const dA = matmulGradPart("dA", a, b, dC, options);
          const dB = matmulGradPart("dB", a, b, dC, options);
          assertEquals([dA.shape, dA.dtype, dB.shape, dB.dtype], [a.shape, da, b.shape, db]);
          assertSameBits(dA.data, both.dA.data);
          assertSameBits(dB.data, both.dB.data);
          const out = new Tensor(new Float32Array(b.size).fill(NaN), b.shape);
          if (db === "float32") {
            assertStrictEquals(matmulGradPart("dB", a, b, dC, { ...options, out }), out);
            assertSameBits(out.data, both.dB.data);
          }
        }
      }
    }
  });
});

Deno.test("matmulGradPart rejects a bad gradient name and names itself in errors", () => {
  const a = tensor([[1, 2]]);
  const b = tensor([[3], [4]]);
  {
    // deno-lint-ignore no-explicit-any
    const error = assertThrows(() => matmulGradPart("dC" as any, a, b, tensor([[1]])), Error);
    assertStrictEquals(error.name, "TypeError");
    assertStrictEquals(error.message, 'matmulGradPart: which must be "dA" or "dB", got "dC"');
  }
  {
    const error = assertThrows(() => matmulGradPart("dB", a, b, tensor([[1, 2]])), Error);
    assertStrictEquals(error.name, "ShapeError");
    assertStrictEquals(
      error.message,
      "matmulGradPart: dC has shape 1×2 but the product of 1×2 and 2×1 has shape 1×1",
    );
  }
  {
    const error = assertThrows(
      () => matmulGradPart("dA", a, b, tensor([[1]]), { out: tensor([[0]]) }),
      Error,
    );
    assertStrictEquals(error.name, "ShapeError");
    assertStrictEquals(
      error.message,
      "matmulGradPart: out has shape 1×1 but the result has shape 1×2",
    );
  }
});
