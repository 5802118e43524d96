/**
 * Where the pool starts to pay: the measured crossover per kernel backend.
 *
 * @module
 */

/**
 * Per kernel backend (`getBackend()`): products (the forward product, or the
 * two gradient products together) with fewer floating-point operations than
 * this run on the calling thread, because a round trip to the workers costs
 * more than splitting saves. Faster kernels move the crossover up. Measured
 * on a 2-core machine with `parallel_bench.ts --crossover`; see the package
 * README. An unknown
 * backend gets the largest threshold.
 *
 * @example
 * ```ts
 * import { SERIAL_BELOW_FLOPS } from "@matgrad/parallel";
 * import assert from "node:assert/strict";
 *
 * assert.ok(SERIAL_BELOW_FLOPS.wasm! > SERIAL_BELOW_FLOPS.js!);
 * ```
 */
export const SERIAL_BELOW_FLOPS: Readonly<Record<string, number>> = Object.freeze({
  js: 2_000_000,
  wasm: 40_000_000,
});
/** The threshold for a backend not listed: the largest one. */
export const SERIAL_BELOW_UNKNOWN = Math.max(...Object.values(SERIAL_BELOW_FLOPS));
