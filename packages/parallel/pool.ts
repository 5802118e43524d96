/**
 * The worker pool: an executor of core's ops. The tasks of a stage are cut
 * into chunks of their units, which every thread (the calling one included)
 * claims until none is left, all reading and writing the shared tensor heap
 * in place. Jobs go through shared memory with Atomics (a worker polls
 * briefly after a job, then sleeps); comlink only starts the workers.
 *
 * @module
 */
import { releaseProxy, type Remote, wrap } from "npm:comlink@4.4.2";
import {
  type Executor,
  type MatmulGradName,
  type MatmulGradOptions,
  type MatmulGrads,
  type MatmulOutOptions,
  serialExecutor,
  type Tensor,
  withExecutor,
} from "@matgrad/core";
import {
  type Allocation,
  type DType,
  type PreparedOp,
  prepareMatmul,
  prepareMatmulGrad,
  prepareMatmulGradPart,
  type TensorData,
} from "@matgrad/core/backend";
import {
  encodedSize,
  encodeTask,
  everyBuffer,
  getKernels,
  kernelModule,
  runTask,
  type Task,
  taskBuffers,
  wasmFeatures,
} from "@matgrad/core/kernels";
import { PoolClosedError, PoolUnsupportedError, WorkerError } from "./errors.ts";
import { SERIAL_BELOW_FLOPS } from "./crossover.ts";
import { SPIN_MS } from "./idle.ts";
import {
  heapAllocation,
  type HeapBlock,
  heapMemory,
  heapRelease,
  heapSupported,
  inHeap,
} from "./heap.ts";
import {
  BACKEND,
  BACKEND_CODES,
  CHUNKS,
  CLAIM,
  claimChunk,
  controlBytes,
  CRASH,
  CRASHED,
  type CrashReport,
  DONE,
  ERROR_BYTES,
  ERROR_LENGTH,
  errorOffset,
  FAILED,
  FINISHED,
  MAX_CHUNKS,
  SEQ,
  SLOT,
  stageBase,
  STATUS,
  type WorkerApi,
} from "./protocol.ts";
import { checkShared } from "./shared.ts";
import { placeResult, type ResultBudget } from "./results.ts";
import { WORKER_SRC } from "./_generated/worker_src.ts";
import {
  hardwareThreads,
  type Missing,
  missingFeature,
  startWorker,
  type WorkerHandle,
} from "./spawn.ts";

/** Options of {@linkcode createPool}. */
export interface PoolOptions {
  /**
   * How many workers to start; default one fewer than the hardware threads
   * (at least 1), since the calling thread computes a share of every task.
   */
  workers?: number;
  /**
   * A stage of work below this many flop-equivalents (2 per multiply-add,
   * about 20 per element of an element-wise op) runs on the calling thread
   * alone. Default: {@linkcode SERIAL_BELOW_FLOPS}; 0 splits every stage
   * that has more than one unit of work.
   */
  serialBelowFlops?: number;
  /**
   * How long, in milliseconds, an idle worker keeps polling for the next op
   * before it sleeps. Polling keeps the core awake and its wake-up
   * immediate, which a training loop's back-to-back ops want (a sleeping
   * core on a VM can take tens of microseconds to milliseconds to wake);
   * sleeping sooner frees the core sooner. Default {@linkcode SPIN_MS}.
   */
  spinMs?: number;
  /**
   * What to do where the runtime cannot run workers over shared memory (no
   * Web Worker API nor `node:worker_threads`, or no growable
   * SharedArrayBuffer, as in a browser page that is not cross-origin
   * isolated): `"error"` (the default) throws a
   * {@linkcode PoolUnsupportedError} naming what is missing; `"serial"`
   * makes a pool of no workers that runs every op on the calling thread,
   * with the same results ({@linkcode Pool.serialReason} says why).
   */
  fallback?: "error" | "serial";
}

const ADVICE: Record<Missing, string> = {
  SharedArrayBuffer: "growable SharedArrayBuffer is not available; in a browser, serve the " +
    "page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin and " +
    "Cross-Origin-Embedder-Policy: require-corp); elsewhere use a runtime that has it (Deno, " +
    "Node 20 or later, Bun)",
  Worker: "this runtime has no Web Worker API and no node:worker_threads; use Deno, a " +
    "browser, Node 20.16 or later, or Bun",
};

interface Slot {
  readonly index: number;
  readonly worker: WorkerHandle;
  readonly remote: Remote<WorkerApi>;
  /** Set once the worker answered its first message (or finished a job). */
  started: boolean;
  /** Resolves when it has started (or died). */
  readonly ready: Promise<void>;
  /** Why the worker is gone, once it is. */
  dead: string | undefined;
  crash: CrashReport | undefined;
}

/** A raw job for the fault tests: a task sent to one worker as is. */
export interface RawJob {
  readonly task: Task;
  readonly from: number;
  readonly to: number;
}

/** Test hooks, reachable only through `testing.ts`. */
export interface PoolHooks {
  /** Kills worker `index`: terminated from outside, or crashed by an uncaught error inside. */
  kill(index: number, how: "terminate" | "crash"): void;
  /** Runs a task on worker `index` alone, bypassing the checks; `corrupt` spoils its kind. */
  run(index: number, job: RawJob, corrupt?: boolean): Promise<void>;
  /** How many workers were started so far, replacements included. */
  started(): number;
  /** How many stages went to the workers so far. */
  dispatched(): number;
  /** Whether the calling thread claims chunks of the stages it posts (default true). */
  callerComputes(on: boolean): void;
  /** Sets the chunks per thread of a stage, for benchmarks and tests. */
  chunksPerThread(n: number): void;
}

/** The hooks of each pool, for tests. */
export const poolHooks: WeakMap<Pool, PoolHooks> = new WeakMap();

/** A stage posted to workers and not yet waited for. */
interface Posted {
  readonly fn: string;
  /** The workers woken for it. */
  readonly slots: Slot[];
  readonly seqs: number[];
  /** Its chunks: it is done when this many are finished. */
  readonly chunks: number;
  readonly copyBack: [TensorData, TensorData][];
  readonly staged: unknown[];
}

/** Operands of a stage copied into the heap: results to copy back out, and blocks to free. */
interface Staging {
  readonly copyBack: [TensorData, TensorData][];
  readonly staged: unknown[];
}
const NOTHING_STAGED: Staging = Object.freeze({ copyBack: [], staged: [] });

const heapOrEmpty = (d: TensorData): boolean => d.length === 0 || inHeap(d);
const allInHeap = (t: Task): boolean => everyBuffer(t, heapOrEmpty);
const byteOffsetOf = (data: TensorData): number => data.byteOffset;

/** The code of the active kernels in {@linkcode BACKEND_CODES}. */
function backendCode(): number {
  const { name, fused } = getKernels();
  for (let i = 0; i < BACKEND_CODES.length; i++) {
    if (BACKEND_CODES[i]!.name === name && BACKEND_CODES[i]!.fused === fused) return i;
  }
  return -1;
}

const canBlock = ((): boolean => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();

// Main-thread waits: spin this long for workers to finish, then sleep in slices.
const WAIT_SPIN_MS = 1;
const SLICE_MS = 20;
// A worker that has not begun its first job after this long never will.
const START_MS = 30_000;
// Chunks per thread in a stage. One: a thread that starts late still leaves
// its chunk to the others, and more chunks cost more than they balance, since
// each is a kernel call that packs its operands again (benchmarks/README.md).
const CHUNKS_PER_THREAD = 1;

/**
 * A fixed set of workers that, with the calling thread, run core's ops
 * in parallel: an {@linkcode Executor}. Make it the executor
 * (`setExecutor(pool)` or `withExecutor(pool, fn)`) and every op splits its
 * work across the threads, with exactly the serial executor's bits; or call
 * {@linkcode Pool.matmul} and friends, which return promises. Create it with
 * {@linkcode createPool}; close it when done (`await using` does that).
 *
 * Tensors made while the pool is the executor live in a shared heap that
 * every thread reads in place; any other operand is copied in for the call.
 *
 * @example
 * ```ts
 * import { createPool } from "@matgrad/parallel";
 * import { matmul, matmulGrad, randn, withExecutor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * await using pool = createPool({ workers: 2, serialBelowFlops: 0 }); // no product too small
 * const a = randn([256, 128], { seed: 1 });
 * const b = randn([128, 64], { seed: 2 });
 * const c = withExecutor(pool, () => matmul(a, b)); // on three threads
 * assertEquals(c.data, matmul(a, b).data);
 * const dC = randn([256, 64], { seed: 3 });
 * const { dA } = await pool.matmulGrad(a, b, dC);
 * assertEquals(dA.data, matmulGrad(a, b, dC).dA.data);
 * ```
 */
export class Pool implements Executor, AsyncDisposable {
  /** The number of workers. */
  readonly size: number;
  /** The threads that share each task: the workers and the calling thread. */
  readonly threads: number;
  /** `"pool of N"`. */
  readonly name: string;
  /**
   * Why this pool has no workers and runs every op on the calling thread
   * (made with `fallback: "serial"` where workers or shared memory are
   * missing), e.g. `"no SharedArrayBuffer"`; undefined for a pool with workers.
   */
  readonly serialReason: string | undefined;
  #slots: Slot[];
  #closed = false;
  #started = 0;
  #dispatched = 0;
  #seq = 0;
  readonly #control: SharedArrayBuffer;
  readonly #serial: boolean;
  readonly #ctl: Int32Array;
  /** Where the stage's words start in {@linkcode Pool.#ctl}. */
  readonly #stageAt: number;
  #callerComputes = true;
  readonly #spinMs: number;
  /** A worker that died while no call of it was waiting: the next op reports it. */
  #unreported: { index: number; dead: string; cause: Error | undefined } | undefined;
  #chunksPerThread = CHUNKS_PER_THREAD;
  readonly #commandBuffer: SharedArrayBuffer;
  #commands: Float64Array;
  readonly #serialBelow: number | undefined;
  /** The async calls, one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #results: ResultBudget = { held: 0 };
  #busy = 0;
  #waiting = 0;
  readonly #pending = new Set<(e: Error) => void>();
  #posted: Posted | undefined;
  /** The started workers of the stage being posted (reused, so that posting allocates less). */
  readonly #ready: Slot[] = [];

  /**
   * Starts the workers. Prefer {@linkcode createPool}.
   *
   * @throws {RangeError} if `workers` is not a positive integer,
   * `serialBelowFlops` not a non-negative number or `fallback` neither
   * `"error"` nor `"serial"`.
   * @throws {PoolUnsupportedError} if this runtime has no workers or no
   * growable SharedArrayBuffer (a browser page that is not cross-origin
   * isolated), unless `fallback` is `"serial"`.
   */
  constructor(options: PoolOptions = {}) {
    let workers = options.workers ?? Math.max(1, hardwareThreads() - 1);
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`createPool: workers must be a positive integer, got ${workers}`);
    }
    const serialBelow = options.serialBelowFlops;
    if (serialBelow !== undefined && (typeof serialBelow !== "number" || !(serialBelow >= 0))) {
      throw new RangeError(
        `createPool: serialBelowFlops must be a non-negative number, got ${serialBelow}`,
      );
    }
    const spinMs = options.spinMs ?? SPIN_MS;
    if (typeof spinMs !== "number" || !(spinMs >= 0) || spinMs === Infinity) {
      throw new RangeError(`createPool: spinMs must be a finite number ≥ 0, got ${spinMs}`);
    }
    this.#spinMs = spinMs;
    const fallback = options.fallback ?? "error";
    if (fallback !== "error" && fallback !== "serial") {
      throw new RangeError(
        `createPool: fallback must be "error" or "serial", got ${JSON.stringify(fallback)}`,
      );
    }
    const missing = missingFeature(heapSupported());
    if (missing !== undefined && fallback === "error") {
      throw new PoolUnsupportedError(
        missing,
        `createPool: ${ADVICE[missing]}; or pass { fallback: "serial" } to run on the calling ` +
          "thread",
      );
    }
    this.#serial = missing !== undefined;
    if (this.#serial) workers = 0;
    this.serialReason = missing === undefined ? undefined : `no ${missing}`;
    this.size = workers;
    this.threads = workers + 1;
    this.name = this.#serial ? `pool of 0 (serial: no ${missing})` : `pool of ${workers}`;
    this.#serialBelow = serialBelow;
    // A serial pool never shares these, so plain memory does where shared is missing.
    const Buffer =
      (missing === "SharedArrayBuffer"
        ? ArrayBuffer
        : SharedArrayBuffer) as typeof SharedArrayBuffer;
    this.#control = new Buffer(controlBytes(workers));
    this.#ctl = new Int32Array(this.#control, 0, (workers + 1) * SLOT);
    this.#stageAt = stageBase(workers);
    this.#commandBuffer = this.#serial
      ? new Buffer(1 << 16)
      : new SharedArrayBuffer(1 << 16, { maxByteLength: 1 << 30 });
    this.#commands = new Float64Array(this.#commandBuffer);
    this.#slots = Array.from({ length: workers }, (_, i) => this.#spawn(i));
    poolHooks.set(this, {
      kill: (index, how) => {
        const slot = this.#slots[index];
        if (slot === undefined || slot.dead !== undefined) return;
        if (how === "crash") Atomics.store(this.#ctl, index * SLOT + CRASH, 1);
        else this.#died(slot, "was terminated");
      },
      run: (index, job, corrupt) => this.#call("run", () => this.#rawJob(index, job, corrupt)),
      started: () => this.#started,
      dispatched: () => this.#dispatched,
      callerComputes: (on) => this.#callerComputes = on,
      chunksPerThread: (n) => this.#chunksPerThread = n,
    });
  }

  /** Memory for a tensor in the shared heap (Executor). */
  allocate(dtype: DType, size: number, zero: boolean): Allocation {
    return this.#serial
      ? serialExecutor.allocate(dtype, size, zero)
      : heapAllocation(dtype, size, zero);
  }

  /** Takes a heap block back (Executor). */
  free(block: unknown): void {
    if (this.#serial) {
      serialExecutor.free(block);
      return;
    }
    const b = block as HeapBlock;
    if (b.result) this.#results.held -= b.bytes;
    heapRelease(b);
  }

  /**
   * Resolves once every worker has started. Ops never wait for it (until
   * then the calling thread does a starting worker's share), but in a
   * browser a worker starts only while the thread that made the pool runs
   * its event loop: await this before a loop that never yields.
   *
   * @example
   * ```ts
   * import { createPool } from "@matgrad/parallel";
   *
   * await using pool = createPool({ workers: 2 });
   * await pool.ready();
   * ```
   */
  ready(): Promise<void> {
    return Promise.all(this.#slots.map((slot) => slot.ready)).then(() => {});
  }

  /** How many stages of work (the tasks of one op) went to the workers so far. */
  get workerStages(): number {
    return this.#dispatched;
  }

  /**
   * Runs independent tasks split across the calling thread and the workers,
   * and returns when all are done (Executor). The calling thread blocks
   * while the workers finish, so this needs a thread that may block: Deno,
   * Node, Bun, or a worker in a browser (not a page's main thread).
   *
   * @throws {PoolClosedError} if the pool is closed.
   * @throws {WorkerError} if a worker failed or died.
   */
  run(tasks: readonly Task[]): void {
    this.#checkOpen("run");
    if (this.#posted !== undefined) this.#settleSync(this.#posted);
    const posted = this.#post("run", tasks);
    if (posted === undefined) return;
    if (!canBlock) {
      throw new Error(
        "pool: this thread may not block (a browser page's main thread); use the pool from a " +
          "worker, or its async matmul, matmulGrad and matmulGradPart",
      );
    }
    this.#settleSync(posted);
  }

  /**
   * The matrix product, as {@linkcode matmul} of `@matgrad/core` with its
   * semantics, checks, errors and bits, split into row blocks across the
   * calling thread and the workers.
   *
   * @param options Transposes, and `out`: a shared tensor (`sharedZeros`,
   * `toShared`) to write the result into, checked as core checks it.
   * @returns A promise of the result: `out` if given, else a new tensor in shared memory (in
   * ordinary memory once this pool's undisposed async results hold 16 MiB of the heap, as when
   * results are dropped rather than disposed: `isShared` tells).
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
   * import { assertEquals } from "@std/assert";
   *
   * await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
   * const c = await pool.matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]]));
   * assertEquals(c.toArray(), [[19, 22], [43, 50]]);
   * ```
   */
  matmul(a: Tensor, b: Tensor, options: MatmulOutOptions = {}): Promise<Tensor> {
    return this.#op("matmul", () => {
      if (options?.out !== undefined && !this.#serial) checkShared(options.out, "matmul", "out");
      return prepareMatmul(a, b, options);
    }, [options?.out]);
  }

  /**
   * The gradients of a matrix product, as {@linkcode matmulGrad} of
   * `@matgrad/core` with its semantics, checks, errors and bits: dA in row
   * blocks and dB in column blocks (or each whole on its own thread).
   *
   * @param options Transposes, and `outA` / `outB`: shared tensors to write
   * the gradients into, checked as core checks them.
   * @returns A promise of `{ dA, dB }` with A's and B's shapes and dtypes, placed as
   * {@linkcode Pool.matmul}'s result is (`outA` / `outB` if given).
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
   * import { assertEquals } from "@std/assert";
   *
   * await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
   * const a = tensor([[1, 2], [3, 4]]);
   * const b = tensor([[5, 6], [7, 8]]);
   * const { dA, dB } = await pool.matmulGrad(a, b, tensor([[1, 0], [0, 1]]));
   * assertEquals(dA.toArray(), [[5, 7], [6, 8]]); // dC·Bᵀ
   * assertEquals(dB.toArray(), [[1, 3], [2, 4]]); // Aᵀ·dC
   * ```
   */
  matmulGrad(
    a: Tensor,
    b: Tensor,
    dC: Tensor,
    options: MatmulGradOptions = {},
  ): Promise<MatmulGrads> {
    return this.#op("matmulGrad", () => {
      if (!this.#serial) {
        if (options?.outA !== undefined) checkShared(options.outA, "matmulGrad", "outA");
        if (options?.outB !== undefined) checkShared(options.outB, "matmulGrad", "outB");
      }
      return prepareMatmulGrad(a, b, dC, options);
    }, [options?.outA, options?.outB]);
  }

  /**
   * One gradient of a matrix product, as core's `matmulGradPart` (its
   * semantics, checks, errors and bits), for a product whose other operand
   * is a constant, split across the threads along its cheaper axis.
   *
   * @param which `"dA"` or `"dB"`.
   * @param options Transposes as given to `matmul`, and `out`: a shared tensor to write into.
   * @returns A promise of the gradient, with its operand's shape and dtype, placed as
   * {@linkcode Pool.matmul}'s result is (`out` if given).
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
   * import { assertEquals } from "@std/assert";
   *
   * await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
   * const x = randn([64, 16], { seed: 1 });
   * const w = randn([16, 8], { seed: 2 });
   * const dC = randn([64, 8], { seed: 3 });
   * const dW = await pool.matmulGradPart("dB", x, w, dC);
   * assertEquals(dW.data, matmulGrad(x, w, dC).dB.data);
   * ```
   */
  matmulGradPart(
    which: MatmulGradName,
    a: Tensor,
    b: Tensor,
    dC: Tensor,
    options: MatmulOutOptions = {},
  ): Promise<Tensor> {
    return this.#op("matmulGradPart", () => {
      if (options?.out !== undefined && !this.#serial) {
        checkShared(options.out, "matmulGradPart", "out");
      }
      return prepareMatmulGradPart(which, a, b, dC, options);
    }, [options?.out]);
  }

  /**
   * Terminates the workers and rejects every pending call with
   * {@linkcode PoolClosedError}; later calls reject the same way. Closing
   * twice does nothing. Tensors made on the pool stay readable.
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
    for (const slot of this.#slots) {
      slot.dead ??= "was closed";
      stop(slot);
    }
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const reject of pending) reject(new PoolClosedError("the pool was closed"));
  }

  /** Closes the pool, for `await using pool = createPool()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #checkOpen(fn: string): void {
    if (this.#closed) throw new PoolClosedError(`${fn}: the pool is closed`);
  }

  /**
   * An async call: started at once when no other call is under way (so that
   * its first stage is in flight when this returns), else queued behind the
   * others; rejected if the pool closes before it ends.
   */
  #call<R>(fn: string, body: () => Promise<R>): Promise<R> {
    if (this.#closed) return Promise.reject(new PoolClosedError(`${fn}: the pool is closed`));
    const closed = () => new PoolClosedError(`${fn}: the pool was closed before the call finished`);
    return new Promise<R>((resolve, reject) => {
      const fail = () => reject(closed());
      this.#pending.add(fail);
      const start = async () => {
        if (!this.#pending.has(fail)) return;
        this.#busy++;
        try {
          resolve(await body());
        } catch (e) {
          reject(this.#closed ? closed() : e);
        } finally {
          this.#busy--;
          this.#pending.delete(fail);
        }
      };
      if (this.#busy === 0 && this.#waiting === 0) {
        this.#queue = start();
      } else {
        this.#waiting++;
        this.#queue = this.#queue.then(() => {
          this.#waiting--;
          return start();
        });
      }
    });
  }

  /** Prepares an op with the pool as the executor, runs its stages, and finishes it. */
  #op<R>(fn: string, prepare: () => PreparedOp<R>, outs: readonly unknown[]): Promise<R> {
    return this.#call(fn, async () => {
      const op = withExecutor(this, prepare);
      for (const stage of op.stages) {
        if (stage.length === 0) continue;
        const posted = this.#post(fn, stage);
        if (posted !== undefined) await this.#settleAsync(posted);
      }
      return this.#serial ? op.finish() : placeResult(op.finish(), outs, this.#results);
    });
  }

  /** Sends one task to one worker, for the fault tests. */
  async #rawJob(index: number, job: RawJob, corrupt = false): Promise<void> {
    const slot = this.#live(index);
    const at = this.#encode([job.task], byteOffsetOf, 5);
    if (corrupt) this.#commands[this.#commands[1]!] = 99;
    const cmd = this.#commands;
    cmd[at] = 1;
    cmd[at + 1] = at + 2;
    cmd.set([1, 0, job.from, job.to], at + 2);
    this.#publish(at, 1);
    const posted: Posted = {
      fn: "run",
      slots: [slot],
      seqs: [this.#send(slot)],
      chunks: 1,
      copyBack: [],
      staged: [],
    };
    await this.#settleAsync(posted);
  }

  /**
   * Cuts `tasks` into chunks, opens the stage, wakes the workers, claims
   * chunks on the calling thread until none is left, and returns the stage
   * to wait for (undefined when it ran on the calling thread alone).
   */
  #post(fn: string, tasks: readonly Task[]): Posted | undefined {
    this.#reportLost(fn);
    let work = 0;
    let units = 0;
    for (const t of tasks) {
      work += t.work;
      units += t.units;
    }
    const below = this.#serialBelow ?? SERIAL_BELOW_FLOPS;
    if (units <= 1 || work < below || work === 0) {
      for (const t of tasks) runTask(t, 0, t.units);
      return undefined;
    }
    // Workers still starting get no share: a browser starts them only while
    // this thread runs its event loop, which a blocking wait would not.
    const ready = this.#ready;
    ready.length = 0;
    for (let i = 0; i < this.#slots.length; i++) {
      const slot = this.#live(i);
      if (slot.started) ready.push(slot);
    }
    const parts = Math.min(ready.length + 1, units);
    if (parts === 1) {
      for (const t of tasks) runTask(t, 0, t.units);
      return undefined;
    }
    const { tasks: inHeapTasks, copyBack, staged } = tasks.every(allInHeap)
      ? { tasks, ...NOTHING_STAGED }
      : this.#stage(tasks);
    const chunks = split(inHeapTasks, Math.min(units, parts * this.#chunksPerThread, MAX_CHUNKS));
    let tableLength = 1 + chunks.length;
    for (const c of chunks) tableLength += 1 + 3 * c.length;
    const table = this.#encode(inHeapTasks, byteOffsetOf, tableLength);
    const cmd = this.#commands;
    cmd[table] = chunks.length;
    let at = table + 1 + chunks.length;
    for (let c = 0; c < chunks.length; c++) {
      const items = chunks[c]!;
      cmd[table + 1 + c] = at;
      cmd[at++] = items.length;
      for (const [task, from, to] of items) {
        cmd[at++] = task;
        cmd[at++] = from;
        cmd[at++] = to;
      }
    }
    this.#publish(table, chunks.length);
    const slots: Slot[] = [];
    const seqs: number[] = [];
    // Every started worker, even with fewer chunks than threads: one that
    // claims a chunk late must be among those whose failures this stage reports.
    for (const slot of ready) {
      slots.push(slot);
      seqs.push(this.#send(slot));
    }
    this.#dispatched++;
    const posted: Posted = { fn, slots, seqs, chunks: chunks.length, copyBack, staged };
    this.#posted = posted;
    if (this.#callerComputes) {
      const ctl = this.#ctl, claim = this.#stageAt + CLAIM;
      for (let c; (c = claimChunk(ctl, claim)) >= 0;) {
        try {
          for (const [task, from, to] of chunks[c]!) runTask(inHeapTasks[task]!, from, to);
        } finally {
          // Counted even when it threw, so that waiting for the stage ends.
          Atomics.add(ctl, this.#stageAt + FINISHED, 1);
        }
      }
    }
    return posted;
  }

  /**
   * `tasks` with every operand outside the heap replaced by a copy in it,
   * with the copies to copy back (those written) and the blocks to free.
   */
  #stage(tasks: readonly Task[]): Staging & { tasks: Task[] } {
    const copyBack: [TensorData, TensorData][] = [];
    const staged: unknown[] = [];
    const copies = new Map<TensorData, TensorData>();
    const out = tasks.map((t) => {
      let changed: Record<string, unknown> | undefined;
      for (const { name, data, written } of taskBuffers(t)) {
        if (inHeap(data) || data.length === 0) continue;
        let copy = copies.get(data);
        if (copy === undefined) {
          const dtype: DType = data instanceof Float32Array ? "float32" : "float64";
          const { data: view, block } = this.allocate(dtype, data.length, false);
          view.set(data);
          copies.set(data, view);
          staged.push(block);
          copy = view;
          if (written) copyBack.push([view, data]);
        } else if (written && !copyBack.some(([v]) => v === copy)) {
          copyBack.push([copy, data]);
        }
        (changed ??= { ...t })[name] = copy;
      }
      return (changed ?? t) as unknown as Task;
    });
    return { tasks: out, copyBack, staged };
  }

  /**
   * Throws for a worker that died since the last op (between stages, or
   * woken for one that the other threads finished without it), so that its
   * failure is not lost: the op is not run. The worker is already replaced.
   */
  #reportLost(fn: string): void {
    for (let i = 0; i < this.#slots.length; i++) this.#live(i);
    const lost = this.#unreported;
    if (lost === undefined) return;
    this.#unreported = undefined;
    throw new WorkerError(
      `${fn}: worker ${lost.index} ${lost.dead} since the previous op; this op was not run`,
      { cause: lost.cause },
    );
  }

  /**
   * Writes the stage's tasks at the start of the command buffer: their
   * count, where each starts and where the last ends, then the tasks.
   * Returns where the chunk table goes.
   */
  #encode(
    tasks: readonly Task[],
    offsetOf: (data: TensorData) => number,
    shareLength: number,
  ): number {
    let size = 2 + tasks.length + shareLength;
    for (const t of tasks) size += encodedSize(t);
    const bytes = size * 8;
    if (bytes > this.#commandBuffer.byteLength) {
      this.#commandBuffer.grow(Math.ceil(bytes / 65536) * 65536);
      this.#commands = new Float64Array(this.#commandBuffer);
    }
    const cmd = this.#commands;
    cmd[0] = tasks.length;
    let at = 2 + tasks.length;
    for (let i = 0; i < tasks.length; i++) {
      cmd[1 + i] = at;
      at = encodeTask(tasks[i]!, cmd, at, offsetOf);
    }
    cmd[1 + tasks.length] = at;
    return at;
  }

  /**
   * Opens a stage of `chunks` chunks whose table is at `table`: the kernels,
   * the table, no chunk finished, then the claim word, which lets claimers in.
   */
  #publish(table: number, chunks: number): void {
    const at = this.#stageAt;
    Atomics.store(this.#ctl, at + BACKEND, backendCode());
    Atomics.store(this.#ctl, at + CHUNKS, table);
    Atomics.store(this.#ctl, at + FINISHED, 0);
    Atomics.store(this.#ctl, at + CLAIM, chunks * 0x10000);
  }

  /** Wakes a worker for the open stage; returns its job number. */
  #send(slot: Slot): number {
    const base = slot.index * SLOT;
    const seq = ++this.#seq;
    Atomics.store(this.#ctl, base + SEQ, seq);
    Atomics.notify(this.#ctl, base + SEQ);
    return seq;
  }

  /** Whether a worker woken for `posted` died (so its chunk may never finish). */
  #lost(posted: Posted): boolean {
    for (const slot of posted.slots) {
      if (slot.dead !== undefined) return true;
      if (Atomics.load(this.#ctl, slot.index * SLOT + STATUS) === CRASHED) return true;
    }
    return false;
  }

  /** Waits, blocking, for a posted stage; then copies results out and raises any failure. */
  #settleSync(posted: Posted): void {
    const at = this.#stageAt + FINISHED;
    const start = performance.now();
    const spinUntil = start + WAIT_SPIN_MS;
    for (let done; (done = Atomics.load(this.#ctl, at)) < posted.chunks;) {
      if (this.#lost(posted)) break;
      if (performance.now() < spinUntil) continue;
      Atomics.wait(this.#ctl, at, done, SLICE_MS);
      if (performance.now() - start > START_MS) {
        const late = posted.slots.find((slot) => !slot.started);
        if (late !== undefined) {
          this.#died(late, `did not start within ${START_MS / 1000} s`);
          break;
        }
      }
    }
    this.#finish(posted);
  }

  /** Waits without blocking for a posted stage; then as {@linkcode Pool.#settleSync}. */
  async #settleAsync(posted: Posted): Promise<void> {
    const at = this.#stageAt + FINISHED;
    for (let done; (done = Atomics.load(this.#ctl, at)) < posted.chunks;) {
      if (this.#lost(posted) || this.#closed) break;
      const wait = Atomics.waitAsync(this.#ctl, at, done, SLICE_MS);
      if (wait.async) await wait.value;
    }
    this.#finish(posted);
  }

  #finish(posted: Posted): void {
    if (this.#posted === posted) this.#posted = undefined;
    let failure: Error | undefined;
    posted.slots.forEach((slot, i) => {
      const base = slot.index * SLOT;
      // A worker that finished a job has started, whether or not comlink's answer came yet.
      if (Atomics.load(this.#ctl, base + DONE) === posted.seqs[i]) slot.started = true;
      const status = Atomics.load(this.#ctl, base + STATUS);
      if (status === FAILED) {
        Atomics.store(this.#ctl, base + STATUS, 0);
        failure ??= new WorkerError(
          `${posted.fn}: worker ${slot.index} failed: ${
            this.#errorText(slot.index).split("\n")[0]
          }`,
          { cause: this.#errorCause(slot.index) },
        );
      } else if (status === CRASHED || slot.dead !== undefined) {
        // Read before a replacement takes the slot over.
        const cause = status === CRASHED
          ? this.#errorCause(slot.index)
          : slot.crash === undefined
          ? undefined
          : crashError(slot.crash);
        if (status === CRASHED && slot.dead === undefined) {
          this.#died(slot, `crashed with an uncaught error: ${cause!.message}`);
        }
        failure ??= this.#closed
          ? new PoolClosedError(`${posted.fn}: the pool was closed before the call finished`)
          : new WorkerError(
            `${posted.fn}: worker ${slot.index} ${slot.dead}; the call was abandoned`,
            { cause },
          );
      }
    });
    // Reported here, not again by the next op.
    if (failure !== undefined) this.#unreported = undefined;
    for (const [view, data] of posted.copyBack) data.set(view);
    for (const block of posted.staged) this.free(block);
    if (failure !== undefined) throw failure;
  }

  #errorText(index: number): string {
    const length = Atomics.load(this.#ctl, index * SLOT + ERROR_LENGTH);
    const bytes = new Uint8Array(this.#control, errorOffset(this.size, index), ERROR_BYTES);
    return new TextDecoder().decode(bytes.slice(0, length));
  }

  #errorCause(index: number): Error {
    const [first, ...stack] = this.#errorText(index).split("\n");
    const e = new Error(first);
    e.stack = [first, ...stack].join("\n");
    return e;
  }

  #spawn(index: number): Slot {
    const worker = startWorker(WORKER_SRC, `matgrad-parallel-${index}`);
    this.#started++;
    const base = index * SLOT;
    for (const field of [SEQ, DONE, STATUS, ERROR_LENGTH, CRASH]) {
      Atomics.store(this.#ctl, base + field, 0);
    }
    let markReady = () => {};
    const slot: Slot = {
      index,
      worker,
      remote: wrap<WorkerApi>(worker.endpoint),
      started: false,
      ready: new Promise<void>((resolve) => markReady = resolve),
      dead: undefined,
      crash: undefined,
    };
    worker.onMessage((message) => {
      const data = message as Partial<CrashReport> | null;
      if (data?.matgradWorkerCrash !== true) return;
      slot.crash = data as CrashReport;
      this.#died(slot, `crashed with an uncaught error: ${data.message}`);
    });
    worker.onError((message) => {
      const why = message ? `: ${message}` : "";
      this.#died(
        slot,
        slot.started ? `crashed with an uncaught error${why}` : `failed to start${
          why ||
          " (in a browser, check that blob: module workers are allowed)"
        }`,
      );
    });
    slot.remote.init({
      index,
      workers: this.size,
      control: this.#control,
      commands: this.#commandBuffer,
      heap: heapMemory(),
      spinMs: this.#spinMs,
      modules: compiledKernels(),
    }).then(
      () => {
        slot.started = true;
        markReady();
        // Only now: some runtimes (Bun) load the worker's module after the constructor returns.
        worker.answered();
      },
      () => {
        markReady();
        worker.answered();
      },
    );
    return slot;
  }

  /** The live worker `index`, restarting one that died. */
  #live(index: number): Slot {
    let slot = this.#slots[index]!;
    if (slot.dead === undefined && Atomics.load(this.#ctl, index * SLOT + STATUS) === CRASHED) {
      // Crashed after its last stage; its message may not have come yet. #died replaces it.
      this.#died(slot, `crashed with an uncaught error: ${this.#errorCause(index).message}`);
      slot = this.#slots[index]!;
    }
    if (slot.dead === undefined) return slot;
    if (this.#closed) throw new PoolClosedError("the pool is closed");
    return this.#slots[index] = this.#spawn(index);
  }

  #died(slot: Slot, what: string): void {
    if (slot.dead !== undefined) return;
    slot.dead = what;
    if (!this.#closed && slot.started) {
      // Read before a replacement takes the slot over.
      const cause = Atomics.load(this.#ctl, slot.index * SLOT + STATUS) === CRASHED
        ? this.#errorCause(slot.index)
        : slot.crash === undefined
        ? undefined
        : crashError(slot.crash);
      this.#unreported = { index: slot.index, dead: what, cause };
    }
    stop(slot);
    // Wake anyone waiting for a stage this worker held a chunk of.
    Atomics.notify(this.#ctl, this.#stageAt + FINISHED);
    // A worker that never started would likely fail again: restart it lazily, on the next call.
    if (!this.#closed && slot.started && this.#slots[slot.index] === slot) {
      this.#slots[slot.index] = this.#spawn(slot.index);
    }
  }
}

/**
 * Cuts the stage's units into `parts` contiguous shares of about equal work,
 * each a list of `[task, from, to]`; share 0 is the calling thread's.
 */
function split(tasks: readonly Task[], parts: number): [number, number, number][][] {
  const shares: [number, number, number][][] = Array.from({ length: parts }, () => []);
  let total = 0;
  for (const t of tasks) total += t.units > 0 ? t.work : 0;
  let part = 0;
  let done = 0;
  tasks.forEach((t, i) => {
    if (t.units === 0) return;
    const cost = t.work / t.units;
    let u = 0;
    while (u < t.units) {
      const bound = part === parts - 1 ? Infinity : (total * (part + 1)) / parts;
      let n = cost > 0 ? Math.round((bound - done) / cost) : t.units - u;
      n = Math.max(1, Math.min(t.units - u, n));
      if (part < parts - 1 && cost > 0 && bound - done < cost / 2) {
        part++;
        continue;
      }
      shares[part]!.push([i, u, u + n]);
      u += n;
      done += n * cost;
      if (part < parts - 1 && done >= bound - cost / 2) part++;
    }
  });
  return shares;
}

/** The shared-memory kernel modules this thread compiled (or can), to share with the workers. */
function compiledKernels(): [boolean, WebAssembly.Module][] {
  const { simd, relaxed } = wasmFeatures();
  const out: [boolean, WebAssembly.Module][] = [];
  if (simd) out.push([false, kernelModule(false, true)]);
  if (relaxed) out.push([true, kernelModule(true, true)]);
  return out;
}

function crashError(report: CrashReport): Error {
  const e = new Error(report.message);
  if (report.stack !== undefined) e.stack = report.stack;
  return e;
}

/**
 * Starts a pool of `workers` workers (default: one fewer than the hardware
 * threads, since the calling thread computes too). Workers start once, from
 * a self-contained module (no file or network access, no Deno permissions),
 * and are reused by every call: Web Workers from a Blob URL in Deno,
 * browsers and Bun, `node:worker_threads` from a `data:` URL in Node, as
 * feature detection finds them.
 *
 * Where the runtime has no workers or no growable SharedArrayBuffer, this
 * throws a {@linkcode PoolUnsupportedError} naming what is missing, or, with
 * `fallback: "serial"`, returns a pool of no workers that runs every op on
 * the calling thread ({@linkcode Pool.serialReason} says why).
 *
 * @throws {RangeError} if `workers` is not a positive integer, or an option
 * has a wrong value.
 * @throws {PoolUnsupportedError} if workers or shared memory are missing and
 * `fallback` is not `"serial"`.
 * @example
 * ```ts
 * import { createPool } from "@matgrad/parallel";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const pool = createPool({ workers: 2 });
 * assertStrictEquals(pool.size, 2);
 * assertStrictEquals(pool.threads, 3);
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
