import { assert, assertMatch, assertStrictEquals } from "@std/assert";
import { uniform } from "./inputs.ts";
import { checkCase, checkProduct, view } from "./reference.ts";
import type { Case } from "./shapes.ts";
import { LR } from "./train_reference.ts";

/** A plain float32 triple loop, rounding every step like a float32 kernel. */
function naive32(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array {
  const c = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(a[i * k + p]! * b[p * m + j]!));
      c[i * m + j] = s;
    }
  }
  return c;
}

const [n, k, m] = [200, 37, 11];
const a = uniform(n * k, 1, "float32") as Float32Array;
const b = uniform(k * m, 2, "float32") as Float32Array;

Deno.test("checkProduct accepts a float32 product rounded at every step", () => {
  const r = checkProduct("C", naive32(a, b, n, k, m), view(a, n, k), view(b, k, m), "float32");
  assert(r.ok, r.message);
  assert(r.worst > 0 && r.worst < 0.1, `worst ${r.worst}`);
});

Deno.test("checkProduct rejects one wrong element in a row it does not sample", () => {
  for (const row of [0, 123, n - 1]) {
    const c = naive32(a, b, n, k, m);
    c[row * m + 4]! += 1e-3;
    const r = checkProduct("C", c, view(a, n, k), view(b, k, m), "float32");
    assertStrictEquals(r.ok, false, `row ${row}`);
  }
});

Deno.test("checkProduct rejects NaN, a transposed operand and a wrong size", () => {
  const c = naive32(a, b, n, k, m);
  c[77 * m] = NaN;
  assertStrictEquals(checkProduct("C", c, view(a, n, k), view(b, k, m), "float32").ok, false);
  // Same numbers read as the transpose: a square product with Bᵀ instead of B.
  const sq = uniform(k * k, 3, "float32") as Float32Array;
  const good = naive32(a, sq, n, k, k);
  assert(checkProduct("C", good, view(a, n, k), view(sq, k, k), "float32").ok);
  assertStrictEquals(
    checkProduct("C", good, view(a, n, k), view(sq, k, k, true), "float32").ok,
    false,
  );
  const r = checkProduct("C", new Float32Array(5), view(a, n, k), view(b, k, m), "float32");
  assertMatch(r.message, /has 5 elements, expected 200×11 = 2200/);
});

Deno.test("checkProduct holds float64 results to float64 accuracy", () => {
  const a64 = Float64Array.from(a), b64 = Float64Array.from(b);
  const c = Float64Array.from(naive32(a, b, n, k, m)); // float32-accurate only
  assertStrictEquals(checkProduct("C", c, view(a64, n, k), view(b64, k, m), "float64").ok, false);
});

/** An independent float32 training step: Y = X·W + b, mean squared error, SGD. */
function step32(
  c: Case,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  t: Float32Array,
  div: number,
) {
  const y = naive32(x, w, c.n, c.d, c.m);
  const dY = new Float32Array(c.n * c.m);
  let loss = 0;
  for (let i = 0; i < c.n; i++) {
    for (let j = 0; j < c.m; j++) {
      const r = Math.fround(Math.fround(y[i * c.m + j]! + bias[j]!) - t[i * c.m + j]!);
      loss = Math.fround(loss + Math.fround(r * r));
      dY[i * c.m + j] = Math.fround((2 * r) / div);
    }
  }
  const xT = new Float32Array(c.d * c.n);
  for (let i = 0; i < c.n; i++) for (let p = 0; p < c.d; p++) xT[p * c.n + i] = x[i * c.d + p]!;
  const dW = naive32(xT, dY, c.d, c.n, c.m);
  const w1 = w.map((v, i) => v - LR * dW[i]!);
  const b1 = bias.map((v, j) => {
    let g = 0;
    for (let i = 0; i < c.n; i++) g = Math.fround(g + dY[i * c.m + j]!);
    return v - LR * g;
  });
  return [Float64Array.of(Math.fround(loss / (c.n * c.m))), w1, b1];
}

Deno.test("checkCase accepts a float32 training step and rejects a wrongly scaled gradient", () => {
  const c: Case = { op: "train", dtype: "float32", n: 64, d: 16, m: 4 };
  const x = {
    a: uniform(c.n * c.d, 4, "float32"),
    b: uniform(c.d * c.m, 5, "float32"),
    dC: uniform(c.n * c.m, 6, "float32"),
    bias: uniform(c.m, 7, "float32"),
  };
  const f32 = (d: unknown) => d as Float32Array;
  const run = (div: number) => step32(c, f32(x.a), f32(x.b), f32(x.bias), f32(x.dC), div);
  const good = checkCase(c, x, run(c.n * c.m));
  assert(good.ok, good.message);
  const bad = checkCase(c, x, run(c.n)); // mean over samples instead of elements
  assertStrictEquals(bad.ok, false);
  assertMatch(bad.message, /^train: W\[0\]\[0\]/);
  const [loss, w1, b1] = run(c.n * c.m);
  assertStrictEquals(checkCase(c, x, [Float64Array.of(loss![0]! * 1.01), w1!, b1!]).ok, false);
});
