/**
 * Feature detection and instantiation of the generated WebAssembly modules.
 * Everything is synchronous and needs no permissions: the bytes are in
 * `_generated/wasm_bytes.ts` as base64.
 *
 * @module
 */
import { PROBE_RELAXED, PROBE_SIMD, WASM_FMA, WASM_MULADD } from "./_generated/wasm_bytes.ts";
import { uleb } from "./encoder.ts";

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

const modules = new Map<string, WebAssembly.Module>();
const key = (fma: boolean, shared: boolean): string => `${fma}/${shared}`;

/** The most pages a shared kernel memory may have: all of wasm32's 4 GiB. */
export const SHARED_MAX_PAGES = 65536;

/**
 * The module's bytes with its own memory replaced by an imported shared one
 * (`env.mem`, up to {@linkcode SHARED_MAX_PAGES}): the same code then runs
 * in every thread over one memory, reading operands where they lie. The
 * generator emits only the own-memory form; this swaps the memory section
 * (id 5) for an import section (id 2) after the type section.
 */
export function sharedMemoryVariant(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out: number[] = [...bytes.subarray(0, 8)];
  const text = (s: string): number[] => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
  const entry = [1, ...text("env"), ...text("mem"), 0x02, 0x03, 0, ...uleb(SHARED_MAX_PAGES)];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    let size = 0, shift = 0, p = at + 1;
    for (;;) {
      const b = bytes[p++]!;
      size |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    const end = p + size;
    if (id !== 5) out.push(...bytes.subarray(at, end));
    if (id === 1) out.push(2, ...uleb(entry.length), ...entry);
    at = end;
  }
  return new Uint8Array(out);
}

/**
 * The compiled FMA module or the mul+add one (with its own memory, or with
 * a shared one imported), compiled once per realm, or the one
 * {@linkcode adoptKernelModule} gave.
 */
export function kernelModule(fma: boolean, shared = false): WebAssembly.Module {
  let module = modules.get(key(fma, shared));
  if (module === undefined) {
    const bytes = decode(fma ? WASM_FMA : WASM_MULADD);
    module = new WebAssembly.Module(shared ? sharedMemoryVariant(bytes) : bytes);
    modules.set(key(fma, shared), module);
  }
  return module;
}

/**
 * Uses `module` (compiled in another thread and posted here) for the FMA or
 * mul+add kernels from now on: a worker then runs the code the engine has
 * already compiled and optimised, instead of compiling its own copy, whose
 * optimising tier would compete for cores with the work itself.
 */
export function adoptKernelModule(fma: boolean, module: WebAssembly.Module, shared = false): void {
  modules.set(key(fma, shared), module);
}

/** Instantiates the FMA module or the mul+add one, on its own memory or on `memory` (shared). */
export function instantiateKernels(fma: boolean, memory?: WebAssembly.Memory): KernelExports {
  const instance = memory === undefined
    ? new WebAssembly.Instance(kernelModule(fma))
    : new WebAssembly.Instance(kernelModule(fma, true), { env: { mem: memory } });
  return instance.exports as unknown as KernelExports;
}
