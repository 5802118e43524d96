/**
 * The WebAssembly SIMD backend: generated micro-kernels (5×8 float32 and 5×4
 * float64 tiles, with `relaxed_madd` or with mul then add) behind the same
 * `Gemm` interface as the JavaScript kernel.
 *
 * @module
 */
import type { Gemm, KernelBackend, KernelBlocking } from "../types.ts";
import { FMA_SHAPE, GEMV_BLOCK, GEMV_DOT_ROWS, type KernelShape, MULADD_SHAPE } from "./config.ts";
import { createWasmGemm, type KernelSpace } from "./gemm.ts";
import { instantiateKernels, wasmFeatures } from "./loader.ts";

/** Options of {@linkcode wasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Use fused multiply-add (`f32x4.relaxed_madd`, `f64x2.relaxed_madd`):
   * faster (about 1.5× in float32 here, `deno run --no-check
   * kernels/wasm/gflops.ts --backends=wasm,wasm-mul`), but the bits then depend on the machine (a CPU without FMA may
   * not fuse). `false` gives mul then add, each rounded, whose bits equal the
   * JavaScript kernel's everywhere. Defaults to `true` where relaxed SIMD
   * exists.
   */
  readonly fma?: boolean;
}

const cache = new Map<boolean, KernelBackend>();

// Blocked products whose A and B exceed this many bytes run in the thread's
// own memory even when their tensors live in the space: V8's kernels run
// slower over a shared memory, by more than copying such operands in costs,
// and they are copied block by block in either memory ("Kernels over the
// shared heap" in benchmarks/README.md). Matrix-vector products and small
// blocked ones keep reading in place.
const OWN_ABOVE_BYTES = 1 << 20;
let space: KernelSpace | undefined;

/**
 * Runs this thread's WebAssembly products of tensors in `space`, a shared
 * memory (`@matgrad/parallel`'s tensor heap), over it from now on: operands
 * that live in it are read in place, and scratch goes in a region of it.
 * Products of other tensors keep the instance's own memory, as do blocked
 * products of more than 1 MiB of operands (copied in block by block, as
 * they would be in the space too), and every product after `undefined`.
 *
 * @example
 * ```ts
 * import { useKernelSpace } from "@matgrad/core/kernels";
 *
 * useKernelSpace(undefined); // each thread's own memory, the default
 * ```
 */
export function useKernelSpace(next: KernelSpace | undefined): void {
  space = next;
}

/**
 * Returns the WebAssembly backend (one module instance per realm and per
 * `fma` setting, compiled on the first call).
 *
 * Each call copies its operands into the instance's memory (packing
 * transposed operands there), runs the kernels, and copies C back; the
 * memory grows to the largest product seen and is kept for reuse. The only
 * allocations per call are the few typed-array views the copies go through.
 *
 * Results with `fma: true` may differ in the last bits between machines
 * (float32 and float64); `fma: false` is bit-identical to the JavaScript
 * kernel (and to a plain in-order loop) on every machine, for both dtypes.
 *
 * @throws {Error} if the engine lacks WebAssembly SIMD, or relaxed SIMD when
 * `fma` is `true`.
 * @example
 * ```ts
 * import { wasmBackend, wasmFeatures } from "@matgrad/core/kernels";
 * import { assertEquals } from "@std/assert";
 *
 * if (wasmFeatures().simd) {
 *   const { gemm, fused } = wasmBackend({ fma: false });
 *   const c = new Float32Array(1);
 *   gemm({
 *     transA: false, transB: false, m: 1, n: 1, k: 2,
 *     a: new Float32Array([1, 2]), aOff: 0, lda: 2,
 *     b: new Float32Array([3, 4]), bOff: 0, ldb: 1,
 *     c, cOff: 0, ldc: 1, accumulate: false,
 *   });
 *   assertEquals([c[0], fused], [11, false]);
 * }
 * ```
 */
export function wasmBackend(options: WasmBackendOptions = {}): KernelBackend {
  const features = wasmFeatures();
  const fma = options.fma ?? features.relaxed;
  if (!features.simd) {
    throw new Error('wasmBackend: this engine has no WebAssembly SIMD; use the "js" backend');
  }
  if (fma && !features.relaxed) {
    throw new Error(
      "wasmBackend: this engine has no WebAssembly relaxed SIMD, so fma: true is unavailable; pass fma: false",
    );
  }
  let backend = cache.get(fma);
  if (!backend) {
    const shape = fma ? FMA_SHAPE : MULADD_SHAPE;
    // Instantiated on the first product, so that a worker can adopt the
    // calling thread's compiled module first.
    let run: Gemm | undefined;
    let shared: [KernelSpace, Gemm] | undefined;
    const gemm: Gemm = (args) => {
      // Products of the space's tensors run over it; others, and large blocked ones, keep the own memory.
      const es = args.c instanceof Float32Array ? 4 : 8;
      if (
        space === undefined ||
        (args.m > 1 && args.n > 1 && (args.m + args.n) * args.k * es > OWN_ABOVE_BYTES) ||
        (space.addressOf(args.a) < 0 && space.addressOf(args.b) < 0 && space.addressOf(args.c) < 0)
      ) {
        return (run ??= createWasmGemm(instantiateKernels(fma), shape))(args);
      }
      if (shared?.[0] !== space) {
        const on = space;
        shared = [on, createWasmGemm(instantiateKernels(fma, on.memory), shape, undefined, on)];
      }
      shared[1](args);
    };
    backend = {
      name: "wasm",
      fused: fma,
      gemm,
      blocking: { float32: blockingOf(shape.f32), float64: blockingOf(shape.f64) },
    };
    cache.set(fma, backend);
  }
  return backend;
}

/**
 * A kernel shape's numeric parameters (0 means "no such variant"), with the
 * matrix-vector kernels' blocks: lanes per block and rows of the dot form.
 */
function blockingOf(s: KernelShape): KernelBlocking {
  const out: Record<string, number> = {
    lanes: 16 / s.es,
    gemvLanes: (GEMV_BLOCK * 16) / s.es,
    gemvDotRows: GEMV_DOT_ROWS,
  };
  for (const [name, value] of Object.entries(s)) {
    if (typeof value === "number" && name !== "es" && value > 0) out[name] = value;
  }
  return Object.freeze(out);
}
