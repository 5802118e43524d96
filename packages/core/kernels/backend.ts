/**
 * The active kernel backend and how to choose it.
 *
 * @module
 */
import { jsBackend } from "./js/gemm.ts";
import type { KernelBackend } from "./types.ts";
import { wasmBackend } from "./wasm/backend.ts";
import { wasmFeatures } from "./wasm/loader.ts";

/** Names of the kernel backends. */
export type BackendName = "js" | "wasm";

/** Options of {@linkcode setBackend}. */
export interface BackendOptions {
  /**
   * For `"wasm"`: whether products use fused multiply-add (`relaxed_madd`,
   * float32 and float64). Defaults to `true` where the engine has relaxed
   * SIMD. Fused results may differ in the last bits between machines (a CPU
   * without FMA may not fuse); `false` computes mul then add, bit-identical
   * to the `"js"` backend (and to a plain in-order loop) on every machine.
   */
  readonly fma?: boolean;
}

// Chosen once at load time: WebAssembly with relaxed-SIMD FMA where it
// validates, else WebAssembly SIMD with mul+add, else JavaScript (also where
// compiling fails, e.g. under a policy that forbids it).
let active: KernelBackend = autoBackend();

function autoBackend(): KernelBackend {
  try {
    if (wasmFeatures().simd) return wasmBackend();
  } catch {
    // Fall through to the kernels that need nothing.
  }
  return jsBackend;
}

/**
 * Chooses the kernels every op uses from now on. At load time matgrad picks
 * `"wasm"` (with FMA where relaxed SIMD exists) when the engine has
 * WebAssembly SIMD, else `"js"`.
 *
 * Results of the FMA build (float32 and float64) may differ in the last
 * bits between machines; for bit-reproducible results across machines use
 * `setBackend("wasm", { fma: false })` (or `"js"`, which gives the same bits).
 *
 * @throws {RangeError} if the name is unknown.
 * @throws {Error} if `"wasm"` (or its `fma: true`) is unsupported here.
 * @example
 * ```ts
 * import { getBackend, setBackend } from "@matgrad/core";
 * import { getKernels, wasmFeatures } from "@matgrad/core/kernels";
 * import { assertStrictEquals } from "@std/assert";
 *
 * setBackend("js");
 * assertStrictEquals(getBackend(), "js");
 * if (wasmFeatures().simd) {
 *   // WebAssembly without FMA: the same bits as "js" on every machine.
 *   setBackend("wasm", { fma: false });
 *   assertStrictEquals(getBackend(), "wasm");
 *   assertStrictEquals(getKernels().fused, false);
 * }
 * ```
 */
export function setBackend(name: BackendName, options: BackendOptions = {}): void {
  if (name === "js") {
    active = jsBackend;
    return;
  }
  if (name === "wasm") {
    active = wasmBackend(options);
    return;
  }
  throw new RangeError(`setBackend: unknown backend ${JSON.stringify(name)}; use "js" or "wasm"`);
}

/**
 * Returns the name of the active backend.
 *
 * @example
 * ```ts
 * import { getBackend } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(typeof getBackend(), "string");
 * ```
 */
export function getBackend(): BackendName {
  return active.name as BackendName;
}

/**
 * Returns the active kernels, for code that runs products on raw buffers
 * (such as `@matgrad/parallel`'s workers).
 *
 * @example
 * ```ts
 * import { getKernels } from "@matgrad/core/kernels";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const c = new Float64Array(1);
 * getKernels().gemm({
 *   transA: false, transB: false, m: 1, n: 1, k: 2,
 *   a: new Float64Array([1, 2]), aOff: 0, lda: 2,
 *   b: new Float64Array([3, 4]), bOff: 0, ldb: 1,
 *   c, cOff: 0, ldc: 1, accumulate: false,
 * });
 * assertStrictEquals(c[0], 11);
 * ```
 */
export function getKernels(): KernelBackend {
  return active;
}
