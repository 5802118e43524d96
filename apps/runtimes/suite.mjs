// The cross-runtime suite: the same file runs under Deno (runtimes_test.ts, on the TypeScript
// sources through the workspace) and under Node and Bun (run.mjs, on the JavaScript that
// packages/dev/build_npm.ts built into each package's dist/, resolved through package.json
// `exports`). Plain JavaScript, no assertion library: each runtime runs it as is.
//
// - bits: pool.matmulGrad, pool.matmul, pool.matmulGradPart and valueAndGradParallel on a pool
//   that splits everything (serialBelowFlops: 0) give the serial bits, and a SHA-256 of those
//   bits equal to expected_bits.json, which Deno checks in every run (and writes with
//   MATGRAD_UPDATE_BITS=1). Inputs come from an integer generator, not randn, so that no
//   engine's Math.log or Math.cos enters them.
// - faults: a worker that throws, crashes or is terminated gives a WorkerError, never a hang;
//   close() gives PoolClosedError; a runtime without SharedArrayBuffer or workers gives
//   PoolUnsupportedError, or a serial pool with { fallback: "serial" }.
// - two copies of core: tensors of a second copy (the package's folder copied elsewhere, so
//   its modules load again from other URLs) are tensors to the first copy's ops and the pool.
import * as core from "@matgrad/core";
import { getKernels } from "@matgrad/core/kernels";
import * as parallel from "@matgrad/parallel";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const { createPool, PoolClosedError, PoolUnsupportedError, valueAndGradParallel, WorkerError } =
  parallel;

// The test hooks sit next to the package's entry: testing.ts in the sources, testing.js in dist.
const parallelEntry = import.meta.resolve("@matgrad/parallel");
const { hooks } = await import(
  new URL(parallelEntry.endsWith(".ts") ? "./testing.ts" : "./testing.js", parallelEntry).href
);

/** The expected hashes, as Deno computed them. */
export const EXPECTED_URL = new URL("./expected_bits.json", import.meta.url);

export class CheckError extends Error {}

/** Throws unless `ok`. */
export function check(ok, message) {
  if (!ok) throw new CheckError(message);
}

function checkEqual(actual, expected, what) {
  check(actual === expected, `${what}: got ${String(actual)}, expected ${String(expected)}`);
}

async function checkRejects(promise, test, what) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `${what}: did not reject`);
  test(error);
}

/** `n` values in [-2, 2) with 24 significant bits (exact in float32), from `seed`. */
function values(n, seed) {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) - 8388608) / 4194304;
  }
  return out;
}

function make(c, shape, dtype, seed) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = values(n, seed);
  return new c.Tensor(dtype === "float32" ? Float32Array.from(v) : v, shape);
}

function bytesOf(t) {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** SHA-256 (first 16 hex digits) of the tensors' dtypes, shapes and bits. */
async function hash(tensors) {
  const parts = [];
  for (const t of tensors) {
    parts.push(new TextEncoder().encode(`${t.dtype}[${t.shape.join(",")}]`), bytesOf(t).slice());
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sameBits(actual, expected, what) {
  checkEqual(actual.dtype, expected.dtype, `${what} dtype`);
  checkEqual(actual.shape.join("×"), expected.shape.join("×"), `${what} shape`);
  const x = bytesOf(actual);
  const y = bytesOf(expected);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      const k = Math.floor(i / (actual.dtype === "float32" ? 4 : 8));
      check(false, `${what}: element ${k} differs: ${actual.data[k]} vs ${expected.data[k]}`);
    }
  }
}

const SHAPES = [[1, 1, 1], [7, 5, 3], [33, 17, 9], [65, 40, 31], [128, 64, 96]];
const TRANSPOSES = [[false, false], [true, false], [false, true], [true, true]];

/** The bit-exact cases: name → a function of the pool giving [pool result, serial result]. */
function cases() {
  const out = [];
  for (const dtype of ["float32", "float64"]) {
    SHAPES.forEach(([n, d, m], i) => {
      const tr = i === 2 ? TRANSPOSES : [[false, false]];
      for (const [transposeA, transposeB] of tr) {
        const name = `matmulGrad ${dtype} ${n}×${d}×${m}${transposeA ? " Aᵀ" : ""}${
          transposeB ? " Bᵀ" : ""
        }`;
        out.push([name, async (pool) => {
          const a = make(core, transposeA ? [d, n] : [n, d], dtype, 10 + i);
          const b = make(core, transposeB ? [m, d] : [d, m], dtype, 20 + i);
          const dC = make(core, [n, m], dtype, 30 + i);
          const opts = { transposeA, transposeB };
          const p = await pool.matmulGrad(a, b, dC, opts);
          const s = core.matmulGrad(a, b, dC, opts);
          return [[p.dA, p.dB], [s.dA, s.dB]];
        }]);
      }
    });
    out.push([`matmulGrad ${dtype} batched 2×9×7 · 7×5`, async (pool) => {
      const a = make(core, [2, 9, 7], dtype, 41);
      const b = make(core, [7, 5], dtype, 42);
      const dC = make(core, [2, 9, 5], dtype, 43);
      const p = await pool.matmulGrad(a, b, dC);
      const s = core.matmulGrad(a, b, dC);
      return [[p.dA, p.dB], [s.dA, s.dB]];
    }]);
    out.push([`matmul and matmulGradPart ${dtype} 61×29×13`, async (pool) => {
      const a = make(core, [61, 29], dtype, 51);
      const b = make(core, [29, 13], dtype, 52);
      const dC = make(core, [61, 13], dtype, 53);
      const c = await pool.matmul(a, b);
      const dB = await pool.matmulGradPart("dB", a, b, dC);
      const dA = await pool.matmulGradPart("dA", a, b, dC);
      return [[c, dA, dB], [
        core.matmul(a, b),
        core.matmulGradPart("dA", a, b, dC),
        core.matmulGradPart("dB", a, b, dC),
      ]];
    }]);
    for (const [rows, inner, hidden] of [[37, 13, 11], [3000, 8, 5]]) {
      out.push([`valueAndGradParallel ${dtype} MLP ${rows}×${inner}→${hidden}→3`, async (pool) => {
        const x = make(core, [rows, inner], dtype, 61);
        const y = make(core, [rows, 3], dtype, 62);
        const w1 = make(core, [inner, hidden], dtype, 63);
        const b1 = make(core, [hidden], dtype, 64);
        const w2 = make(core, [hidden, 3], dtype, 65);
        const loss = (w1, b1, w2) =>
          core.add(
            core.mse(core.matmul(core.relu(core.add(core.matmul(x, w1), b1)), w2), y),
            core.scale(core.mean(core.square(w1)), 0.01),
          );
        const p = await valueAndGradParallel(loss, pool, [0, 1, 2])(w1, b1, w2);
        const s = core.valueAndGrad(loss, [0, 1, 2])(w1, b1, w2);
        // Copied out: valueAndGrad disposes a call's intermediates at its next call.
        const keep = (r) =>
          [r.value, ...r.grad].map((t) => new core.Tensor(t.data.slice(), t.shape));
        return [keep(p), keep(s)];
      }]);
    }
  }
  return out;
}

/** Kernel backends to run the bit-exact cases under; both must give the same bits. */
function backends() {
  const list = [["js", () => core.setBackend("js")]];
  try {
    const { name, fused } = getKernels();
    core.setBackend("wasm", { fma: false });
    core.setBackend(name, { fma: fused });
    list.push(["wasm", () => core.setBackend("wasm", { fma: false })]);
  } catch {
    // No WebAssembly SIMD on this engine: the JavaScript kernels only.
  }
  return list;
}

/**
 * Runs every bit-exact case under each backend; returns name → hash, and checks pool = serial.
 * @returns {Promise<Record<string, string>>}
 */
export async function computeHashes() {
  const { name: backend0, fused: fused0 } = getKernels();
  const pool = createPool({ workers: 2, serialBelowFlops: 0 });
  /** @type {Record<string, string>} */
  const hashes = {};
  try {
    await pool.ready();
    for (const [label, use] of backends()) {
      use();
      for (const [name, run] of cases()) {
        const [p, s] = await run(pool);
        p.forEach((t, i) => sameBits(t, s[i], `${name} (${label}) result ${i}, pool vs serial`));
        const h = await hash(s);
        if (hashes[name] === undefined) hashes[name] = h;
        else checkEqual(h, hashes[name], `${name}: ${label} kernels' hash vs js kernels'`);
      }
    }
    check(pool.workerStages > 0, "the pool sent no stage to its workers");
  } finally {
    pool.close();
    core.setBackend(backend0, { fma: fused0 });
  }
  return hashes;
}

export function readExpected() {
  return JSON.parse(readFileSync(fileURLToPath(EXPECTED_URL), "utf8"));
}

/**
 * The hashes of this runtime equal Deno's.
 * @param {Record<string, string>} [hashes] computed already, else computed here
 */
export async function checkHashes(hashes) {
  const got = hashes ?? await computeHashes();
  const expected = readExpected();
  const names = new Set([...Object.keys(expected), ...Object.keys(got)]);
  for (const name of names) checkEqual(got[name], expected[name], `hash of ${name}`);
  return Object.keys(got).length;
}

// ---------------------------------------------------------------------------------------------

const fa = make(core, [96, 80], "float32", 1);
const fb = make(core, [80, 72], "float32", 2);
const fdC = make(core, [96, 72], "float32", 3);
const fserial = core.matmulGrad(fa, fb, fdC);

async function works(pool) {
  const { dA, dB } = await pool.matmulGrad(fa, fb, fdC);
  sameBits(dA, fserial.dA, "dA");
  sameBits(dB, fserial.dB, "dB");
}

/** Replaces `globalThis[name]` (and, for "Worker", node:worker_threads) while `fn` runs. */
async function without(name, fn) {
  const saved = globalThis[name];
  const process = globalThis.process;
  const getBuiltin = process?.getBuiltinModule;
  globalThis[name] = undefined;
  if (name === "Worker" && typeof getBuiltin === "function") {
    process.getBuiltinModule = (id) =>
      id === "node:worker_threads" || id === "worker_threads"
        ? undefined
        : getBuiltin.call(process, id);
  }
  try {
    await fn();
  } finally {
    globalThis[name] = saved;
    if (getBuiltin !== undefined) process.getBuiltinModule = getBuiltin;
  }
}

/** The fault and fallback tests: [name, async fn]. */
export const faultTests = [
  ["an exception in a worker rejects its call with a WorkerError; later calls work", async () => {
    const pool = createPool({ workers: 2, serialBelowFlops: 0 });
    try {
      await pool.ready();
      const x = parallel.toShared(make(core, [4], "float32", 5));
      const task = { kind: "unary", op: 0, x: x.data, out: x.data, c: 0, units: 4, work: 4 };
      await checkRejects(hooks(pool).run(1, { task, from: 0, to: 4 }, true), (e) => {
        check(e instanceof WorkerError, `not a WorkerError: ${e}`);
        checkEqual(
          e.message,
          "run: worker 1 failed: RangeError: decodeTask: unknown task kind code 99",
          "message",
        );
      }, "a corrupt job");
      await works(pool);
      checkEqual(hooks(pool).started(), 2, "workers started");
    } finally {
      pool.close();
    }
  }],
  [
    "a worker terminated mid-job rejects the call in flight with a WorkerError and is replaced",
    async () => {
      const pool = createPool({ workers: 2, serialBelowFlops: 0 });
      try {
        await pool.ready();
        await works(pool);
        // A job long enough (millions of elements, on worker 0 alone) to be running when killed.
        const x = parallel.sharedZeros([1 << 23], "float32");
        const task = {
          kind: "unary",
          op: 0,
          x: x.data,
          out: x.data,
          c: 0,
          units: 1 << 23,
          work: 1,
        };
        const call = hooks(pool).run(0, { task, from: 0, to: 1 << 23 });
        hooks(pool).kill(0, "terminate");
        await checkRejects(call, (e) => {
          check(e instanceof WorkerError, `not a WorkerError: ${e}`);
          checkEqual(e.message, "run: worker 0 was terminated; the call was abandoned", "message");
        }, "the call in flight");
        checkEqual(hooks(pool).started(), 3, "workers started");
        await works(pool);
        await works(pool);
      } finally {
        pool.close();
      }
    },
  ],
  [
    "a worker that crashes rejects the call in flight with a WorkerError and is replaced",
    async () => {
      // One worker, and the calling thread claims no chunk: the call needs the worker.
      const pool = createPool({ workers: 1, serialBelowFlops: 0 });
      try {
        await pool.ready();
        await works(pool);
        hooks(pool).callerComputes(false);
        hooks(pool).kill(0, "crash"); // dies of an uncaught error when it reads the next job
        await checkRejects(pool.matmulGrad(fa, fb, fdC), (e) => {
          check(e instanceof WorkerError, `not a WorkerError: ${e}`);
          const want =
            /^matmulGrad: worker 0 crashed with an uncaught error: Error: crash requested by a test; the call was abandoned$/;
          check(want.test(e.message), `message: ${e.message}`);
          check(/crash requested by a test/.test(e.cause?.stack ?? ""), "the worker's stack");
        }, "the call in flight");
        hooks(pool).callerComputes(true);
        checkEqual(hooks(pool).started(), 2, "workers started");
        await works(pool);
        await works(pool);
      } finally {
        pool.close();
      }
    },
  ],
  ["close() rejects pending and later calls with PoolClosedError", async () => {
    const pool = createPool({ workers: 2, serialBelowFlops: 0 });
    await pool.ready();
    const pending = [pool.matmulGrad(fa, fb, fdC), pool.matmul(fa, fb)];
    pool.close();
    for (const call of pending) {
      await checkRejects(call, (e) => check(e instanceof PoolClosedError, String(e)), "pending");
    }
    await checkRejects(pool.matmul(fa, fb), (e) => {
      check(e instanceof PoolClosedError, String(e));
      checkEqual(e.message, "matmul: the pool is closed", "message");
    }, "after close");
  }],
  ["without SharedArrayBuffer: PoolUnsupportedError, or a serial pool on request", async () => {
    await without("SharedArrayBuffer", async () => {
      let error;
      try {
        createPool({ workers: 1 });
      } catch (e) {
        error = e;
      }
      check(error instanceof PoolUnsupportedError, `not a PoolUnsupportedError: ${error}`);
      checkEqual(error.missing, "SharedArrayBuffer", "missing");
      check(/fallback: "serial"/.test(error.message), `message: ${error.message}`);
      const pool = createPool({ workers: 2, fallback: "serial" });
      try {
        checkEqual(pool.size, 0, "size");
        checkEqual(pool.threads, 1, "threads");
        checkEqual(pool.serialReason, "no SharedArrayBuffer", "serialReason");
        await works(pool);
        const x = make(core, [20, 4], "float64", 7);
        const w = make(core, [4, 1], "float64", 8);
        const f = (w) => core.mean(core.square(core.matmul(x, w)));
        const p = await valueAndGradParallel(f, pool)(w);
        sameBits(p.grad, core.valueAndGrad(f)(w).grad, "grad");
        checkEqual(pool.workerStages, 0, "stages sent to workers");
      } finally {
        pool.close();
      }
    });
  }],
  ["without workers: PoolUnsupportedError, or a serial pool on request", async () => {
    await without("Worker", async () => {
      let error;
      try {
        createPool({ workers: 1 });
      } catch (e) {
        error = e;
      }
      check(error instanceof PoolUnsupportedError, `not a PoolUnsupportedError: ${error}`);
      checkEqual(error.missing, "Worker", "missing");
      const pool = createPool({ fallback: "serial" });
      try {
        checkEqual(pool.serialReason, "no Worker", "serialReason");
        await works(pool);
      } finally {
        pool.close();
      }
    });
  }],
];

/** A second copy of core: its package folder copied to a temporary one and imported from there. */
async function secondCore() {
  const entry = import.meta.resolve("@matgrad/core");
  const dir = fileURLToPath(new URL(".", entry));
  const tmp = mkdtempSync(join(tmpdir(), "matgrad-core-copy-"));
  cpSync(dir, tmp, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|\.turbo)$/.test(src),
  });
  const file = entry.slice(new URL(".", entry).href.length);
  return { copy: await import(pathToFileURL(join(tmp, file)).href), tmp };
}

export const copyTests = [
  [
    "a tensor of a second copy of core is a tensor to the first copy's ops and to the pool",
    async () => {
      const { copy: other, tmp } = await secondCore();
      const pool = createPool({ workers: 2, serialBelowFlops: 0 });
      try {
        check(other.Tensor !== core.Tensor, "the copy is the same module");
        const a = make(other, [33, 17], "float32", 1);
        const b = make(other, [17, 9], "float64", 2);
        const dC = make(core, [33, 9], "float64", 3);
        check(core.isTensor(a) && a instanceof core.Tensor, "isTensor / instanceof across copies");
        check(!(new Float32Array(1) instanceof core.Tensor), "a typed array is no tensor");
        check(other.isTensor(dC) && dC instanceof other.Tensor, "and the other way");
        // Copy B's tensors through copy A's ops, and the reverse.
        sameBits(core.matmul(a, b), other.matmul(a, b), "matmul");
        const s = core.matmulGrad(a, b, dC);
        const t = other.matmulGrad(a, b, dC);
        sameBits(s.dA, t.dA, "dA");
        sameBits(s.dB, t.dB, "dB");
        sameBits(core.transpose(a), other.transpose(a), "transpose");
        sameBits(core.reshape(a, [17, 33]), other.reshape(a, [17, 33]), "reshape");
        const bytes = core.encodeSafetensors({ a, b });
        sameBits(core.decodeSafetensors(bytes).tensors.b, b, "safetensors");
        const report = core.checkGrad((b) => core.sum(core.square(b)), [
          make(other, [3, 2], "float64", 9),
        ]);
        check(report.ok === true, `checkGrad on a copy's tensor: ${report.text}`);
        // The pool (built on copy A) takes copy B's tensors and gives copy A's bits.
        await pool.ready();
        const p = await pool.matmulGrad(a, b, dC);
        sameBits(p.dA, s.dA, "pool dA");
        sameBits(p.dB, s.dB, "pool dB");
        const out = parallel.sharedZeros([33, 9], "float64");
        await pool.matmul(a, b, { out });
        sameBits(out, core.matmul(a, b), "pool matmul into out");
        // Autograd and the optimizers of copy A on copy B's parameters.
        const x = make(other, [40, 17], "float32", 4);
        const y = make(other, [40, 1], "float32", 5);
        const w = make(other, [17, 1], "float32", 6);
        const f = (w) => core.mse(core.matmul(x, w), y);
        const serial = core.valueAndGrad(f)(w);
        const onPool = await valueAndGradParallel(f, pool)(w);
        sameBits(onPool.value, serial.value, "value");
        sameBits(onPool.grad, serial.grad, "grad");
        const wCopy = new other.Tensor(w.data.slice(), w.shape);
        core.sgd({ lr: 0.1 }).step([w], [serial.grad]);
        other.sgd({ lr: 0.1 }).step([wCopy], [serial.grad]);
        sameBits(w, wCopy, "sgd step");
      } finally {
        pool.close();
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  ],
];

/**
 * Runs the suite with a `name ... ok` line per test and deno test's summary line,
 * `ok | N passed | M failed (Xms)` (CI sums these); returns the number failed.
 */
export async function runAll(runtime) {
  const start = performance.now();
  let passed = 0;
  let failed = 0;
  const tests = [
    ["pool results are the serial bits, and their hashes Deno's (expected_bits.json)", async () => {
      const n = await checkHashes();
      check(n > 20, `only ${n} cases`);
    }],
    ...faultTests,
    ...copyTests,
  ];
  console.log(`running ${tests.length} tests under ${runtime}`);
  for (const [name, fn] of tests) {
    const t0 = performance.now();
    try {
      await fn();
      passed++;
      console.log(`${name} ... ok (${Math.round(performance.now() - t0)}ms)`);
    } catch (e) {
      failed++;
      console.log(`${name} ... FAILED (${Math.round(performance.now() - t0)}ms)`);
      console.log(`  ${e?.stack ?? e}`);
    }
  }
  const ms = Math.round(performance.now() - start);
  console.log("");
  console.log(`${failed === 0 ? "ok" : "FAILED"} | ${passed} passed | ${failed} failed (${ms}ms)`);
  return failed;
}
