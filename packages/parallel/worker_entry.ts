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
import type { JobBuffers, WorkerApi } from "./protocol.ts";

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
