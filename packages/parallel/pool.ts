/**
 * The worker pool: checks and plans a product on the calling thread, sends
 * each worker its blocks of the output over comlink, and lets the workers
 * write straight into a shared result.
 *
 * @module
 */
import { releaseProxy, type Remote, wrap } from "npm:comlink@4.4.2";
import {
  checkGradName,
  checkGradShape,
  checkTensor,
  type DType,
  forwardTask,
  gradTasks,
  matmul,
  matmulGrad,
  type MatmulGradName,
  type MatmulGradOptions,
  matmulGradPart,
  type MatmulGrads,
  type MatmulOptions,
  type MatmulOutOptions,
  planMatmul,
  resultDType,
  sharesMemory,
  Tensor,
  type TensorData,
} from "@matgrad/core";
import { getKernels } from "@matgrad/core/kernels";
import { PoolClosedError, WorkerError } from "./errors.ts";
import { SERIAL_BELOW_FLOPS, SERIAL_BELOW_UNKNOWN } from "./crossover.ts";
import { cheaperAxis, flops, gradJobs, needed, productJobs } from "./jobs.ts";
import { like, sharedOut } from "./outputs.ts";
import { type GateTicket, PostGate } from "./post_gate.ts";
import { isCrashReport, type Job, type JobBuffers, type WorkerApi } from "./protocol.ts";
import { allocateShared } from "./shared.ts";
import { Staging } from "./staging.ts";
import { WORKER_SRC } from "./_generated/worker_src.ts";

/** Options of {@linkcode createPool}. */
export interface PoolOptions {
  /** How many workers to start; default `navigator.hardwareConcurrency` (at least 1). */
  workers?: number;
  /**
   * Products with fewer flops (2·m·n·k per matrix) run on the calling thread.
   * Default: {@linkcode SERIAL_BELOW_FLOPS} of the active backend; 0 sends
   * every non-empty product to the workers.
   */
  serialBelowFlops?: number;
}

interface Pending {
  readonly fn: string;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  readonly remote: Remote<WorkerApi>;
  readonly pending: Set<Pending>;
  started: boolean;
  dead: boolean;
}

/** Test hooks, reachable only through `testing.ts`. */
export interface PoolHooks {
  /** Kills worker `index`: terminated from outside, or crashed by an uncaught error inside. */
  kill(index: number, how: "terminate" | "crash"): void;
  /** Sends raw jobs to worker `index`, bypassing the checks (and, without a ticket, the gate). */
  run(index: number, buffers: JobBuffers, jobs: Job[], gate?: GateTicket): Promise<void>;
  /** Turns the post gate on (the default) or off, for `post_gate_bench.ts`. */
  gate(on: boolean): void;
  /** How many workers were started so far, replacements included. */
  started(): number;
}

/** The hooks of each pool, for tests. */
export const poolHooks: WeakMap<Pool, PoolHooks> = new WeakMap();

/**
 * A fixed set of Web Workers that compute matrix products and their
 * gradients in blocks, with exactly the bits of core's serial `matmul` and
 * `matmulGrad`. Create it with {@linkcode createPool}; close it when done
 * (`await using` does that).
 *
 * Operands that already live in SharedArrayBuffers (see `toShared`) are used
 * in place; any other operand is copied once per call into a shared staging
 * buffer that the pool reuses for later calls. Results are new tensors on
 * shared memory.
 *
 * @example
 * ```ts
 * import { createPool } from "@matgrad/parallel";
 * import { matmulGrad, randn } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * await using pool = createPool({ workers: 2, serialBelowFlops: 0 }); // no product too small
 * const a = randn([256, 128], { seed: 1 });
 * const b = randn([128, 64], { seed: 2 });
 * const dC = randn([256, 64], { seed: 3 });
 * const { dA, dB } = await pool.matmulGrad(a, b, dC);
 * const serial = matmulGrad(a, b, dC);
 * assert.deepEqual(dA.data, serial.dA.data);
 * assert.deepEqual(dB.data, serial.dB.data);
 * ```
 */
export class Pool implements AsyncDisposable {
  /** The number of workers. */
  readonly size: number;
  #slots: Slot[];
  #closed = false;
  #started = 0;
  readonly #staging = new Staging();
  readonly #gate = new PostGate();
  #gateOn = true;
  readonly #serialBelow: number | undefined;

  /**
   * Starts the workers. Prefer {@linkcode createPool}.
   *
   * @throws {RangeError} if `workers` is not a positive integer or
   * `serialBelowFlops` not a non-negative number.
   * @throws {Error} if SharedArrayBuffer is unavailable (a browser page that is
   * not cross-origin isolated).
   */
  constructor(options: PoolOptions = {}) {
    const workers = options.workers ?? Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`createPool: workers must be a positive integer, got ${workers}`);
    }
    const serialBelow = options.serialBelowFlops;
    if (serialBelow !== undefined && (typeof serialBelow !== "number" || !(serialBelow >= 0))) {
      throw new RangeError(
        `createPool: serialBelowFlops must be a non-negative number, got ${serialBelow}`,
      );
    }
    if (typeof SharedArrayBuffer === "undefined") {
      throw new Error(
        "createPool: SharedArrayBuffer is not available; in a browser, serve the page " +
          "cross-origin isolated (Cross-Origin-Opener-Policy: same-origin and " +
          "Cross-Origin-Embedder-Policy: require-corp)",
      );
    }
    this.size = workers;
    this.#serialBelow = serialBelow;
    this.#slots = Array.from({ length: workers }, (_, i) => this.#spawn(i));
    poolHooks.set(this, {
      kill: (index, how) => {
        const slot = this.#slots[index];
        if (slot === undefined || slot.dead) return;
        if (how === "crash") slot.remote.crash().catch(() => {});
        else this.#died(slot, "was terminated");
      },
      run: (index, buffers, jobs, gate) =>
        this.#send(this.#live(index), "run", buffers, jobs, gate),
      gate: (on) => this.#gateOn = on,
      started: () => this.#started,
    });
  }

  /**
   * The matrix product on the workers: {@linkcode matmul} of `@matgrad/core`
   * with its semantics (1-D operands, broadcast batches, dtype promotion),
   * its checks and error messages, and the same bits. The output is split
   * into row blocks (2-D tiles when it has few rows).
   *
   * @param options Transposes, and `out`: a shared tensor (`sharedZeros`,
   * `toShared`) to write the result into, checked as core checks it.
   * @returns A promise of the result: `out` if given, else a new tensor on
   * shared memory (for products computed on the calling thread, core's
   * ordinary result).
   * @throws {PoolClosedError} (as a rejection) if the pool is closed.
   * @throws {WorkerError} (as a rejection) if a worker failed or died.
   * @throws {TypeError} (as a rejection) for a non-tensor operand, a bad option, or an `out` not
   * in shared memory.
   * @throws {ShapeError} (as a rejection) for shapes that do not multiply or a wrong `out` shape.
   * @throws {DTypeError} (as a rejection) for a wrong `out` dtype.
   * @example
   * ```ts
   * import { createPool } from "@matgrad/parallel";
   * import { tensor } from "@matgrad/core";
   * import assert from "node:assert/strict";
   *
   * await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
   * const c = await pool.matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]]));
   * assert.deepEqual(c.toArray(), [[19, 22], [43, 50]]);
   * ```
   */
  async matmul(a: Tensor, b: Tensor, options: MatmulOutOptions = {}): Promise<Tensor> {
    this.#checkOpen("matmul");
    checkTensor(a, "A", "matmul");
    checkTensor(b, "B", "matmul");
    const plan = planMatmul(a.shape, b.shape, options, "matmul");
    const dtype = resultDType(a.dtype, b.dtype);
    const out = sharedOut(options.out, plan.outShape, dtype, [a, b], "matmul", "out");
    if (this.#serial(flops(plan))) return matmul(a, b, { ...transposes(options), out });
    const task = forwardTask(plan);
    const c = out?.data ?? allocateShared(dtype, plan.aIndex.length * plan.m * plan.n);
    const jobs = productJobs(task, this.size, "rows");
    await this.#run("matmul", (stage) => ({ a: stage(a, dtype), b: stage(b, dtype), c }), jobs);
    return out ?? new Tensor(c, plan.outShape);
  }

  /**
   * The gradients of a matrix product on the workers: {@linkcode matmulGrad}
   * of `@matgrad/core` with its semantics, checks, error messages and bits.
   * `dA` is split into row blocks and `dB` into column blocks; with an even
   * number of workers, half of them compute dA and half dB, otherwise each
   * worker gets a block of both, in a single message.
   *
   * @param options Transposes, and `outA` / `outB`: shared tensors to write
   * the gradients into, checked as core checks them.
   * @returns A promise of `{ dA, dB }` with A's and B's shapes and dtypes, on
   * shared memory when the dtype needs no conversion.
   * @throws {PoolClosedError} (as a rejection) if the pool is closed.
   * @throws {WorkerError} (as a rejection) if a worker failed or died.
   * @throws {TypeError} (as a rejection) for a non-tensor argument or a bad option, as core's
   * `matmulGrad`, or an `outA` / `outB` not in shared memory.
   * @throws {ShapeError} (as a rejection) for shapes that do not fit, as core's `matmulGrad`.
   * @throws {DTypeError} (as a rejection) for a wrong `outA` / `outB` dtype.
   * @throws {RangeError} (as a rejection) if an output overlaps an input or the other output.
   * @example
   * ```ts
   * import { createPool } from "@matgrad/parallel";
   * import { tensor } from "@matgrad/core";
   * import assert from "node:assert/strict";
   *
   * await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
   * const a = tensor([[1, 2], [3, 4]]);
   * const b = tensor([[5, 6], [7, 8]]);
   * const { dA, dB } = await pool.matmulGrad(a, b, tensor([[1, 0], [0, 1]]));
   * assert.deepEqual(dA.toArray(), [[5, 7], [6, 8]]); // dC·Bᵀ
   * assert.deepEqual(dB.toArray(), [[1, 3], [2, 4]]); // Aᵀ·dC
   * ```
   */
  async matmulGrad(
    a: Tensor,
    b: Tensor,
    dC: Tensor,
    options: MatmulGradOptions = {},
  ): Promise<MatmulGrads> {
    this.#checkOpen("matmulGrad");
    checkTensor(a, "A", "matmulGrad");
    checkTensor(b, "B", "matmulGrad");
    checkTensor(dC, "dC", "matmulGrad");
    const plan = planMatmul(a.shape, b.shape, options, "matmulGrad");
    checkGradShape(plan, dC);
    const inputs = [a, b, dC];
    const outA = sharedOut(options.outA, a.shape, a.dtype, inputs, "matmulGrad", "outA");
    const outB = sharedOut(options.outB, b.shape, b.dtype, inputs, "matmulGrad", "outB");
    if (outA !== undefined && outB !== undefined && sharesMemory(outA.data, outB.data)) {
      throw new RangeError("matmulGrad: outA and outB share memory");
    }
    if (this.#serial(2 * flops(plan))) {
      return matmulGrad(a, b, dC, { ...transposes(options), outA, outB });
    }
    const dtype = resultDType(resultDType(a.dtype, b.dtype), dC.dtype);
    const tasks = gradTasks(plan);
    // Workers write into an out tensor of the product's dtype directly.
    const target = (out: Tensor | undefined, size: number) =>
      out?.dtype === dtype ? out.data : allocateShared(dtype, size);
    const dA = target(outA, a.size);
    const dB = target(outB, b.size);
    await this.#run(
      "matmulGrad",
      (stage) => ({ a: stage(a, dtype), b: stage(b, dtype), dC: stage(dC, dtype), dA, dB }),
      gradJobs(tasks.dA, tasks.dB, this.size),
    );
    return { dA: like(dA, a, outA), dB: like(dB, b, outB) };
  }

  /**
   * One gradient of a matrix product on the workers: core's
   * `matmulGradPart` (its semantics, checks, errors and bits), for a product
   * whose other operand is a constant, split over all workers: into row blocks
   * when the gradient has at least as many rows as columns (each worker then
   * reads the smaller factor whole), else into column blocks.
   *
   * @param which `"dA"` or `"dB"`.
   * @param options Transposes as given to `matmul`, and `out`: a shared tensor to write into.
   * @returns A promise of the gradient, with its operand's shape and dtype.
   * @throws {PoolClosedError} (as a rejection) if the pool is closed.
   * @throws {WorkerError} (as a rejection) if a worker failed or died.
   * @throws {TypeError} (as a rejection) for a bad `which`, a non-tensor, a bad option or an
   * `out` not in shared memory.
   * @throws {ShapeError} (as a rejection) for shapes that do not fit.
   * @throws {DTypeError} (as a rejection) for a wrong `out` dtype.
   * @example
   * ```ts
   * import { createPool } from "@matgrad/parallel";
   * import { matmulGrad, randn } from "@matgrad/core";
   * import assert from "node:assert/strict";
   *
   * await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
   * const x = randn([64, 16], { seed: 1 });
   * const w = randn([16, 8], { seed: 2 });
   * const dC = randn([64, 8], { seed: 3 });
   * const dW = await pool.matmulGradPart("dB", x, w, dC);
   * assert.deepEqual(dW.data, matmulGrad(x, w, dC).dB.data);
   * ```
   */
  async matmulGradPart(
    which: MatmulGradName,
    a: Tensor,
    b: Tensor,
    dC: Tensor,
    options: MatmulOutOptions = {},
  ): Promise<Tensor> {
    const fn = "matmulGradPart";
    this.#checkOpen(fn);
    checkGradName(which, fn);
    checkTensor(a, "A", fn);
    checkTensor(b, "B", fn);
    checkTensor(dC, "dC", fn);
    const plan = planMatmul(a.shape, b.shape, options, fn);
    checkGradShape(plan, dC, fn);
    const of = which === "dA" ? a : b;
    const out = sharedOut(options.out, of.shape, of.dtype, [a, b, dC], fn, "out");
    if (this.#serial(flops(plan))) {
      return matmulGradPart(which, a, b, dC, { ...transposes(options), out });
    }
    const dtype = resultDType(resultDType(a.dtype, b.dtype), dC.dtype);
    const task = gradTasks(plan)[which];
    // Only the two factors of this product: the third tensor is not read, so not copied.
    const factors: Record<string, Tensor> = { a, b, dC };
    const result = out?.dtype === dtype ? out.data : allocateShared(dtype, of.size);
    const jobs = productJobs(task, this.size, cheaperAxis(task));
    await this.#run(fn, (stage) => ({
      [task.x]: stage(factors[task.x]!, dtype),
      [task.y]: stage(factors[task.y]!, dtype),
      [which]: result,
    }), jobs);
    return like(result, of, out);
  }

  /**
   * Terminates the workers and rejects every pending call with
   * {@linkcode PoolClosedError}; later calls reject the same way. Closing
   * twice does nothing.
   *
   * @example
   * ```ts
   * import { createPool } from "@matgrad/parallel";
   *
   * const pool = createPool({ workers: 1 });
   * pool.close();
   * pool.close(); // harmless
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#staging.clear();
    for (const slot of this.#slots) {
      slot.dead = true;
      stop(slot);
      const pending = [...slot.pending];
      slot.pending.clear();
      for (const p of pending) {
        p.reject(new PoolClosedError(`${p.fn}: the pool was closed before the call finished`));
      }
    }
  }

  /** Closes the pool, for `await using pool = createPool()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #checkOpen(fn: string): void {
    if (this.#closed) throw new PoolClosedError(`${fn}: the pool is closed`);
  }

  #serial(n: number): boolean {
    const below = this.#serialBelow ?? SERIAL_BELOW_FLOPS[getKernels().name] ??
      SERIAL_BELOW_UNKNOWN;
    return n === 0 || n < below;
  }

  #spawn(index: number): Slot {
    const url = URL.createObjectURL(new Blob([WORKER_SRC], { type: "text/javascript" }));
    let worker: Worker;
    try {
      worker = new Worker(url, { type: "module", name: `matgrad-parallel-${index}` });
    } finally {
      // Only now: revoking before `new Worker` makes the module unloadable.
      URL.revokeObjectURL(url);
    }
    this.#started++;
    const slot: Slot = {
      index,
      worker,
      remote: wrap<WorkerApi>(worker),
      pending: new Set(),
      started: false,
      dead: false,
    };
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      // Browsers give no message for a module that fails to load.
      const why = event.message ? `: ${event.message}` : "";
      this.#died(
        slot,
        slot.started ? `crashed with an uncaught error${why}` : `failed to start${
          why ||
          " (in a browser, check that blob: module workers are allowed)"
        }`,
      );
    });
    worker.addEventListener("messageerror", () => {
      this.#died(slot, "received a message it could not deserialize");
    });
    // An error that escaped the worker's code, reported by the worker itself (worker_entry.ts).
    worker.addEventListener("message", (event) => {
      if (!isCrashReport(event.data)) return;
      const cause = Object.assign(new Error(event.data.message), {
        stack: event.data.stack ?? event.data.message,
      });
      this.#died(slot, `crashed with an uncaught error: ${event.data.message}`, cause);
    });
    slot.remote.ping().then(() => slot.started = true, () => {});
    return slot;
  }

  /** The live worker `index`, restarting one that died before its handshake. */
  #live(index: number): Slot {
    const slot = this.#slots[index]!;
    if (!slot.dead) return slot;
    return this.#slots[index] = this.#spawn(index);
  }

  #died(slot: Slot, what: string, cause?: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    stop(slot);
    const pending = [...slot.pending];
    slot.pending.clear();
    for (const p of pending) {
      const message = `${p.fn}: worker ${slot.index} ${what}; the call was abandoned`;
      p.reject(
        cause === undefined ? new WorkerError(message) : new WorkerError(message, { cause }),
      );
    }
    // A worker that never started would likely fail again: restart it lazily, on the next call.
    if (!this.#closed && slot.started) this.#slots[slot.index] = this.#spawn(slot.index);
  }

  /**
   * Stages the call's operands (`buffers` copies the non-shared ones through
   * `stage`), runs `jobs`, and gives the staging buffers back once every
   * worker is done with them.
   */
  async #run(
    fn: string,
    buffers: (stage: (t: Tensor, dtype: DType) => TensorData) => JobBuffers,
    jobs: Job[][],
  ): Promise<void> {
    const used: SharedArrayBuffer[] = [];
    try {
      await this.#dispatch(
        fn,
        buffers((t, dtype) => this.#staging.stage(t.data, dtype, used)),
        jobs,
      );
    } finally {
      // A closed pool keeps nothing.
      if (!this.#closed) this.#staging.release(used);
    }
  }

  async #dispatch(fn: string, buffers: JobBuffers, jobs: Job[][]): Promise<void> {
    // One worker alone cannot be held up by the posting of another's jobs.
    // Tickets are taken and opened within this synchronous block, so calls
    // open in the order they were numbered.
    const ticket = jobs.filter((list) => list.length > 0).length > 1 && this.#gateOn
      ? this.#gate.ticket()
      : undefined;
    let parts: Promise<void>[];
    try {
      parts = jobs.flatMap((list, i) =>
        list.length === 0
          ? []
          : [this.#send(this.#live(i), fn, needed(buffers, list), list, ticket)]
      );
    } finally {
      if (ticket !== undefined) this.#gate.open(ticket);
    }
    // Settle every part first, so that no worker still writes into this call's buffers.
    const results = await Promise.allSettled(parts);
    for (const r of results) if (r.status === "rejected") throw r.reason;
  }

  #send(
    slot: Slot,
    fn: string,
    buffers: JobBuffers,
    jobs: Job[],
    gate?: GateTicket,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { fn, reject };
      slot.pending.add(pending);
      const { name, fused } = getKernels();
      slot.remote.run({ name, fused }, buffers, jobs, gate).then(
        () => {
          if (slot.pending.delete(pending)) resolve();
        },
        (e: unknown) => {
          if (!slot.pending.delete(pending)) return;
          const message = e instanceof Error ? e.message : String(e);
          reject(new WorkerError(`${fn}: worker ${slot.index} failed: ${message}`, { cause: e }));
        },
      );
    });
  }
}

/**
 * Starts a pool of `workers` Web Workers (default: one per hardware thread).
 * Workers start once, from a self-contained module (no file or network
 * access, no Deno permissions), and are reused by every call.
 *
 * @throws {RangeError} if `workers` is not a positive integer.
 * @example
 * ```ts
 * import { createPool } from "@matgrad/parallel";
 * import assert from "node:assert/strict";
 *
 * const pool = createPool({ workers: 2 });
 * assert.equal(pool.size, 2);
 * pool.close();
 * ```
 */
export function createPool(options: PoolOptions = {}): Pool {
  return new Pool(options);
}

function stop(slot: Slot): void {
  try {
    slot.remote[releaseProxy]();
  } catch {
    // A proxy whose worker is already gone cannot be released; terminating is enough.
  }
  slot.worker.terminate();
}

function transposes(options: MatmulOptions): MatmulOptions {
  return { transposeA: options.transposeA, transposeB: options.transposeB };
}
