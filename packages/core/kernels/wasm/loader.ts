/**
 * Feature detection and instantiation of the generated WebAssembly modules.
 * Everything is synchronous and needs no permissions: the bytes are in
 * `_generated/wasm_bytes.ts` as base64.
 *
 * @module
 */
import { PROBE_RELAXED, PROBE_SIMD, WASM_FMA, WASM_MULADD } from "./_generated/wasm_bytes.ts";

/** What the running engine supports. */
export interface WasmFeatures {
  /** Fixed-width SIMD (`v128`). */
  readonly simd: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd`). */
  readonly relaxed: boolean;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function validates(base64: string): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(decode(base64));
  } catch {
    return false;
  }
}

let features: WasmFeatures | undefined;

/**
 * Detects WebAssembly SIMD and relaxed SIMD with `WebAssembly.validate`
 * (once per realm). The default backend follows from it: `"wasm"` with FMA
 * where `relaxed`, `"wasm"` with mul+add where only `simd`, else `"js"`.
 *
 * @example
 * ```ts
 * import { wasmFeatures } from "@matgrad/core/kernels";
 * import { assert } from "@std/assert";
 *
 * const { simd, relaxed } = wasmFeatures();
 * assert(simd || !relaxed);
 * ```
 */
export function wasmFeatures(): WasmFeatures {
  if (!features) {
    const simd = validates(PROBE_SIMD);
    features = { simd, relaxed: simd && validates(PROBE_RELAXED) };
  }
  return features;
}

/** The functions a kernel module exports; pointers and strides are byte offsets into `mem`. */
export interface KernelExports {
  /** The module's memory (grown by the driver when a problem needs more). */
  readonly mem: WebAssembly.Memory;
  readonly [name: string]: WebAssembly.Memory | ((...args: number[]) => void);
}

const modules = new Map<boolean, WebAssembly.Module>();

/**
 * The compiled FMA module or the mul+add one, compiled once per realm, or
 * the one {@linkcode adoptKernelModule} gave.
 */
export function kernelModule(fma: boolean): WebAssembly.Module {
  let module = modules.get(fma);
  if (module === undefined) {
    module = new WebAssembly.Module(decode(fma ? WASM_FMA : WASM_MULADD));
    modules.set(fma, module);
  }
  return module;
}

/**
 * Uses `module` (compiled in another thread and posted here) for the FMA or
 * mul+add kernels from now on: a worker then runs the code the engine has
 * already compiled and optimised, instead of compiling its own copy, whose
 * optimising tier would compete for cores with the work itself.
 */
export function adoptKernelModule(fma: boolean, module: WebAssembly.Module): void {
  modules.set(fma, module);
}

/** Instantiates the FMA module or the mul+add one. */
export function instantiateKernels(fma: boolean): KernelExports {
  return new WebAssembly.Instance(kernelModule(fma)).exports as unknown as KernelExports;
}
