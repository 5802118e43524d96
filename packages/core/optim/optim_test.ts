import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "@std/assert";
import {
  adam,
  add,
  matmul,
  mse,
  type Optimizer,
  randn,
  sgd,
  ShapeError,
  type Tensor,
  tensor,
  valueAndGrad,
  zeros,
} from "@matgrad/core";

const N = 32;
const D = 3;

/** A tiny regression problem y = X·w + b + noise, in float64. */
function problem() {
  const x = randn([N, D], { seed: 11, dtype: "float64" });
  const noise = randn([N, 1], { seed: 12, dtype: "float64", std: 0.1 });
  const wTrue = [1.5, -2, 0.5];
  const y = zeros([N, 1], "float64");
  for (let i = 0; i < N; i++) {
    let s = 0.75 + noise.data[i]!;
    for (let j = 0; j < D; j++) s += x.data[i * D + j]! * wTrue[j]!;
    y.data[i] = s;
  }
  return { x, y };
}

/**
 * The least-squares solution [w; b] from the normal equations ZᵀZ·θ = Zᵀy
 * with Z = [X 1], by Gaussian elimination with partial pivoting in float64.
 */
function normalEquations(x: Tensor, y: Tensor): number[] {
  const p = D + 1;
  const z = (i: number, j: number) => (j < D ? x.data[i * D + j]! : 1);
  const m: number[][] = [];
  for (let r = 0; r < p; r++) {
    const row: number[] = [];
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += z(i, r) * z(i, c);
      row.push(s);
    }
    let s = 0;
    for (let i = 0; i < N; i++) s += z(i, r) * y.data[i]!;
    row.push(s);
    m.push(row);
  }
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= p; k++) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  return m.map((row, r) => row[p]! / row[r]!);
}

function train(opt: Optimizer, steps: number): { theta: number[]; loss: number } {
  const { x, y } = problem();
  const w = zeros([D, 1], "float64");
  const b = zeros([1], "float64");
  const loss = (w: Tensor, b: Tensor) => mse(add(matmul(x, w), b), y);
  const vg = valueAndGrad(loss, [0, 1]);
  let last = NaN;
  for (let s = 0; s < steps; s++) {
    const { value, grad } = vg(w, b);
    last = value.item();
    opt.step([w, b], grad);
  }
  return { theta: [...w.data, ...b.data], loss: last };
}

function assertClose(got: number[], want: number[], tol: number, what: string) {
  const err = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
  assert(err < tol, `${what}: max error ${err} ≥ ${tol}\n got ${got}\nwant ${want}`);
}

Deno.test("sgd trains a linear regression to the normal-equations solution", () => {
  const { x, y } = problem();
  const want = normalEquations(x, y);
  assertClose(train(sgd({ lr: 0.1 }), 400).theta, want, 1e-9, "sgd");
  assertClose(train(sgd({ lr: 0.05, momentum: 0.9 }), 600).theta, want, 1e-9, "sgd+momentum");
  // Far from the optimum, the parameters are not already there by accident.
  assert(Math.abs(want[0]! - 1.5) < 0.1 && Math.abs(want[3]! - 0.75) < 0.1);
});

Deno.test("adam trains a linear regression to the normal-equations solution", () => {
  const { x, y } = problem();
  const want = normalEquations(x, y);
  assertClose(train(adam({ lr: 0.02 }), 3000).theta, want, 1e-6, "adam");
});

Deno.test("sgd: one step by hand, with momentum", () => {
  const p = tensor([1, 2], [2], "float64");
  const opt = sgd({ lr: 0.5, momentum: 0.5 });
  opt.step([p], [tensor([1, -1], [2], "float64")]);
  assertEquals([...p.data], [0.5, 2.5]);
  opt.step([p], [tensor([1, -1], [2], "float64")]); // v = 0.5·1 + 1 = 1.5
  assertEquals([...p.data], [-0.25, 3.25]);
});

Deno.test("adam: two steps against the formula written out in the test", () => {
  const p = tensor([0.3], [1], "float64");
  const g = [0.2, -0.4];
  const [lr, b1, b2, eps] = [0.01, 0.8, 0.9, 1e-6];
  const opt = adam({ lr, beta1: b1, beta2: b2, eps });
  let m = 0, v = 0, x = 0.3;
  for (let t = 1; t <= 2; t++) {
    opt.step([p], [tensor([g[t - 1]!], [1], "float64")]);
    m = b1 * m + (1 - b1) * g[t - 1]!;
    v = b2 * v + (1 - b2) * g[t - 1]! ** 2;
    x -= lr * (m / (1 - b1 ** t)) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
    assertStrictEquals(p.data[0], x);
  }
});

Deno.test("optimizers validate hyper-parameters, naming the value", () => {
  {
    const e = (assertThrows(() => sgd({ lr: -0.1 }))) as Error;
    assertStrictEquals(
      e instanceof RangeError && e.message === "sgd: lr must be a finite number ≥ 0, got -0.1",
      true,
    );
  }
  assertMatch(
    assertThrows(() => sgd({ lr: 0.1, momentum: 1 }), Error).message,
    /sgd: momentum must be .* in \[0, 1\), got 1/,
  );
  assertThrows(() => adam({ lr: -1 }), Error, "adam: lr must be a finite number ≥ 0, got -1");
  assertMatch(assertThrows(() => adam({ beta1: 1.5 }), Error).message, /adam: beta1 .* got 1.5/);
  assertMatch(assertThrows(() => adam({ beta2: -0.1 }), Error).message, /adam: beta2 .* got -0.1/);
  assertMatch(assertThrows(() => adam({ eps: 0 }), Error).message, /adam: eps .* got 0/);
  assertMatch(assertThrows(() => adam({ lr: NaN }), Error).message, /adam: lr .* got NaN/);
});

Deno.test("optimizers validate step's arguments", () => {
  const opt = sgd({ lr: 0.1 });
  {
    const e = (assertThrows(() => opt.step([zeros([2, 3])], [zeros([3, 2])]))) as Error;
    assertStrictEquals(
      e instanceof ShapeError &&
        e.message === "sgd.step: grads[0] has shape 3×2 but params[0] has shape 2×3",
      true,
    );
  }
  assertMatch(
    assertThrows(() => opt.step([zeros([2])], []), Error).message,
    /sgd.step: got 1 params but 0 grads/,
  );
  assertMatch(
    assertThrows(() => adam().step([[1, 2] as unknown as Tensor], [zeros([2])]), Error).message,
    /adam.step: params\[0\] must be a Tensor, got an Array/,
  );
});
