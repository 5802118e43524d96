/**
 * The executor seam: where ops run is a setting, not a second API. Every op
 * checks and plans once, allocates its outputs through the active executor,
 * hands it the planned tasks, and wraps and records the result. The serial
 * executor runs tasks on the calling thread; `@matgrad/parallel`'s pool
 * splits each one across the calling thread and its workers.
 *
 * @module
 */
import type { DType, TensorData } from "../dtype.ts";
import type { Task } from "../kernels/tasks.ts";
import { serialExecutor } from "./serial.ts";

/** Memory an executor handed out, with the handle it takes back. */
export interface Allocation {
  /** The elements (zero-filled when asked for). */
  readonly data: TensorData;
  /** What {@linkcode Executor.free} takes back; opaque to everyone else. */
  readonly block: unknown;
}

/**
 * Runs planned tasks and owns the memory of the tensors it makes, so that it
 * can place them where its threads read them (shared memory) and reuse them.
 */
export interface Executor {
  /** For messages and benchmarks, e.g. `"serial"` or `"pool of 2"`. */
  readonly name: string;
  /** The threads that share each task, the calling thread included. */
  readonly threads: number;
  /**
   * Storage for `size` elements of `dtype`, zero-filled if `zero`. The size
   * has been checked against the tensor limit.
   */
  allocate(dtype: DType, size: number, zero: boolean): Allocation;
  /** Takes back a block of {@linkcode Executor.allocate} once nothing reads it. */
  free(block: unknown): void;
  /**
   * Runs `tasks`, which are independent of each other (they may run at the
   * same time, in any split), and returns when all are done. Every buffer a
   * task writes was allocated by this executor or is the caller's `out`.
   */
  run(tasks: readonly Task[]): void;
  /**
   * Set by executors whose memory lives on a device (e.g. `"webgpu"`): the
   * typed arrays they hand out are placeholders, so `Tensor.data` throws and
   * `Tensor.read()` goes through {@linkcode Executor.read}. Absent for
   * executors of host memory.
   */
  readonly device?: string;
  /**
   * The dtypes of tensors this executor can hold; absent means all. Scratch
   * storage of ops (float64 sums, optimizer state) is exempt: a device
   * executor may keep it in float32.
   */
  readonly dtypes?: readonly DType[];
  /**
   * A host copy of `data`, a placeholder this executor handed out, once
   * every task submitted before the call has written it. Only device
   * executors have it.
   */
  read?(data: TensorData): Promise<TensorData>;
}

let active: Executor | undefined;

/**
 * The executor ops run on: the one set by {@linkcode setExecutor} or the
 * innermost {@linkcode withExecutor}, else the serial executor.
 *
 * @example
 * ```ts
 * import { getExecutor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(getExecutor().name, "serial");
 * ```
 */
export function getExecutor(): Executor {
  return active ?? serialExecutor;
}

/**
 * Makes `executor` the one every op runs on from now on; `undefined` goes
 * back to the serial executor.
 *
 * @example
 * ```ts
 * import { getExecutor, serialExecutor, setExecutor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * setExecutor(serialExecutor);
 * assertStrictEquals(getExecutor(), serialExecutor);
 * setExecutor(undefined);
 * ```
 */
export function setExecutor(executor: Executor | undefined): void {
  active = executor;
}

/**
 * Runs `fn` with `executor` active and restores the previous one afterwards,
 * also when `fn` throws. `fn` must be synchronous: the executor would no
 * longer be active after its first `await`.
 *
 * @example
 * ```ts
 * import { matmul, serialExecutor, tensor, withExecutor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const c = withExecutor(serialExecutor, () => matmul(tensor([[2]]), tensor([[3]])));
 * assertStrictEquals(c.item(), 6);
 * ```
 */
export function withExecutor<T>(executor: Executor, fn: () => T): T {
  const saved = active;
  active = executor;
  try {
    return fn();
  } finally {
    active = saved;
  }
}
