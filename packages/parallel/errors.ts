/**
 * Typed errors of the worker pool. Shape and dtype errors are core's own
 * (`ShapeError`, `DTypeError`), thrown with exactly core's messages.
 *
 * @module
 */

/**
 * Rejects every call made after `close()` and every call still pending when
 * the pool was closed.
 *
 * @example
 * ```ts
 * import { createPool, PoolClosedError } from "@matgrad/parallel";
 * import { zeros } from "@matgrad/core";
 * import { assertRejects } from "@std/assert";
 *
 * const pool = createPool({ workers: 1 });
 * pool.close();
 * await assertRejects(() => pool.matmul(zeros([2, 2]), zeros([2, 2])), PoolClosedError);
 * ```
 */
export class PoolClosedError extends Error {
  /** Creates the error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "PoolClosedError";
  }
}

/**
 * Rejects a call whose blocks failed in a worker: an exception thrown there
 * (its message is kept, and the original error is the `cause`), or a worker
 * that died (crashed or was terminated) with the call in flight. The pool
 * replaces a dead worker, so later calls work.
 *
 * @example
 * ```ts
 * import { WorkerError } from "@matgrad/parallel";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const e = new WorkerError("matmul: worker 0 failed: out of memory");
 * assertStrictEquals(e.name, "WorkerError");
 * ```
 */
export class WorkerError extends Error {
  /** Creates the error with the given message and, optionally, its cause. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkerError";
  }
}

/**
 * Thrown by `createPool` (with the default `fallback: "error"`) where the
 * runtime lacks what the pool needs: `missing` names it — `"Worker"` (no Web
 * Worker API and no `node:worker_threads`) or `"SharedArrayBuffer"` (none,
 * or not growable; a browser page that is not cross-origin isolated) — and
 * the message says what to do. `createPool({ fallback: "serial" })` runs on
 * the calling thread instead.
 *
 * @example
 * ```ts
 * import { PoolUnsupportedError } from "@matgrad/parallel";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const e = new PoolUnsupportedError("Worker", "createPool: no workers here");
 * assertStrictEquals(e.name, "PoolUnsupportedError");
 * assertStrictEquals(e.missing, "Worker");
 * ```
 */
export class PoolUnsupportedError extends Error {
  /** What the runtime lacks. */
  readonly missing: "Worker" | "SharedArrayBuffer";
  /** Creates the error for what is `missing`, with the given message. */
  constructor(missing: "Worker" | "SharedArrayBuffer", message: string) {
    super(message);
    this.name = "PoolUnsupportedError";
    this.missing = missing;
  }
}
