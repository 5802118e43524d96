import {
  assert,
  assertEquals,
  assertNotStrictEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  add,
  type Executor,
  grad,
  matmul,
  matmulGrad,
  mean,
  mul,
  randn,
  relu,
  reshape,
  serialExecutor,
  ShapeError,
  softmaxCrossEntropy,
  square,
  sum,
  tanh,
  type Tensor,
  tensor,
  transpose,
  valueAndGrad,
  withExecutor,
} from "@matgrad/core";
import { tracing } from "./tape.ts";

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: "float64" });

Deno.test("grad of sum(W ⊙ (A·B)) is exactly matmulGrad(A, B, W), bit for bit", () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 1, 4, 6], [3, 6, 5], false, false],
    [[6], [6, 4], false, false],
  ];
  for (const dtype of ["float32", "float64"] as const) {
    for (const [i, [sa, sb, transposeA, transposeB]] of cases.entries()) {
      const a = randn(sa, { seed: i, dtype });
      const b = randn(sb, { seed: 50 + i, dtype });
      const w = randn(matmul(a, b, { transposeA, transposeB }).shape, { seed: 99 + i, dtype });
      const f = (a: Tensor, b: Tensor) => sum(mul(w, matmul(a, b, { transposeA, transposeB })));
      const [dA, dB] = grad(f, [0, 1])(a, b);
      const ref = matmulGrad(a, b, w, { transposeA, transposeB });
      assertEquals(dA.data, ref.dA.data, `dA ${dtype} ${sa} ${sb}`);
      assertEquals(dB.data, ref.dB.data, `dB ${dtype} ${sa} ${sb}`);
      assertEquals([dA.shape, dB.shape], [sa, sb]);
    }
  }
});

Deno.test("grad: reshape and transpose pass gradients back to the input's layout", () => {
  const x = f64([2, 3], 1);
  const w = f64([3, 2], 2);
  const g = grad((x: Tensor) => sum(mul(transpose(x), w)))(x);
  // ∂/∂x[i][j] = w[j][i].
  assertEquals(g.toArray(), transpose(w).toArray());
  const g2 = grad((x: Tensor) => sum(mul(reshape(x, [3, 2]), w)))(x);
  assertEquals([...g2.data], [...w.data]);
});

Deno.test("grad: argnums choose a Tensor or an array, unused arguments get zeros of their shape and dtype", () => {
  const a = f64([2], 1);
  const b = randn([3, 1], { seed: 2 });
  const f = (a: Tensor, _b: Tensor) => sum(square(a));
  const da = grad(f)(a, b);
  assertEquals([...da.data], [...a.data].map((v) => 2 * v));
  const db = grad(f, 1)(a, b);
  assertEquals([db.shape, db.dtype, [...db.data]], [[3, 1], "float32", [0, 0, 0]]);
  const both = grad(f, [1, 0])(a, b);
  assertEquals(both.map((t) => t.shape), [[3, 1], [2]]);
});

Deno.test("grad: a tensor used twice accumulates; the same tensor passed twice gets two gradients", () => {
  // Dyadic values keep every sum exact, whatever order the contributions arrive in.
  const x = tensor([0.5, -1.25, 3], [3], "float64");
  const g = grad((x: Tensor) => sum(add(mul(x, x), x)))(x);
  assertEquals([...g.data], [...x.data].map((v) => v + v + 1));
  const [g0, g1] = grad((a: Tensor, b: Tensor) => sum(mul(square(a), b)), [0, 1])(x, x);
  assertEquals([...g0.data], [...x.data].map((v) => 2 * v * v));
  assertEquals([...g1.data], [...x.data].map((v) => v * v));
  // Returned gradients never share memory with each other or with an argument.
  const [p, q] = grad((a: Tensor, b: Tensor) => sum(add(a, b)), [0, 1])(x, x);
  assertNotStrictEquals(p.data.buffer, q.data.buffer);
  const r = grad((a: Tensor) => a)(tensor([2], [], "float64"));
  assertEquals(r.toArray(), 1);
});

Deno.test("grad: no tape is active outside a trace, also after f throws", () => {
  assertStrictEquals(tracing(), false);
  let inside = false;
  grad((x: Tensor) => {
    inside = tracing();
    return sum(x);
  })(f64([2], 1));
  assertStrictEquals(inside, true);
  assertStrictEquals(tracing(), false);
  assertThrows(() =>
    grad((x: Tensor) => {
      grad((y: Tensor) => sum(add(y, randn([7]))))(x);
      return sum(x);
    })(f64([2], 1))
  );
  assertStrictEquals(tracing(), false);
});

Deno.test("grad: bad input gives typed errors naming the argument and the shapes", () => {
  const x = f64([2, 3], 1);
  {
    const e = (assertThrows(() => grad((x: Tensor) => mul(x, x))(x))) as Error;
    assertStrictEquals(
      e instanceof ShapeError &&
        e.message ===
          "grad: f must return a scalar (one element) to be differentiated, got shape 2×3",
      true,
    );
  }
  {
    const e = (assertThrows(() => grad((x: Tensor) => sum(x), 2)(x))) as Error;
    assertStrictEquals(
      e instanceof RangeError &&
        e.message === "grad: argnum 2 is out of range: f was called with 1 argument",
      true,
    );
  }
  {
    const e = (assertThrows(() => grad((x: unknown) => sum(x as Tensor))([1, 2]))) as Error;
    assertStrictEquals(
      e instanceof TypeError &&
        e.message === "grad: argument 0 must be a Tensor, got an Array",
      true,
    );
  }
  {
    const e =
      (assertThrows(() =>
        grad(((_: Tensor) => 3) as unknown as (x: Tensor) => Tensor)(x)
      )) as Error;
    assertStrictEquals(
      e instanceof TypeError && /f must return a Tensor, got number/.test(e.message),
      true,
    );
  }
  assertThrows(
    () => grad((x: Tensor) => sum(add(x, f64([4], 2))))(x),
    Error,
    "add: cannot broadcast a of shape 2×3 with b of shape 4",
  );
  assertThrows(
    () => grad((x: Tensor) => sum(x), -1),
    Error,
    "argnum -1 is not a non-negative integer",
  );
  assertThrows(() => grad((x: Tensor) => sum(x), [0, 0]), Error, "argnum 0 is listed twice");
  assertThrows(
    () =>
      grad((x: Tensor) => {
        const y = matmul(x, x);
        matmul(x, x, { out: y, transposeB: true });
        return sum(y);
      })(f64([2, 2], 3)),
    Error,
    "overwritten in place",
  );
});

Deno.test("nested grad: the inner trace sees outer tensors as constants and stays correct", () => {
  const x = f64([3], 1);
  const c = f64([3], 2);
  let inner: Tensor | undefined;
  const outer = grad((x: Tensor) => {
    const y = mul(x, c); // tracked by the outer tape only
    // Inner: d/dz Σ(z·y) = y (y is a constant for the inner trace).
    inner = grad((z: Tensor) => sum(mul(z, y)))(f64([3], 3));
    return sum(square(y));
  })(x);
  assertEquals([...inner!.data], [...x.data].map((v, i) => v * c.data[i]!));
  assertEquals([...outer.data], [...x.data].map((v, i) => 2 * v * c.data[i]! * c.data[i]!));
});

Deno.test("nested grad: the inner value is differentiable for the outer trace", () => {
  const x = f64([3], 4);
  const outer = grad((x: Tensor) => {
    const { value, grad: g } = valueAndGrad((z: Tensor) => sum(tanh(z)))(x);
    assertStrictEquals(g.shape[0], 3);
    return mul(value, value);
  })(x);
  const s = [...x.data].reduce((p, v) => p + Math.tanh(v), 0);
  [...x.data].forEach((v, i) => {
    const expected = 2 * s * (1 - Math.tanh(v) ** 2);
    assert(Math.abs(outer.data[i]! - expected) < 1e-14);
  });
});

Deno.test("nested grad: differentiating through an inner gradient throws instead of being wrong", () => {
  assertThrows(
    () => grad((x: Tensor) => sum(grad((z: Tensor) => sum(square(z)))(x)))(f64([2], 1)),
    Error,
    "higher-order derivatives are not supported",
  );
  // Using it where no gradient flows is fine.
  const g = grad((x: Tensor) => {
    grad((z: Tensor) => sum(square(z)))(x);
    return sum(x);
  })(f64([2], 1));
  assertEquals([...g.data], [1, 1]);
});

/** A two-layer MLP with a softmax cross-entropy head. */
function mlp(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor): Tensor {
  const h = tanh(add(matmul(x, w1), b1));
  const z = add(matmul(relu(h), w2), b2);
  return add(softmaxCrossEntropy(z, y), mean(square(w2)));
}

function mlpArgs(dtype: "float32" | "float64"): Tensor[] {
  return [
    randn([4, 6], { seed: 1, dtype }),
    randn([6], { seed: 2, dtype }),
    randn([6, 3], { seed: 3, dtype }),
    randn([1, 3], { seed: 4, dtype }),
    randn([8, 4], { seed: 5, dtype }),
    tensor([0, 1, 2, 2, 1, 0, 0, 1], [8], dtype),
  ];
}

/** An executor that runs tasks serially and notes each product's output buffer name and shape. */
function recordingExecutor(): Executor & { products: string[] } {
  const products: string[] = [];
  return {
    name: "recording",
    threads: 1,
    products,
    allocate: (dtype, size, zero) => serialExecutor.allocate(dtype, size, zero),
    free: (block) => serialExecutor.free(block),
    run(tasks) {
      for (const t of tasks) {
        if (t.kind === "gemm") products.push(`${t.spec.out} ${t.spec.m}×${t.spec.n}`);
      }
      serialExecutor.run(tasks);
    },
  };
}

Deno.test("valueAndGrad on another executor is bit-identical to the serial one", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const args = mlpArgs(dtype) as Parameters<typeof mlp>;
    const sync = valueAndGrad(mlp, [0, 1, 2, 3])(...args);
    const executor = recordingExecutor();
    const other = withExecutor(executor, () => valueAndGrad(mlp, [0, 1, 2, 3])(...args));
    assertEquals(other.value.data, sync.value.data);
    for (let i = 0; i < 4; i++) {
      assertEquals(other.grad[i]!.data, sync.grad[i]!.data, `${dtype} grad ${i}`);
      assertStrictEquals(other.grad[i]!.dtype, dtype);
    }
    // Forward x·W1 and relu(h)·W2, then the second layer's gradients first.
    assertEquals(executor.products, ["c 8×6", "c 8×3", "dA 8×6", "dB 6×3", "dB 4×6"]);
  }
});

Deno.test("the backward walk computes only gradients of differentiated operands", () => {
  const args = mlpArgs("float64") as Parameters<typeof mlp>;
  const backward = (argnums: number | number[]) => {
    const executor = recordingExecutor();
    const r = withExecutor(executor, () => valueAndGrad(mlp, argnums)(...args));
    return { r, asked: executor.products.filter((p) => !p.startsWith("c ")) };
  };
  // relu(h)·W2 needs both (h depends on W1); x·W1 only dB (x is a constant).
  const all = backward([0, 1, 2, 3]);
  assertEquals(all.asked, ["dA 8×6", "dB 6×3", "dB 4×6"]);
  const sync = valueAndGrad(mlp, [0, 1, 2, 3])(...args);
  for (let i = 0; i < 4; i++) {
    assertEquals((all.r.grad as Tensor[])[i]!.data, sync.grad[i]!.data);
  }
  // W1 and x: W2 is a constant now, so relu(h)·W2 needs only dA; x·W1 needs both.
  const withX = backward([0, 4]);
  assertEquals(withX.asked, ["dA 8×6", "dA 8×4", "dB 4×6"]);
  const syncX = valueAndGrad(mlp, [0, 4])(...args);
  assertEquals((withX.r.grad as Tensor[])[1]!.data, syncX.grad[1].data);
  // And only x: the first layer needs dA alone (W1 is then a constant).
  assertEquals(backward(4).asked, ["dA 8×6", "dA 8×4"]);
});
