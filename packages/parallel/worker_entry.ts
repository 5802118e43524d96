/**
 * The worker's entry point. It is bundled (with comlink and core's kernel
 * room) into `_generated/worker_src.ts` by `scripts/build_worker.ts`; edit
 * this file, then run `npm run build:worker`.
 *
 * After `init`, the worker waits for job numbers in the control buffer:
 * spinning briefly after each job (the next op of a step usually follows
 * within microseconds), then asleep in `Atomics.waitAsync`, so that its
 * event loop stays free for comlink between jobs. Woken, it claims chunks
 * of the stage until none is left (`protocol.ts`).
 *
 * @module
 */
import { type Endpoint, expose } from "npm:comlink@4.4.2";
import nodeAdapter from "npm:comlink@4.4.2/dist/esm/node-adapter.mjs";
import {
  adoptKernelModule,
  type BackendName,
  getKernels,
  runTask,
  setBackend,
  type Task,
} from "@matgrad/core/kernels";
import {
  BACKEND,
  BACKEND_CODES,
  CHUNKS,
  CLAIM,
  claimChunk,
  CRASH,
  CRASHED,
  type CrashReport,
  DONE,
  ERROR_BYTES,
  ERROR_LENGTH,
  errorOffset,
  FAILED,
  FINISHED,
  SEQ,
  SLOT,
  stageBase,
  STATUS,
  type WorkerApi,
  type WorkerInit,
} from "./protocol.ts";
import { adoptHeap, heapView } from "./heap.ts";
import { DecodeCache } from "./decode_cache.ts";

/** The parts of a dedicated worker's global scope used here. */
interface WorkerScope {
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  addEventListener(
    type: "unhandledrejection",
    listener: (event: PromiseRejectionEvent) => void,
  ): void;
  postMessage(message: CrashReport): void;
  close(): void;
}

// comlink's adapter from a Node MessagePort to an Endpoint (its types come as CommonJS).
const nodeEndpoint = nodeAdapter as unknown as (port: NodePort) => Endpoint;

/** The parts of Node's `process` and `node:worker_threads` used here. */
interface NodeProcess {
  getBuiltinModule(name: string): unknown;
  on(type: string, listener: (value: unknown) => void): void;
  exit(code?: number): void;
}
interface NodePort {
  postMessage(message: unknown): void;
  on(type: string, listener: (value: never) => void): void;
  off(type: string, listener: (value: never) => void): void;
}

/** Where this worker runs: a Web Worker's scope, or a Node worker thread. */
interface Host {
  /** comlink's endpoint to the pool. */
  readonly endpoint: Endpoint;
  /** Calls `fn` for an uncaught error or an unhandled rejection. */
  onUncaught(fn: (error: unknown, fallback: string) => void): void;
  post(message: CrashReport): void;
  close(): void;
}

// Feature detection: a Web Worker scope has postMessage and addEventListener
// (Deno, browsers, Bun); a Node worker thread has neither, but parentPort.
function host(): Host {
  const g = globalThis as unknown as Partial<WorkerScope> & { process?: NodeProcess };
  if (typeof g.postMessage === "function" && typeof g.addEventListener === "function") {
    const scope = g as WorkerScope;
    return {
      endpoint: scope as unknown as Endpoint,
      onUncaught(fn) {
        scope.addEventListener("error", (event) => {
          event.preventDefault();
          fn(event.error, event.message.replace(/^Uncaught /, "") || "an uncaught error");
        });
        scope.addEventListener("unhandledrejection", (event) => {
          event.preventDefault();
          fn(event.reason, `an unhandled rejection: ${String(event.reason)}`);
        });
      },
      post: (message) => scope.postMessage(message),
      // Bun's worker scope has no close(); there, as in Node, exiting ends only the worker.
      close: () => typeof scope.close === "function" ? scope.close() : g.process?.exit(1),
    };
  }
  const process = g.process;
  const port = (process?.getBuiltinModule?.("node:worker_threads") as
    | { parentPort?: NodePort | null }
    | undefined)?.parentPort;
  if (process === undefined || port === undefined || port === null) {
    throw new Error("matgrad parallel worker: neither a Web Worker scope nor a Node worker thread");
  }
  return {
    endpoint: nodeEndpoint(port),
    onUncaught(fn) {
      process.on("uncaughtException", (e) => fn(e, String(e)));
      process.on("unhandledRejection", (e) => fn(e, `an unhandled rejection: ${String(e)}`));
    },
    post: (message) => port.postMessage(message),
    // After the message is on its way: exiting a worker thread ends only the thread.
    close: () => setTimeout(() => process.exit(1), 0),
  };
}
const scope = host();

let state: { ctl: Int32Array; base: number; stage: number; text: Uint8Array } | undefined;

function report(status: number, error: unknown, fallback: string): void {
  if (state === undefined) return;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : fallback;
  const stack = error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : "";
  const bytes = new TextEncoder().encode(message + stack).subarray(0, ERROR_BYTES);
  state.text.set(bytes);
  Atomics.store(state.ctl, state.base + ERROR_LENGTH, bytes.length);
  Atomics.store(state.ctl, state.base + STATUS, status);
}

// An error that escapes a job or a callback is reported to the pool, which
// fails the calls in flight with it and starts a new worker; this worker
// closes. Handled here, the runtime does not also print it as an uncaught
// error (Deno prints one even when the pool handles the worker's error event).
function crashed(error: unknown, fallback: string): void {
  report(CRASHED, error, fallback);
  if (state !== undefined) {
    // Wakes the pool if it waits for this worker's chunk.
    Atomics.notify(state.ctl, state.stage + FINISHED);
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : fallback;
  const crash: CrashReport = error instanceof Error && error.stack !== undefined
    ? { matgradWorkerCrash: true, message, stack: error.stack }
    : { matgradWorkerCrash: true, message };
  scope.post(crash);
  scope.close();
}
scope.onUncaught(crashed);

async function loop(init: WorkerInit): Promise<void> {
  const ctl = new Int32Array(init.control, 0, (init.workers + 1) * SLOT);
  const base = init.index * SLOT;
  const stage = stageBase(init.workers);
  state = {
    ctl,
    base,
    stage,
    text: new Uint8Array(init.control, errorOffset(init.workers, init.index), ERROR_BYTES),
  };
  // A length-tracking view: it follows the buffer as the pool grows it.
  const commands = new Float64Array(init.commands);
  const cache = new DecodeCache((code, offset, length) =>
    heapView(code === 0 ? "float32" : "float64", offset, length)
  );
  let done = Atomics.load(ctl, base + DONE);
  for (;;) {
    let seq = Atomics.load(ctl, base + SEQ);
    if (seq === done) {
      const until = performance.now() + init.spinMs;
      while ((seq = Atomics.load(ctl, base + SEQ)) === done && performance.now() < until) {
        // Spinning: the next op of a step is usually microseconds away.
      }
      if (seq === done) {
        const wait = Atomics.waitAsync(ctl, base + SEQ, done);
        if (wait.async) await wait.value;
        continue;
      }
    }
    // Outside the job's try: this is the worker dying, not a job failing.
    if (Atomics.load(ctl, base + CRASH) === 1) throw new Error("crash requested by a test");
    for (let chunk; (chunk = claimChunk(ctl, stage + CLAIM)) >= 0;) {
      let failed = false;
      try {
        const backend = BACKEND_CODES[Atomics.load(ctl, stage + BACKEND)]!;
        const active = getKernels();
        if (active.name !== backend.name || active.fused !== backend.fused) {
          setBackend(backend.name as BackendName, { fma: backend.fused });
        }
        const table = Atomics.load(ctl, stage + CHUNKS);
        runChunk(commands, commands[table + 1 + chunk]!, cache);
      } catch (e) {
        report(FAILED, e, String(e));
        failed = true;
      }
      // Counted even when it failed, so that the pool's wait ends and it reports the failure.
      const finished = Atomics.add(ctl, stage + FINISHED, 1) + 1;
      if (finished === Atomics.load(ctl, stage + CLAIM) >>> 16) {
        Atomics.notify(ctl, stage + FINISHED);
      }
      if (failed) break;
    }
    done = seq;
    Atomics.store(ctl, base + DONE, seq);
    Atomics.notify(ctl, base + DONE);
  }
}

/**
 * Runs a chunk of the stage: `[count, (task, from, to)…]` at `at`; task `i`
 * is encoded from `commands[1 + i]` to `commands[2 + i]`.
 */
function runChunk(commands: Float64Array, at: number, cache: DecodeCache): void {
  const count = commands[at]! | 0;
  for (let i = 0; i < count; i++) {
    const index = commands[at + 1 + 3 * i]! | 0;
    const task: Task = cache.task(commands, commands[1 + index]!, commands[2 + index]!);
    runTask(task, commands[at + 2 + 3 * i]! | 0, commands[at + 3 + 3 * i]! | 0);
  }
}

const api: WorkerApi = {
  init(init) {
    for (const [fma, module] of init.modules) adoptKernelModule(fma, module, true);
    adoptHeap(init.heap);
    loop(init).catch((e) => crashed(e, String(e)));
  },
};

expose(api, scope.endpoint);
