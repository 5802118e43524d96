/**
 * How long an idle worker polls before it sleeps.
 *
 * @module
 */

/**
 * An idle worker polls for the next op this many milliseconds before it
 * sleeps in `Atomics.waitAsync`; a pool's `spinMs` option overrides it.
 * A training loop's ops follow each other within microseconds, so they find
 * the workers polling at this setting already; longer polling pays where
 * ops come in bursts a few milliseconds apart (other work on the calling
 * thread between them): waking a sleeping worker took a median of about
 * 60 µs and up to 2 ms on the project's 2-core VMs, and a core that slept
 * runs its next op slower. OpenMP runtimes poll far longer by default (200
 * ms in LLVM's). The benchmarks README has the measurements.
 *
 * @example
 * ```ts
 * import { SPIN_MS } from "@matgrad/parallel";
 * import { assert } from "@std/assert";
 *
 * assert(SPIN_MS > 0);
 * ```
 */
export const SPIN_MS = 0.5;
