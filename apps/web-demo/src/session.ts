/**
 * Where a training run's ops go: a `@matgrad/parallel` pool, or
 * the calling thread when the page asked for 0 workers or cannot share
 * memory (a page that is not cross-origin isolated has no SharedArrayBuffer,
 * and the pool needs it).
 *
 * @module
 */
import { createPool, type Pool } from "@matgrad/parallel";

/** Where the gradient products ran. */
export type Transport = "shared memory" | "calling thread";

/** The gradient backend of one run; close it when the run ends. */
export interface Session {
  /** Workers actually used (0 = calling thread). */
  readonly workers: number;
  /** Where the products run. */
  readonly transport: Transport;
  /** Why fewer workers than asked are used, if so. */
  readonly fallback?: string;
  /** The pool to train with; `undefined` means the calling thread. */
  readonly pool?: Pool;
  /** How many stages of work (the tasks of one op) went to the workers so far. */
  readonly workerCalls: number;
  /** Terminates the workers. */
  close(): void;
}

/**
 * Opens a session with `workers` workers. Every op of a step is split
 * across the calling thread and the workers (`serialBelowFlops: 0`),
 * however small, so that the page shows the pool at work. The pool blocks
 * the thread it runs on while its workers finish, so sessions with workers
 * run in a dedicated worker (`train_worker.ts`), never on the page's main
 * thread.
 *
 * @example
 * ```ts
 * import { openSession } from "./session.ts";
 * import { matmulGrad, randn } from "@matgrad/core";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const session = openSession(2);
 * await session.pool!.ready();
 * const a = randn([8, 4], { seed: 1, dtype: "float64" });
 * const b = randn([4, 3], { seed: 2, dtype: "float64" });
 * const dC = randn([8, 3], { seed: 3, dtype: "float64" });
 * const { dA } = await session.pool!.matmulGrad(a, b, dC);
 * assertEquals(dA.data, matmulGrad(a, b, dC).dA.data);
 * assert(session.workerCalls >= 1);
 * session.close();
 * ```
 */
export function openSession(workers: number): Session {
  if (workers === 0) return serialSession();
  if (typeof SharedArrayBuffer === "undefined") {
    return serialSession(
      `SharedArrayBuffer is unavailable (the page is not cross-origin isolated), ` +
        `so the pool of ${workers} workers cannot share memory: trained on the calling thread`,
    );
  }
  const pool = createPool({ workers, serialBelowFlops: 0 });
  return {
    workers: pool.size,
    transport: "shared memory",
    pool,
    get workerCalls() {
      return pool.workerStages;
    },
    close: () => pool.close(),
  };
}

function serialSession(fallback?: string): Session {
  return {
    workers: 0,
    transport: "calling thread",
    ...(fallback === undefined ? {} : { fallback }),
    workerCalls: 0,
    close: () => {},
  };
}
