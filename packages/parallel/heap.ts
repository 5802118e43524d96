/**
 * The tensor heap: one growable SharedArrayBuffer that the calling thread
 * and every worker of every pool see, so that tasks read their operands and
 * write their results in place. Tensors made while a pool is the executor
 * live here; blocks of released tensors are kept for the next tensor of
 * the same size, so a training step's memory is the last step's memory.
 *
 * @module
 */
import type { DType, Executor, TensorData } from "@matgrad/core";
import type { Allocation } from "@matgrad/core/backend";
import { runTask } from "@matgrad/core/kernels";

const ALIGN = 64;
const INITIAL = 1 << 20;
/** The most the heap may grow to: 4 GiB, the reach of a typed array's byte offsets here. */
export const HEAP_LIMIT: number = 2 ** 32;

let buffer: SharedArrayBuffer | undefined;
let top = ALIGN;
const free = new Map<number, number[]>();

/** Whether this runtime has growable SharedArrayBuffers (Deno, browsers, Node ≥ 20, Bun). */
export function heapSupported(): boolean {
  return typeof SharedArrayBuffer === "function" &&
    typeof (SharedArrayBuffer.prototype as { grow?: unknown }).grow === "function";
}

/** The heap's buffer, made on first use. */
export function heapBuffer(): SharedArrayBuffer {
  return buffer ??= new SharedArrayBuffer(INITIAL, { maxByteLength: HEAP_LIMIT });
}

/** A block of at least `bytes` (64-byte aligned), from the free blocks of that size or the top. */
export function heapAlloc(bytes: number): number {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const reuse = free.get(size)?.pop();
  if (reuse !== undefined) return reuse;
  const heap = heapBuffer();
  const at = top;
  if (at + size > heap.byteLength) {
    if (at + size > HEAP_LIMIT) {
      throw new RangeError(
        `matgrad parallel: the shared tensor heap would need ${at + size} bytes, ` +
          `more than its ${HEAP_LIMIT}-byte limit; dispose tensors you no longer need`,
      );
    }
    const grown = Math.min(HEAP_LIMIT, Math.max(at + size, Math.floor(heap.byteLength * 1.5)));
    heap.grow(Math.ceil(grown / 65536) * 65536);
  }
  top = at + size;
  return at;
}

/** Takes back a block of {@linkcode heapAlloc}. */
export function heapFree(offset: number, bytes: number): void {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const list = free.get(size);
  if (list === undefined) free.set(size, [offset]);
  else list.push(offset);
}

/** A view of `size` elements of `dtype` at `offset` in the heap. */
export function heapView(dtype: DType, offset: number, size: number): TensorData {
  const heap = heapBuffer();
  return dtype === "float32"
    ? new Float32Array(heap, offset, size)
    : new Float64Array(heap, offset, size);
}

/** Whether `data` lives in the heap. */
export function inHeap(data: TensorData): boolean {
  return buffer !== undefined && data.buffer === buffer;
}

/** Bytes the heap holds now (its buffer's length) and in use (up to the top). */
export function heapStats(): { bytes: number; top: number } {
  return { bytes: buffer?.byteLength ?? 0, top };
}

interface HeapBlock {
  readonly offset: number;
  readonly bytes: number;
}

/** Memory for `size` elements of `dtype` in the heap, as an executor hands it out. */
export function heapAllocation(dtype: DType, size: number, zero: boolean): Allocation {
  const bytes = size * (dtype === "float32" ? 4 : 8);
  const offset = heapAlloc(bytes);
  const data = heapView(dtype, offset, size);
  if (zero) data.fill(0);
  const block: HeapBlock = { offset, bytes };
  return { data, block };
}

/** Takes back a block of {@linkcode heapAllocation}. */
export function heapRelease(block: unknown): void {
  const b = block as HeapBlock;
  heapFree(b.offset, b.bytes);
}

/**
 * An executor on the calling thread whose tensors live in the heap: for
 * making shared tensors outside a pool (`toShared`, `sharedZeros`).
 */
export const heapExecutor: Executor = {
  name: "shared heap",
  threads: 1,
  allocate: heapAllocation,
  free: heapRelease,
  run(tasks) {
    for (const t of tasks) runTask(t, 0, t.units);
  },
};
