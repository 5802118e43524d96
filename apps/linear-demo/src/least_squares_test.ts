import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { Tensor } from "@matgrad/core";
import { leastSquares } from "./least_squares.ts";
import { uniform } from "./random.ts";

function random(n: number, cols: number, seed: number): Tensor {
  const next = uniform(seed);
  return new Tensor(Float64Array.from({ length: n * cols }, () => 2 * next() - 1), [n, cols]);
}

/** Residual sum of squares of [X 1]·[W; b] − Y with a plain loop. */
function rss(x: Tensor, y: Tensor, w: Tensor, b: Tensor): number {
  const [n, d] = x.shape as [number, number], m = y.shape[1]!;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      let p = b.data[c]!;
      for (let j = 0; j < d; j++) p += x.data[i * d + j]! * w.data[j * m + c]!;
      s += (p - y.data[i * m + c]!) ** 2;
    }
  }
  return s;
}

Deno.test("leastSquares recovers exact weights and bias from noiseless data", () => {
  const x = random(50, 3, 1);
  const wTrue = [0.5, -2, 3, 1, 0, -1]; // 3×2
  const bTrue = [4, -5];
  const y = new Float64Array(100);
  for (let i = 0; i < 50; i++) {
    for (let c = 0; c < 2; c++) {
      y[i * 2 + c] = bTrue[c]! +
        [0, 1, 2].reduce((s, j) => s + x.data[i * 3 + j]! * wTrue[j * 2 + c]!, 0);
    }
  }
  const { w, b } = leastSquares(x, new Tensor(y, [50, 2]));
  w.data.forEach((v, i) => assert(Math.abs(v - wTrue[i]!) < 1e-12, `w[${i}] = ${v}`));
  b.data.forEach((v, i) => assert(Math.abs(v - bTrue[i]!) < 1e-12, `b[${i}] = ${v}`));
});

Deno.test("leastSquares is a minimum: every small step away raises the residual", () => {
  const x = random(40, 4, 2), y = random(40, 2, 3);
  const { w, b } = leastSquares(x, y);
  const base = rss(x, y, w, b);
  for (const t of [w, b]) {
    for (let i = 0; i < t.size; i++) {
      for (const h of [1e-4, -1e-4]) {
        const saved = t.data[i]!;
        t.data[i] = saved + h;
        assert(rss(x, y, w, b) > base);
        t.data[i] = saved;
      }
    }
  }
});

Deno.test("leastSquares gives a duplicated column weight 0 and keeps the best fit", () => {
  const x = random(30, 2, 4), y = random(30, 1, 5);
  const dup = new Tensor(new Float64Array(30 * 3), [30, 3]);
  for (let i = 0; i < 30; i++) {
    dup.data[i * 3] = x.data[i * 2]!;
    dup.data[i * 3 + 1] = x.data[i * 2 + 1]!;
    dup.data[i * 3 + 2] = x.data[i * 2]!; // same as column 0
  }
  const full = leastSquares(dup, y), ref = leastSquares(x, y);
  assertStrictEquals(full.w.data[2], 0);
  assert(Math.abs(rss(dup, y, full.w, full.b) - rss(x, y, ref.w, ref.b)) < 1e-10);
});

Deno.test("leastSquares reports rising progress up to 1, and the same bits with or without it", () => {
  const x = random(300, 20, 5), y = random(300, 3, 6);
  const seen: number[] = [];
  const fit = leastSquares(x, y, (f) => seen.push(f));
  const plain = leastSquares(x, y);
  assertEquals(fit.w.data, plain.w.data);
  assertEquals(fit.b.data, plain.b.data);
  assertStrictEquals(seen.length, 20); // before each step after the first, and at the end
  assert(seen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f > seen[i - 1]!)), String(seen));
  assertStrictEquals(seen.at(-1), 1);
});
