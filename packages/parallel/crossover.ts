/**
 * Where splitting a stage across the threads starts to pay.
 *
 * @module
 */

/**
 * A stage of work (the tasks of one op) estimated at fewer flop-equivalents
 * than this (2 per multiply-add, about 20 per element of an element loop)
 * runs on the calling thread alone: posting it to the workers and waiting
 * for them costs a few microseconds, about what this much work takes one
 * thread. A pool's `serialBelowFlops` option overrides it. See the package
 * README for the measurement.
 *
 * @example
 * ```ts
 * import { SERIAL_BELOW_FLOPS } from "@matgrad/parallel";
 * import { assert } from "@std/assert";
 *
 * assert(SERIAL_BELOW_FLOPS > 0);
 * ```
 */
export const SERIAL_BELOW_FLOPS = 1_000_000;
