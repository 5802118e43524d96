/**
 * Shared buffers for the operands a call copies into shared memory, kept
 * between calls: a new SharedArrayBuffer pays a page fault per 4 KiB page on
 * its first write (`overhead_bench.ts`), a reused one does not. Operands are
 * only read, and only until their call settles, so the buffer is free again
 * then; it never reaches the caller.
 *
 * @module
 */
import type { DType, TensorData } from "@matgrad/core";
import { isSharedAs } from "./shared.ts";

/** Free buffers kept at most, and the largest one kept (larger ones are left to the GC). */
const KEEP = 8;
const KEEP_BYTES = 64 << 20;
/** Buffers are allocated in steps of this many bytes, so that sizes close together share. */
const STEP = 64 << 10;

/** The staging buffers of one pool. */
export class Staging {
  #free: SharedArrayBuffer[] = [];

  /**
   * `data` in `dtype` on shared memory: itself when it already is, else a
   * copy in a staging buffer, which is added to `used` (give it back with
   * {@linkcode Staging.release} once the call has settled).
   */
  stage(data: TensorData, dtype: DType, used: SharedArrayBuffer[]): TensorData {
    if (isSharedAs(data, dtype)) return data;
    const bytes = data.length * (dtype === "float32" ? 4 : 8);
    const buffer = this.#take(bytes);
    used.push(buffer);
    const view = dtype === "float32"
      ? new Float32Array(buffer, 0, data.length)
      : new Float64Array(buffer, 0, data.length);
    // `set` converts float64 to float32 with the same rounding as core's `cast`.
    view.set(data);
    return view;
  }

  /** Returns the buffers of a settled call. */
  release(used: readonly SharedArrayBuffer[]): void {
    for (const b of used) if (b.byteLength <= KEEP_BYTES) this.#free.push(b);
    if (this.#free.length > KEEP) {
      this.#free.sort((x, y) => y.byteLength - x.byteLength);
      this.#free.length = KEEP;
    }
  }

  /** Drops every buffer (the pool is closing). */
  clear(): void {
    this.#free = [];
  }

  /** The smallest free buffer of at least `bytes`, or a new one. */
  #take(bytes: number): SharedArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const size = this.#free[i]!.byteLength;
      if (size >= bytes && (best < 0 || size < this.#free[best]!.byteLength)) best = i;
    }
    if (best < 0) return new SharedArrayBuffer(Math.ceil(bytes / STEP) * STEP);
    return this.#free.splice(best, 1)[0]!;
  }
}
