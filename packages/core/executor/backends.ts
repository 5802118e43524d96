/**
 * Backends by name: the CPU kernels (`"wasm"`, `"js"`) and device backends
 * that packages register when imported (`@matgrad/webgpu` registers
 * `"webgpu"`). Core never imports them: a device backend hands core an
 * {@linkcode Executor} through {@linkcode registerBackend}, and
 * `setBackend(name)` makes it the active executor.
 *
 * @module
 */
import { BackendError } from "../errors.ts";
import {
  type BackendName,
  type BackendOptions,
  getBackend as kernelBackend,
  setBackend as setKernels,
} from "../kernels/backend.ts";
import { type Executor, getExecutor, setExecutor } from "./executor.ts";

/** Starts a device backend: resolves with its executor, or rejects with a {@linkcode BackendError}. */
export type BackendFactory = () => Promise<Executor>;

const factories = new Map<string, BackendFactory>();
const started = new Map<string, Promise<Executor>>();

/**
 * Registers a device backend under `name`, for {@linkcode setBackend}. The
 * factory runs once, on the first `setBackend(name)`; its executor is kept
 * (a rejected start is retried on the next call).
 *
 * @example
 * ```ts
 * import { getBackend, serialExecutor, setBackend } from "@matgrad/core";
 * import { registerBackend } from "@matgrad/core/backend";
 * import { assertStrictEquals } from "@std/assert";
 *
 * registerBackend("demo", () => Promise.resolve({ ...serialExecutor, name: "demo", device: "demo" }));
 * await setBackend("demo");
 * assertStrictEquals(getBackend(), "demo");
 * await setBackend("wasm");
 * ```
 */
export function registerBackend(name: string, factory: BackendFactory): void {
  if (name === "js" || name === "wasm") {
    throw new RangeError(`registerBackend: ${JSON.stringify(name)} names core's CPU kernels`);
  }
  factories.set(name, factory);
  started.delete(name);
}

/** The names {@linkcode setBackend} takes now: the CPU kernels and the registered backends. */
export function backendNames(): string[] {
  return ["wasm", "js", ...factories.keys()];
}

/**
 * Chooses where ops run. `"wasm"` and `"js"` pick the CPU kernels (applied
 * at once; a device backend in use is left, the serial executor taking
 * over); a registered device backend such as `"webgpu"` (import
 * `@matgrad/webgpu` first) resolves once its device is ready, and every op
 * then runs there and makes its tensors there. Await it either way.
 *
 * @throws {RangeError} at once for `"wasm"` options the engine cannot honour.
 * @throws {BackendError} (as a rejection) for an unknown name or a device that cannot start.
 * @example
 * ```ts
 * import { getBackend, setBackend } from "@matgrad/core";
 * import { assertRejects, assertStrictEquals } from "@std/assert";
 *
 * await setBackend("js");
 * assertStrictEquals(getBackend(), "js");
 * await setBackend("wasm");
 * {
 *   const error = await assertRejects(() => setBackend("tpu"), Error);
 *   assertStrictEquals(error.name, "BackendError");
 * }
 * ```
 */
export function setBackend(name: string, options: BackendOptions = {}): Promise<void> {
  if (name === "js" || name === "wasm") {
    setKernels(name, options);
    if (getExecutor().device !== undefined) setExecutor(undefined);
    return Promise.resolve();
  }
  const factory = factories.get(name);
  if (factory === undefined) {
    const hint = name === "webgpu" ? ` (import "@matgrad/webgpu" to register it)` : "";
    return Promise.reject(
      new BackendError(
        name,
        `unknown backend${hint}; known: ${backendNames().map((n) => JSON.stringify(n)).join(", ")}`,
      ),
    );
  }
  let start = started.get(name);
  if (start === undefined) {
    start = factory();
    started.set(name, start);
    start.catch(() => started.delete(name));
  }
  return start.then((executor) => setExecutor(executor));
}

/**
 * The backend ops run on: the device's name (`"webgpu"`) while a device
 * backend is active, else the CPU kernels' (`"wasm"` or `"js"`).
 *
 * @example
 * ```ts
 * import { getBackend } from "@matgrad/core";
 * import { assert } from "@std/assert";
 *
 * assert(["wasm", "js"].includes(getBackend()));
 * ```
 */
export function getBackend(): BackendName | string {
  return getExecutor().device ?? kernelBackend();
}
