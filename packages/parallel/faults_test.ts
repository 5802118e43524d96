import { assert, assertMatch, assertRejects, assertStrictEquals } from "@std/assert";
import { matmul, matmulGrad, randn } from "@matgrad/core";
import { createPool, PoolClosedError, toShared, WorkerError } from "./mod.ts";
import { hooks } from "./testing.ts";
import { assertSameBits } from "./test_util.ts";

const a = randn([96, 80], { seed: 1 });
const b = randn([80, 72], { seed: 2 });
const dC = randn([96, 72], { seed: 3 });
const serial = matmulGrad(a, b, dC);
const bigA = randn([512, 512], { seed: 512 });
const bigB = randn([512, 512], { seed: 513 });
const bigDC = randn([512, 512], { seed: 514 });

async function assertWorks(pool: ReturnType<typeof createPool>): Promise<void> {
  const { dA, dB } = await pool.matmulGrad(a, b, dC);
  assertSameBits(dA, serial.dA, "dA");
  assertSameBits(dB, serial.dB, "dB");
}

Deno.test("an exception in a worker rejects that call with its message; later calls work", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  const x = toShared(randn([4]));
  const task = { kind: "unary", op: 0, x: x.data, out: x.data, c: 0, units: 4, work: 4 } as const;
  // A job that slipped past the checks: its task cannot be read.
  {
    const e = await assertRejects(() => hooks(pool).run(1, { task, from: 0, to: 4 }, true));
    assert(e instanceof WorkerError);
    assertStrictEquals(
      e.message,
      "run: worker 1 failed: RangeError: decodeTask: unknown task kind code 99",
    );
    assert(e.cause instanceof Error);
  }
  await assertWorks(pool);
  assertStrictEquals(hooks(pool).started(), 2);
});

for (const how of ["terminate", "crash"] as const) {
  Deno.test(`a worker that dies (${how}) rejects its calls in flight and is replaced`, async () => {
    // Chunks go to whichever thread claims them first, so that the call
    // needs the worker that dies, the calling thread computes nothing here.
    const workers = 1;
    await using pool = createPool({ workers, serialBelowFlops: 0 });
    await pool.ready();
    await assertWorks(pool); // the worker is up
    hooks(pool).callerComputes(false);
    if (how === "crash") hooks(pool).kill(0, "crash"); // dies before it reads the next call
    // Terminated just after the call is posted: a spinning worker finished a
    // small product before the termination took effect, so this one is large
    // enough (about 10 ms on one thread) to be surely still in flight.
    const call = how === "terminate"
      ? pool.matmulGrad(bigA, bigB, bigDC)
      : pool.matmulGrad(a, b, dC);
    if (how === "terminate") hooks(pool).kill(0, "terminate");
    {
      const e = await assertRejects(() => call);
      assert(e instanceof WorkerError, String(e));
      assertMatch(
        e.message,
        how === "crash"
          ? /^matmulGrad: worker 0 crashed with an uncaught error: Error: crash requested by a test; the call was abandoned$/
          : /^matmulGrad: worker 0 was terminated; the call was abandoned$/,
      );
      if (how === "crash") {
        // The worker's own error, stack included, since the runtime no longer prints it.
        assert(
          e.cause instanceof Error && /crash requested by a test/.test(e.cause.stack ?? ""),
        );
      }
    }
    hooks(pool).callerComputes(true);
    const started = hooks(pool).started();
    assertStrictEquals(started, workers + 1, `started ${started}`);
    assertStrictEquals(pool.size, workers);
    await assertWorks(pool);
    await assertWorks(pool);
  });
}

Deno.test("a worker that dies between ops fails the next op, before it runs; the one after works", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  await assertWorks(pool);
  hooks(pool).kill(1, "terminate"); // no call in flight
  const out = toShared(randn([96, 72], { seed: 9 }));
  const before = out.data.slice();
  const e = await assertRejects(() => pool.matmul(a, b, { out }));
  assert(e instanceof WorkerError, String(e));
  assertStrictEquals(
    e.message,
    "matmul: worker 1 was terminated since the previous op; this op was not run",
  );
  assertStrictEquals(out.data.every((x, i) => Object.is(x, before[i])), true, "out untouched");
  assertStrictEquals(hooks(pool).started(), 3);
  await assertWorks(pool);
});

Deno.test("a crashed worker prints nothing: the caller gets the error, the log stays clean", async () => {
  // Deno prints `error: Uncaught (in worker …)` for an error that escapes a worker even when
  // the pool handles the worker's error event; the worker reports its own errors instead.
  const script = `
import { randn } from "@matgrad/core";
import { createPool } from "./mod.ts";
import { hooks } from "./testing.ts";

const pool = createPool({ workers: 1, serialBelowFlops: 0 });

await pool.ready();
const a = randn([64, 64], { seed: 1 });
await pool.matmul(a, a);
hooks(pool).callerComputes(false); // so that the call needs the worker
hooks(pool).kill(0, "crash");
console.log(await pool.matmul(a, a).then(() => "no error", (e) => e.message));
hooks(pool).callerComputes(true);
await pool.matmul(a, a); // the replacement works
pool.close();
`;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    cwd: new URL(".", import.meta.url),
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  assertStrictEquals(code, 0, dec.decode(stderr));
  assertMatch(
    dec.decode(stdout),
    /^matmul: worker 0 crashed with an uncaught error: Error: crash/,
  );
  assertStrictEquals(dec.decode(stderr), "");
});

Deno.test("close() rejects pending calls and later ones with PoolClosedError; twice is harmless", async () => {
  const pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  const pending = [pool.matmulGrad(a, b, dC), pool.matmul(a, b)];
  pool.close();
  for (const call of pending) {
    {
      const e = await assertRejects(() => call);
      assert(e instanceof PoolClosedError);
      assertMatch(e.message, /^matmul(Grad)?: the pool was closed before the call finished$/);
    }
  }
  {
    const error = await assertRejects(() => pool.matmul(a, b), Error);
    assertStrictEquals(error.name, "PoolClosedError");
    assertStrictEquals(error.message, "matmul: the pool is closed");
  }
  // Even calls the calling thread would have done alone.
  await assertRejects(
    () => pool.matmulGrad(randn([2, 2]), randn([2, 2]), randn([2, 2])),
    PoolClosedError,
  );
  pool.close();
  await pool[Symbol.asyncDispose]();
});

Deno.test("1,000 small and 20 large concurrent calls all return correct results", async () => {
  await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
  await pool.ready();
  const smalls = Array.from({ length: 1000 }, (_, i) => ({
    a: randn([3 + (i % 5), 4], { seed: 100 + i }),
    b: randn([4, 2 + (i % 3)], { seed: 2000 + i }),
  }));
  const larges = Array.from({ length: 20 }, (_, i) => ({
    a: randn([200 + i, 150], { seed: 5000 + i }),
    b: randn([150, 120], { seed: 6000 + i }),
  }));
  const calls = [...smalls, ...larges].map(({ a, b }) => ({
    a,
    b,
    c: pool.matmul(a, b),
    g: pool.matmulGrad(
      a,
      b,
      a.shape[0] === 3 ? randn([3, b.shape[1]!], { seed: 9 }) : matmul(a, b),
    ),
  }));
  for (const { a, b, c, g } of calls) {
    assertSameBits(await c, matmul(a, b), "C");
    const dC = a.shape[0] === 3 ? randn([3, b.shape[1]!], { seed: 9 }) : matmul(a, b);
    const { dA, dB } = await g;
    const s = matmulGrad(a, b, dC);
    assertSameBits(dA, s.dA, "dA");
    assertSameBits(dB, s.dB, "dB");
  }
  assertStrictEquals(hooks(pool).started(), 2); // nothing spawned per call
});
