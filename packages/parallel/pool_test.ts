import { assert, assertEquals, assertRejects, assertStrictEquals, assertThrows } from "@std/assert";
import {
  type DType,
  matmul,
  matmulGrad,
  matmulGradPart,
  mul,
  randn,
  scale,
  ShapeError,
  sum,
  takeRows,
  Tensor,
  tensor,
  valueAndGrad,
  withExecutor,
  zeros,
} from "@matgrad/core";
import { createPool, isShared, sharedZeros, toShared } from "./mod.ts";
import { assertSameBits, backends, naiveMatmul, withBackend } from "./test_util.ts";
import { hooks } from "./testing.ts";
import { RESULT_HEAP_BYTES } from "./results.ts";

const cases: [number[], number[]][] = [
  [[37, 53], [53, 29]], // odd sizes
  [[70, 9], [9, 130]],
  [[2, 3, 17, 11], [11, 19]], // batch × plain
  [[3, 1, 17, 11], [4, 11, 13]], // broadcast batches: A and B both summed back
  [[1, 9, 41], [5, 41, 7]],
  [[41], [41, 23]], // 1-D A
  [[23, 41], [41]], // 1-D B
  [[41], [41]], // dot product
  [[4, 33], [33, 1]], // a single output column
  [[1, 33], [33, 200]], // a single output row
  [[130, 600], [600, 70]], // deep enough for the kernels' depth blocking (forward)
  [[530, 24], [24, 520]], // ... and for both gradient products
];

function transposedShape(shape: number[], t: boolean): number[] {
  if (!t || shape.length < 2) return shape;
  const s = [...shape];
  [s[s.length - 2], s[s.length - 1]] = [s[s.length - 1]!, s[s.length - 2]!];
  return s;
}

let seed = 1;
function operands(aShape: number[], bShape: number[], tA: boolean, tB: boolean, dtype: DType) {
  const a = randn(transposedShape(aShape, tA), { seed: seed++, dtype });
  const b = randn(transposedShape(bShape, tB), { seed: seed++, dtype });
  return { a, b };
}

for (const backend of backends()) {
  for (const dtype of ["float32", "float64"] as DType[]) {
    Deno.test(`pool.matmul and pool.matmulGrad equal core bit for bit (${backend.label}, ${dtype})`, () =>
      withBackend(backend, async () => {
        await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
        await pool.ready();
        let checked = 0;
        for (const [aShape, bShape] of cases) {
          for (const transposeA of [false, true]) {
            for (const transposeB of [false, true]) {
              const opts = { transposeA, transposeB };
              const what = `${aShape}·${bShape} ${JSON.stringify(opts)}`;
              const { a, b } = operands(aShape, bShape, transposeA, transposeB, dtype);
              const c = await pool.matmul(a, b, opts);
              assertSameBits(c, matmul(a, b, opts), `C of ${what}`);
              assertStrictEquals(isShared(c), true);
              const dC = randn([...c.shape], { seed: seed++, dtype });
              const grads = await pool.matmulGrad(a, b, dC, opts);
              const serial = matmulGrad(a, b, dC, opts);
              assertSameBits(grads.dA, serial.dA, `dA of ${what}`);
              assertSameBits(grads.dB, serial.dB, `dB of ${what}`);
              // One gradient alone, split over both workers.
              const dA = await pool.matmulGradPart("dA", a, b, dC, opts);
              const dB = await pool.matmulGradPart("dB", a, b, dC, opts);
              assertSameBits(dA, serial.dA, `matmulGradPart dA of ${what}`);
              assertSameBits(dB, serial.dB, `matmulGradPart dB of ${what}`);
              // Disposed results leave the pool's budget of results in the heap
              // free, so that each stays shared however many cases ran before.
              for (const t of [c, grads.dA, grads.dB, dA, dB]) t.dispose();
              checked++;
            }
          }
        }
        assertStrictEquals(checked, cases.length * 4);
      }));
  }
}

// The JavaScript kernel rounds the product and the sum separately, as this loop does.
Deno.test("pool results match an independent triple loop", () =>
  withBackend(backends()[0]!, async () => {
    await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
    await pool.ready();
    for (const dtype of ["float32", "float64"] as DType[]) {
      const a = randn([45, 67], { seed: 11, dtype });
      const b = randn([67, 38], { seed: 12, dtype });
      const dC = randn([45, 38], { seed: 13, dtype });
      const f32 = dtype === "float32";
      const c = await pool.matmul(a, b);
      const { dA, dB } = await pool.matmulGrad(a, b, dC);
      // The kernel contract makes float32 equal a rounded triple loop exactly;
      // float64 too, since each step rounds to float64 anyway.
      assertEquals(Array.from(c.data), naiveMatmul(a, b, false, false, f32));
      assertEquals(Array.from(dA.data), naiveMatmul(dC, b, false, true, f32)); // dC·Bᵀ
      assertEquals(Array.from(dB.data), naiveMatmul(a, dC, true, false, f32)); // Aᵀ·dC
    }
  }));

Deno.test("mixed dtypes promote and round like core", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  const a = randn([30, 20], { seed: 21, dtype: "float32" });
  const b = randn([20, 40], { seed: 22, dtype: "float64" });
  const dC = randn([30, 40], { seed: 23, dtype: "float32" });
  const c = await pool.matmul(a, b);
  assertStrictEquals(c.dtype, "float64");
  assertSameBits(c, matmul(a, b), "C");
  const { dA, dB } = await pool.matmulGrad(a, b, dC);
  const serial = matmulGrad(a, b, dC);
  assertStrictEquals(dA.dtype, "float32");
  assertSameBits(dA, serial.dA, "dA");
  assertSameBits(dB, serial.dB, "dB");
});

Deno.test("shared operands are used in place and stay unchanged", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  const a = toShared(randn([64, 48], { seed: 31 }));
  const b = toShared(randn([48, 40], { seed: 32 }));
  const before = [Array.from(a.data), Array.from(b.data)];
  const c = await pool.matmul(a, b);
  assertSameBits(c, matmul(a, b), "C");
  assertEquals([Array.from(a.data), Array.from(b.data)], before);
});

Deno.test("async results stay in the heap up to the budget, then go to ordinary memory with the same bits", async () => {
  await using pool = createPool({ workers: 1, serialBelowFlops: 0 });
  await pool.ready();
  const a = randn([512, 64], { seed: 41 }), b = randn([64, 512], { seed: 42 });
  const expected = matmul(a, b);
  const perResult = 512 * 512 * 4;
  const fits = Math.floor(RESULT_HEAP_BYTES / perResult);
  const held: Tensor[] = [];
  for (let i = 0; i < fits; i++) held.push(await pool.matmul(a, b));
  assert(held.every(isShared), "results within the budget are shared");
  const over = await pool.matmul(a, b);
  assertStrictEquals(isShared(over), false, "the result past the budget is in ordinary memory");
  assertSameBits(over, expected, "C past the budget");
  const { dA, dB } = await pool.matmulGrad(a, b, over);
  assertStrictEquals(isShared(dA) || isShared(dB), false);
  assertSameBits(dA, matmulGrad(a, b, over).dA, "dA past the budget");
  // An out given by the caller is always written in place.
  const out = sharedZeros([512, 512]);
  assertStrictEquals(await pool.matmul(a, b, { out }), out);
  assertSameBits(out, expected, "out");
  for (const t of held) t.dispose();
  const again = await pool.matmul(a, b);
  assert(isShared(again), "released results make room again");
  assertSameBits(again, expected, "C after releasing");
});

Deno.test("products below the crossover run on the calling thread", async () => {
  await using pool = createPool({ workers: 2 });
  await pool.ready();
  const small = await pool.matmul(randn([8, 8], { seed: 41 }), randn([8, 8], { seed: 42 }));
  assertStrictEquals(hooks(pool).dispatched(), 0);
  assertStrictEquals(isShared(small), true); // made on the pool: in its shared heap all the same
  // 2·512·256·256 flops: above the crossover.
  const big = await pool.matmul(randn([512, 256], { seed: 43 }), randn([256, 256], { seed: 44 }));
  assertStrictEquals(hooks(pool).dispatched(), 1);
  assertStrictEquals(isShared(big), true);
  // Empty products never reach the workers, even with no threshold.
  await using eager = createPool({ workers: 2, serialBelowFlops: 0 });
  await eager.ready();
  const empty = await eager.matmul(zeros([0, 5]), zeros([5, 3]));
  assertEquals(empty.shape, [0, 3]);
  const { dA } = await eager.matmulGrad(zeros([4, 0]), zeros([0, 3]), zeros([4, 3]));
  assertEquals(dA.shape, [4, 0]);
});

/** Asserts that `call` rejects with exactly what `serial` throws. */
async function sameError(call: () => Promise<unknown>, serial: () => unknown): Promise<void> {
  let expected: unknown;
  try {
    serial();
  } catch (e) {
    expected = e;
  }
  assert(expected instanceof Error, "the serial call should throw");
  {
    const e = await assertRejects(call);
    assert(e instanceof (expected as Error).constructor);
    assertStrictEquals((e as Error).message, (expected as Error).message);
  }
}

Deno.test("invalid arguments reject with core's errors and messages", async () => {
  await using pool = createPool({ workers: 1, serialBelowFlops: 0 });
  await pool.ready();
  const a = zeros([3, 4]);
  const b = zeros([5, 2]);
  await sameError(() => pool.matmul(a, b), () => matmul(a, b));
  await sameError(
    () => pool.matmul(zeros([2, 3, 4]), zeros([3, 4, 2])),
    () => matmul(zeros([2, 3, 4]), zeros([3, 4, 2])),
  );
  await sameError(
    () => pool.matmul(a, zeros([3, 2]), { transposeA: true, transposeB: true }),
    () => matmul(a, zeros([3, 2]), { transposeA: true, transposeB: true }),
  );
  const notTensor = [[1]] as unknown as Tensor;
  await sameError(() => pool.matmul(notTensor, a), () => matmul(notTensor, a));
  await sameError(
    () => pool.matmulGrad(a, zeros([4, 2]), notTensor),
    () => matmulGrad(a, zeros([4, 2]), notTensor),
  );
  await sameError(
    () => pool.matmulGrad(a, zeros([4, 2]), zeros([2, 3])),
    () => matmulGrad(a, zeros([4, 2]), zeros([2, 3])),
  );
  const badFlag = { transposeA: "yes" as unknown as boolean };
  await sameError(
    () => pool.matmul(a, zeros([4, 2]), badFlag),
    () => matmul(a, zeros([4, 2]), badFlag),
  );
  await sameError(() => pool.matmul(tensor(1), a), () => matmul(tensor(1), a));
  await assertRejects(
    () => pool.matmulGrad(zeros([2, 2]), zeros([2, 2]), zeros([3, 2])),
    ShapeError,
  );
  {
    const error = await assertRejects(
      () => pool.matmul(a, zeros([4, 2]), { out: zeros([3, 2]) }),
      Error,
    );
    assertStrictEquals(error.name, "TypeError");
    assertStrictEquals(
      error.message,
      "matmul: out must live in a SharedArrayBuffer for the workers to write into it " +
        "(make it with sharedZeros or toShared)",
    );
  }
  const wrong = sharedZeros([2, 3]);
  await sameError(
    () => pool.matmul(a, zeros([4, 2]), { out: wrong }),
    () => matmul(a, zeros([4, 2]), { out: wrong }),
  );
  const g = [sharedZeros([3, 4]), sharedZeros([4, 2]), sharedZeros([3, 2])] as const;
  await sameError(
    () => pool.matmulGrad(...g, { outA: sharedZeros([3, 4], "float64") }),
    () => matmulGrad(...g, { outA: sharedZeros([3, 4], "float64") }),
  );
  await sameError(
    () => pool.matmulGrad(...g, { outB: g[2] }),
    () => matmulGrad(...g, { outB: g[2] }),
  );
  await sameError(
    // deno-lint-ignore no-explicit-any
    () => pool.matmulGradPart("C" as any, ...g),
    // deno-lint-ignore no-explicit-any
    () => matmulGradPart("C" as any, ...g),
  );
  await sameError(
    () => pool.matmulGradPart("dA", g[0], g[1], zeros([2, 2])),
    () => matmulGradPart("dA", g[0], g[1], zeros([2, 2])),
  );
  await sameError(
    () => pool.matmulGradPart("dB", ...g, { out: sharedZeros([3, 4]) }),
    () => matmulGradPart("dB", ...g, { out: sharedZeros([3, 4]) }),
  );
  const both = sharedZeros([20]);
  const view = (start: number, shape: number[]) =>
    new Tensor((both.data as Float32Array).subarray(start, start + shape[0]! * shape[1]!), shape);
  {
    const error = await assertRejects(
      () => pool.matmulGrad(...g, { outA: view(0, [3, 4]), outB: view(8, [4, 2]) }),
      Error,
    );
    assertStrictEquals(error.name, "RangeError");
    assertStrictEquals(error.message, "matmulGrad: outA and outB share memory");
  }
});

Deno.test("out, outA and outB receive the results in place, with the serial bits", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  await using lazy = createPool({ workers: 2 }); // small products stay on this thread
  await lazy.ready();
  for (const p of [pool, lazy]) {
    for (const [aDtype, bDtype] of [["float32", "float32"], ["float32", "float64"]] as const) {
      const a = toShared(randn([70, 33], { seed: 1, dtype: aDtype }));
      const b = toShared(randn([33, 50], { seed: 2, dtype: bDtype }));
      const dC = randn([70, 50], { seed: 3, dtype: bDtype });
      const product = bDtype;
      const c = sharedZeros([70, 50], product);
      assertStrictEquals(await p.matmul(a, b, { out: c }), c);
      assertSameBits(c, matmul(a, b), "out");
      const outA = sharedZeros([70, 33], aDtype);
      const outB = sharedZeros([33, 50], bDtype);
      const r = await p.matmulGrad(a, b, dC, { outA, outB });
      assertStrictEquals(r.dA, outA);
      assertStrictEquals(r.dB, outB);
      const serial = matmulGrad(a, b, dC);
      assertSameBits(outA, serial.dA, "outA");
      assertSameBits(outB, serial.dB, "outB");
      // Reused: overwritten, not accumulated.
      await p.matmulGrad(a, b, dC, { outA, outB });
      assertSameBits(outA, serial.dA, "outA reused");
      const part = sharedZeros([33, 50], bDtype);
      assertStrictEquals(await p.matmulGradPart("dB", a, b, dC, { out: part }), part);
      assertSameBits(part, serial.dB, "matmulGradPart out");
      // Only one of them.
      const only = await p.matmulGrad(a, b, dC, { outB: sharedZeros([33, 50], bDtype) });
      assertSameBits(only.dA, serial.dA, "dA beside outB");
      assertSameBits(only.dB, serial.dB, "outB alone");
    }
  }
  // And against an independent reference (float64: every kernel gives its bits here).
  const a = toShared(randn([9, 7], { seed: 4, dtype: "float64" }));
  const b = toShared(randn([7, 5], { seed: 5, dtype: "float64" }));
  const c = sharedZeros([9, 5], "float64");
  await pool.matmul(a, b, { out: c });
  const want = naiveMatmul(a, b, false, false, false);
  c.data.forEach((x, i) => assert(Math.abs(x - want[i]!) <= 1e-12, `element ${i}`));
});

Deno.test("createPool validates its options and defaults to one worker per other hardware thread", () => {
  {
    const error = assertThrows(() => createPool({ workers: 0 }), Error);
    assertStrictEquals(error.name, "RangeError");
    assertStrictEquals(error.message, "createPool: workers must be a positive integer, got 0");
  }
  assertThrows(() => createPool({ serialBelowFlops: -1 }), RangeError);
  for (const spinMs of [-1, NaN, Infinity, "1" as unknown as number]) {
    const error = assertThrows(() => createPool({ spinMs }), RangeError);
    assertStrictEquals(
      error.message,
      `createPool: spinMs must be a finite number ≥ 0, got ${spinMs}`,
    );
  }
  const pool = createPool();
  // The calling thread computes a share of every task, so it counts as one of the threads.
  assertStrictEquals(pool.size, Math.max(1, navigator.hardwareConcurrency - 1));
  assertStrictEquals(pool.threads, pool.size + 1);
  pool.close();
});

Deno.test("odd worker counts and more workers than tiles give the same bits", async () => {
  for (const workers of [1, 3]) {
    await using pool = createPool({ workers, serialBelowFlops: 0 });
    await pool.ready();
    for (const [aShape, bShape] of [[[37, 53], [53, 29]], [[2, 5, 11], [11, 3]], [[9], [9, 4]]]) {
      const { a, b } = operands(aShape!, bShape!, false, true, "float32");
      const opts = { transposeB: true };
      const c = await pool.matmul(a, b, opts);
      assertSameBits(c, matmul(a, b, opts), `C of ${aShape}·${bShape} on ${workers}`);
      const dC = randn([...c.shape], { seed: seed++ });
      const grads = await pool.matmulGrad(a, b, dC, opts);
      const serial = matmulGrad(a, b, dC, opts);
      assertSameBits(grads.dA, serial.dA, `dA on ${workers}`);
      assertSameBits(grads.dB, serial.dB, `dB on ${workers}`);
    }
  }
});

Deno.test("whichever threads claim the chunks (the workers alone, several chunks each), the bits are serial", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  const a = randn([150, 70], { seed: 11 });
  const b = randn([70, 90], { seed: 12 });
  const dC = randn([150, 90], { seed: 13 });
  const expected = matmulGrad(a, b, dC);
  for (const [caller, chunks] of [[false, 1], [false, 3], [true, 5]] as const) {
    hooks(pool).callerComputes(caller);
    hooks(pool).chunksPerThread(chunks);
    const before = pool.workerStages;
    const { dA, dB } = await pool.matmulGrad(a, b, dC);
    assertSameBits(dA, expected.dA, `dA, caller ${caller}, ${chunks} chunks per thread`);
    assertSameBits(dB, expected.dB, `dB, caller ${caller}, ${chunks} chunks per thread`);
    assertStrictEquals(pool.workerStages, before + 1);
    const c = withExecutor(pool, () => matmul(a, b));
    assertSameBits(c, matmul(a, b), `C, caller ${caller}, ${chunks} chunks per thread`);
  }
});

Deno.test("numbers reach the workers with their bits: scale by −0 gives −0 as serially", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  for (const s of [-0, 0, -1e-310, 2.5]) {
    for (const dtype of ["float32", "float64"] as const) {
      const input = randn([4096], { seed: 21, dtype });
      const on = withExecutor(pool, () => scale(input, s));
      assertSameBits(on, scale(input, s), `scale by ${Object.is(s, -0) ? "-0" : s}, ${dtype}`);
    }
  }
});

Deno.test("a pool whose workers never poll (spinMs 0) sleeps between ops and keeps the bits", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0, spinMs: 0 });
  await pool.ready();
  const a = randn([64, 48], { seed: 31 }), b = randn([48, 40], { seed: 32 });
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 5)); // the workers are asleep
    assertSameBits(await pool.matmul(a, b), matmul(a, b), `call ${i}`);
  }
});

Deno.test("takeRows splits its rows across the threads with the serial bits; so does its gradient", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  for (const dtype of ["float32", "float64"] as const) {
    const x = randn([300, 37], { seed: 41, dtype });
    const rows = Array.from({ length: 257 }, (_, i) => (i * 113) % 300);
    rows[5] = rows[9] = 7; // a repeat, summed in order in the gradient
    const serial = takeRows(x, rows);
    const before = pool.workerStages;
    const onPool = withExecutor(pool, () => takeRows(x, rows));
    assertStrictEquals(pool.workerStages, before + 1, "the gather went to the workers");
    assertSameBits(onPool, serial, `takeRows, ${dtype}`);
    const w = randn([257, 37], { seed: 42, dtype });
    const f = (x: Tensor) => sum(mul(takeRows(x, rows), w));
    const g = valueAndGrad(f)(x).grad;
    assertSameBits(withExecutor(pool, () => valueAndGrad(f)(x).grad), g, `gradient, ${dtype}`);
  }
});
