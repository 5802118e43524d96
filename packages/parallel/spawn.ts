/**
 * Starting a worker in whatever runtime this is, found by feature detection
 * (never by a version string): the Web Worker API where there is a global
 * `Worker` (Deno, browsers, Bun), else Node's `node:worker_threads` (reached
 * through `process.getBuiltinModule`, so no import of a Node module appears
 * in code that browsers load).
 *
 * @module
 */
import type { Endpoint } from "npm:comlink@4.4.2";
import nodeAdapter from "npm:comlink@4.4.2/dist/esm/node-adapter.mjs";

// comlink's adapter from a Node MessagePort or Worker (an EventEmitter) to an Endpoint;
// its types come as CommonJS, so its default export is typed here.
const nodeEndpoint = nodeAdapter as unknown as (port: {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(type: string, listener: (value: never) => void): void;
  off(type: string, listener: (value: never) => void): void;
}) => Endpoint;

/** What this runtime lacks to start the pool, or undefined when it lacks nothing. */
export type Missing = "Worker" | "SharedArrayBuffer";

/** The parts of Node's `Worker` (an EventEmitter) used here. */
interface NodeWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(type: string, listener: (value: never) => void): void;
  off(type: string, listener: (value: never) => void): void;
  terminate(): unknown;
}
type NodeWorkerClass = new (
  url: URL,
  options: { name?: string; type?: string },
) => NodeWorker;

interface NodeProcess {
  getBuiltinModule?(name: string): unknown;
}

/** A started worker, whatever the runtime's API. */
export interface WorkerHandle {
  /** For comlink's `wrap`. */
  readonly endpoint: Endpoint;
  /** Calls `fn` with the data of every message the worker posts. */
  onMessage(fn: (data: unknown) => void): void;
  /** Calls `fn` when the worker fails to load, dies of an error, or exits. */
  onError(fn: (message: string | undefined) => void): void;
  /** Call once the worker has answered its first message: frees its source URL. */
  answered(): void;
  terminate(): void;
}

function nodeWorkerClass(): NodeWorkerClass | undefined {
  const process = (globalThis as { process?: NodeProcess }).process;
  if (typeof process?.getBuiltinModule !== "function") return undefined;
  try {
    const wt = process.getBuiltinModule("node:worker_threads") as
      | { Worker?: NodeWorkerClass }
      | undefined;
    return typeof wt?.Worker === "function" ? wt.Worker : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the pool can start here: undefined, or what is missing. */
export function missingFeature(heapSupported: boolean): Missing | undefined {
  if (!heapSupported) return "SharedArrayBuffer";
  if (typeof Worker !== "function" && nodeWorkerClass() === undefined) return "Worker";
  return undefined;
}

/** The hardware threads, where the runtime says. */
export function hardwareThreads(): number {
  const n = globalThis.navigator?.hardwareConcurrency;
  if (typeof n === "number" && n > 0) return n;
  const process = (globalThis as { process?: NodeProcess }).process;
  try {
    const os = process?.getBuiltinModule?.("node:os") as
      | { availableParallelism?: () => number }
      | undefined;
    const m = os?.availableParallelism?.();
    if (typeof m === "number" && m > 0) return m;
  } catch {
    // No Node API either.
  }
  return 1;
}

/**
 * Starts a module worker running `src`: from a Blob URL with the Web Worker
 * API (revoked by `answered()`: some runtimes, Bun, load it only after the
 * constructor returns), else from a `data:` URL with `node:worker_threads`.
 */
export function startWorker(src: string, name: string): WorkerHandle {
  if (typeof Worker === "function") return startWebWorker(src, name);
  const NodeWorker = nodeWorkerClass();
  if (NodeWorker === undefined) {
    throw new Error("startWorker: this runtime has neither Web Workers nor node:worker_threads");
  }
  return startNodeWorker(NodeWorker, src, name);
}

function startWebWorker(src: string, name: string): WorkerHandle {
  let url: string | undefined = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module", name });
  return {
    endpoint: worker,
    onMessage(fn) {
      worker.addEventListener("message", (event: MessageEvent) => fn(event.data));
    },
    onError(fn) {
      worker.addEventListener("error", (event) => {
        event.preventDefault();
        // Browsers give no message for a module that fails to load.
        fn(event.message || undefined);
      });
    },
    answered() {
      if (url !== undefined) URL.revokeObjectURL(url);
      url = undefined;
    },
    terminate() {
      worker.terminate();
    },
  };
}

function startNodeWorker(NodeWorker: NodeWorkerClass, src: string, name: string): WorkerHandle {
  // A data: URL of type text/javascript loads as an ES module; nothing to revoke.
  const url = new URL(`data:text/javascript,${encodeURIComponent(src)}`);
  const worker = new NodeWorker(url, { name });
  let terminated = false;
  return {
    endpoint: nodeEndpoint(worker),
    onMessage(fn) {
      worker.on("message", (data: unknown) => fn(data));
    },
    onError(fn) {
      worker.on("error", (e: unknown) => fn(e instanceof Error ? e.message : String(e)));
      worker.on("exit", (code: unknown) => {
        if (!terminated) fn(`exited with code ${code}`);
      });
    },
    answered() {},
    terminate() {
      terminated = true;
      void worker.terminate();
    },
  };
}
