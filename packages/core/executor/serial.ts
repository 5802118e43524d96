/**
 * The default executor: runs every task on the calling thread, and keeps the
 * buffers of released tensors for the next allocation of the same size, so
 * that a training loop's steps reuse their memory instead of faulting in
 * fresh pages every step.
 *
 * @module
 */
import type { DType, TensorData } from "../dtype.ts";
import { runTask, type Task } from "../kernels/tasks.ts";
import type { Allocation, Executor } from "./executor.ts";

// Smaller buffers are cheaper to allocate than to track.
const POOL_FROM_BYTES = 4096;
// Free buffers kept, in bytes, beyond which released ones go to the collector.
const KEEP_BYTES = 64 << 20;

class SerialExecutor implements Executor {
  readonly name = "serial";
  readonly threads = 1;
  readonly #free = new Map<number, ArrayBuffer[]>();
  #kept = 0;

  allocate(dtype: DType, size: number, zero: boolean): Allocation {
    const bytes = size * (dtype === "float32" ? 4 : 8);
    if (bytes < POOL_FROM_BYTES) {
      return {
        data: dtype === "float32" ? new Float32Array(size) : new Float64Array(size),
        block: undefined,
      };
    }
    const buffer = this.#free.get(bytes)?.pop();
    if (buffer === undefined) {
      const fresh = new ArrayBuffer(bytes);
      return { data: view(dtype, fresh, size), block: fresh };
    }
    this.#kept -= bytes;
    const data = view(dtype, buffer, size);
    if (zero) data.fill(0);
    return { data, block: buffer };
  }

  free(block: unknown): void {
    if (!(block instanceof ArrayBuffer) || this.#kept + block.byteLength > KEEP_BYTES) return;
    const list = this.#free.get(block.byteLength);
    if (list === undefined) this.#free.set(block.byteLength, [block]);
    else list.push(block);
    this.#kept += block.byteLength;
  }

  run(tasks: readonly Task[]): void {
    for (const t of tasks) runTask(t, 0, t.units);
  }
}

function view(dtype: DType, buffer: ArrayBuffer, size: number): TensorData {
  return dtype === "float32"
    ? new Float32Array(buffer, 0, size)
    : new Float64Array(buffer, 0, size);
}

/**
 * The serial executor: every op on the calling thread. It is the default;
 * pass it to `setExecutor` or `withExecutor` to make it explicit.
 *
 * @example
 * ```ts
 * import { serialExecutor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(serialExecutor.threads, 1);
 * ```
 */
export const serialExecutor: Executor = new SerialExecutor();
