/**
 * The active kernel backend and how to choose it.
 *
 * @module
 */
import { jsBackend } from "./js/gemm.ts";
import type { KernelBackend } from "./types.ts";

/** Names of the kernel backends. */
export type BackendName = "js";

let active: KernelBackend = jsBackend;

/**
 * Chooses the kernels every op uses from now on.
 *
 * @throws {RangeError} if the name is unknown.
 * @example
 * ```ts
 * import { getBackend, setBackend } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * setBackend("js");
 * assert.equal(getBackend(), "js");
 * ```
 */
export function setBackend(name: BackendName): void {
  if (name === "js") {
    active = jsBackend;
    return;
  }
  throw new RangeError(`setBackend: unknown backend ${JSON.stringify(name)}; use "js"`);
}

/**
 * Returns the name of the active backend.
 *
 * @example
 * ```ts
 * import { getBackend } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof getBackend(), "string");
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
 * import assert from "node:assert/strict";
 *
 * const c = new Float64Array(1);
 * getKernels().gemm(false, false, 1, 1, 2, new Float64Array([1, 2]), 0, 2, new Float64Array([3, 4]), 0, 1, c, 0, 1, false);
 * assert.equal(c[0], 11);
 * ```
 */
export function getKernels(): KernelBackend {
  return active;
}
