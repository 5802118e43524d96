/**
 * The worker's entry point. It is bundled (with comlink and core's kernels)
 * into `worker_src.ts` by `scripts/build_worker.ts`; edit this file, then run
 * `npm run build:worker`.
 *
 * @module
 */
import { expose } from "npm:comlink@4.4.2";
import { type BackendName, getKernels, runGemmTask, setBackend } from "@matgrad/core/kernels";
import { passGate } from "./post_gate.ts";
import type { CrashReport, JobBuffers, WorkerApi } from "./protocol.ts";

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
const scope = globalThis as unknown as WorkerScope;

// An error that escapes a job or a callback is reported to the pool, which
// rejects the calls in flight with it and starts a new worker; this worker
// closes. Handled here, the runtime does not also print it as an uncaught
// error (Deno prints one even when the pool handles the worker's error event).
function crashed(error: unknown, fallback: string): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : fallback;
  const report: CrashReport = error instanceof Error && error.stack !== undefined
    ? { matgradWorkerCrash: true, message, stack: error.stack }
    : { matgradWorkerCrash: true, message };
  scope.postMessage(report);
  scope.close();
}
scope.addEventListener("error", (event) => {
  event.preventDefault();
  crashed(event.error, event.message.replace(/^Uncaught /, "") || "an uncaught error");
});
scope.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  crashed(event.reason, `an unhandled rejection: ${String(event.reason)}`);
});

const api: WorkerApi = {
  ping() {
    const { name, fused } = getKernels();
    return { name, fused };
  },
  run(backend, buffers, jobs, gate) {
    if (gate !== undefined) passGate(gate);
    const active = getKernels();
    if (active.name !== backend.name || active.fused !== backend.fused) {
      // `fma` matters only for "wasm"; "js" ignores it.
      setBackend(backend.name as BackendName, { fma: backend.fused });
    }
    const gemm = getKernels().gemm;
    for (const { task, block } of jobs) {
      const x = need(buffers, task.x);
      runGemmTask(gemm, task, x, need(buffers, task.y), need(buffers, task.out), block);
    }
  },
  crash() {
    queueMicrotask(() => {
      throw new Error("crash requested by a test");
    });
  },
};

function need(buffers: JobBuffers, name: keyof JobBuffers) {
  const b = buffers[name];
  if (b === undefined) {
    throw new RangeError(`worker: a job reads buffer ${name}, which the call did not send`);
  }
  return b;
}

expose(api);
