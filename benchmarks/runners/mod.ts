/**
 * Every runner the benchmark knows, in table order. Each loads lazily, in
 * its own process (see `run_one.ts`), so a library that fails to load is
 * reported with its error and cannot disturb the others.
 *
 * @module
 */
import type { RunnerSpec } from "./types.ts";

/** The matrix-product runners. */
export const RUNNERS: readonly RunnerSpec[] = [
  matgrad("matgrad-js", "matgrad JS kernels", "js"),
  matgrad("matgrad-wasm", "matgrad WASM kernels", "wasm"),
  pool(2),
  peer(
    "tfjs-cpu",
    "tfjs-backend-cpu 4.22",
    1,
    async () => (await import("./tfjs.ts")).loadTfjs("cpu"),
  ),
  peer(
    "tfjs-wasm",
    "tfjs-backend-wasm 4.22",
    1,
    async () => (await import("./tfjs.ts")).loadTfjs("wasm"),
  ),
  peer(
    "jax-js-1",
    "@jax-js/jax wasm, 1 worker",
    1,
    async () => (await import("./jax.ts")).loadJax(1, true),
  ),
  peer(
    "jax-js-2",
    "@jax-js/jax wasm, 2 workers",
    2,
    async () => (await import("./jax.ts")).loadJax(2, false),
  ),
];

function matgrad(id: string, label: string, backend: string): RunnerSpec {
  return {
    id,
    label,
    kind: "matgrad",
    threads: 1,
    bench: "matmul",
    load: async () => (await import("./matgrad.ts")).loadMatgrad(backend),
  };
}

/** The pool as the executor on `threads` threads: the calling one and `threads − 1` workers. */
function pool(threads: number): RunnerSpec {
  return {
    id: `matgrad-pool-${threads}`,
    label: `matgrad pool, ${threads} threads`,
    kind: "matgrad",
    threads,
    bench: "matmul",
    load: async () => (await import("./parallel.ts")).loadPool(threads - 1),
  };
}

function peer(id: string, label: string, threads: number, load: RunnerSpec["load"]): RunnerSpec {
  return { id, label, kind: "peer", threads, bench: "matmul", load };
}
