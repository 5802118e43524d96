import { assert } from "@std/assert";
import { Tensor } from "@matgrad/core";
import { createTrainer } from "./model.ts";
import { uniform } from "./random.ts";

Deno.test("a trainer step applies −lr · ∂MSE/∂(W, b), checked against a plain-loop gradient", async () => {
  const [n, d, m, lr] = [7, 3, 2, 0.1];
  const next = uniform(3);
  const x = new Tensor(Float64Array.from({ length: n * d }, () => next() - 0.5), [n, d]);
  const y = new Tensor(Float64Array.from({ length: n * m }, () => next() - 0.5), [n, m]);
  const t = createTrainer(d, m, { optimizer: "sgd", lr });
  const w0 = Float64Array.from({ length: d * m }, () => next() - 0.5), b0 = [0.3, -0.2];
  t.params.w.data.set(w0);
  t.params.b.data.set(b0);
  // residual r = X·W + b − Y; loss = Σr²/(n·m); ∂/∂W = 2Xᵀr/(n·m); ∂/∂b = 2Σᵢ r/(n·m)
  const r = new Float64Array(n * m);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      let p = b0[c]!;
      for (let j = 0; j < d; j++) p += x.data[i * d + j]! * w0[j * m + c]!;
      r[i * m + c] = p - y.data[i * m + c]!;
      loss += r[i * m + c]! ** 2 / (n * m);
    }
  }
  const got = await t.step(x, y);
  assert(Math.abs(got - loss) < 1e-15, `${got} vs ${loss}`);
  for (let j = 0; j < d; j++) {
    for (let c = 0; c < m; c++) {
      let g = 0;
      for (let i = 0; i < n; i++) g += (2 * x.data[i * d + j]! * r[i * m + c]!) / (n * m);
      assert(Math.abs(t.params.w.data[j * m + c]! - (w0[j * m + c]! - lr * g)) < 1e-15);
    }
  }
  for (let c = 0; c < m; c++) {
    let g = 0;
    for (let i = 0; i < n; i++) g += (2 * r[i * m + c]!) / (n * m);
    assert(Math.abs(t.params.b.data[c]! - (b0[c]! - lr * g)) < 1e-15);
  }
});
