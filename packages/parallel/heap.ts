/**
 * The tensor heap: one shared WebAssembly memory that the calling thread
 * and every worker of every pool see, and that every thread's kernels run
 * over, so that tasks read their operands and write their results in
 * place. Tensors made while a pool is the executor live here; blocks of
 * released tensors are kept for the next tensor of the same size, so a
 * training step's memory is the last step's memory.
 *
 * @module
 */
import type { DType, Executor, TensorData } from "@matgrad/core";
import type { Allocation } from "@matgrad/core/backend";
import { type KernelSpace, runTask, useKernelSpace } from "@matgrad/core/kernels";

const ALIGN = 64;
const PAGE = 65536;
const INITIAL_PAGES = 16;
/** The most the heap may grow to: wasm32's 4 GiB, less a page for the edge reads. */
export const HEAP_LIMIT: number = 2 ** 32 - PAGE;
// Kept free past the top, so that kernels may read the last tensors in place
// (their edge tiles read a few rows past an operand's end).
const MARGIN = 1 << 20;
// Bytes 0–3 hold the top: every thread reserves from it with Atomics.
const TOP = 0;

let memory: WebAssembly.Memory | undefined;
let buffer: SharedArrayBuffer | undefined;
let top32: Uint32Array | undefined;
// Every SharedArrayBuffer this thread got from the memory: one per growth, all aliasing it.
const known = new WeakSet<ArrayBufferLike>();
const free = new Map<number, number[]>();

let sharedMemory: boolean | undefined;

/**
 * Whether this runtime can share a WebAssembly memory across threads (Deno,
 * browsers when cross-origin isolated, Node ≥ 20, Bun).
 */
export function heapSupported(): boolean {
  if (typeof SharedArrayBuffer !== "function") return false;
  return sharedMemory ??= (() => {
    try {
      return new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true })
        .buffer instanceof SharedArrayBuffer;
    } catch {
      return false;
    }
  })();
}

/** The heap's memory as this thread sees it now (a growth anywhere gives a longer buffer). */
function current(): SharedArrayBuffer {
  const b = heapMemory().buffer as unknown as SharedArrayBuffer;
  if (b !== buffer) {
    buffer = b;
    known.add(b);
    top32 = new Uint32Array(b, TOP, 1);
  }
  return b;
}

/**
 * The heap's shared WebAssembly memory, made on first use; from then on
 * this thread's kernels run over it ({@linkcode heapSpace}).
 */
export function heapMemory(): WebAssembly.Memory {
  if (memory === undefined) {
    const m = new WebAssembly.Memory({
      initial: INITIAL_PAGES,
      maximum: 2 ** 32 / PAGE,
      shared: true,
    });
    new Uint32Array(m.buffer, TOP, 1)[0] = ALIGN;
    adoptHeap(m);
  }
  return memory!;
}

/** Makes `m`, another thread's heap (posted to this worker), this thread's heap. */
export function adoptHeap(m: WebAssembly.Memory): void {
  memory = m;
  buffer = undefined;
  current();
  useKernelSpace(heapSpace);
}

/** Moves the top past `bytes` (64-byte aligned), growing the memory to hold them and the margin. */
function reserve(bytes: number): number {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  current();
  let at: number;
  for (;;) {
    at = Atomics.load(top32!, 0);
    if (at + size > HEAP_LIMIT) {
      throw new RangeError(
        `matgrad parallel: the shared tensor heap would need ${at + size} bytes, ` +
          `more than its ${HEAP_LIMIT}-byte limit; dispose tensors you no longer need`,
      );
    }
    if (Atomics.compareExchange(top32!, 0, at, at + size) === at) break;
  }
  const need = Math.min(2 ** 32, at + size + MARGIN);
  const m = heapMemory();
  while (m.buffer.byteLength < need) {
    const have = m.buffer.byteLength;
    const want = Math.min(2 ** 32, Math.max(need, Math.floor(have * 1.5)));
    // Another thread may grow it at the same moment: the loop rechecks.
    m.grow(Math.ceil((want - have) / PAGE));
  }
  return at;
}

/** A block of at least `bytes` (64-byte aligned), from the free blocks of that size or the top. */
export function heapAlloc(bytes: number): number {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const reuse = free.get(size)?.pop();
  return reuse ?? reserve(size);
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
  let heap = buffer!;
  const end = offset + size * (dtype === "float32" ? 4 : 8);
  if (heap === undefined || end > heap.byteLength) heap = current();
  return dtype === "float32"
    ? new Float32Array(heap, offset, size)
    : new Float64Array(heap, offset, size);
}

/** Whether `data` lives in the heap. */
export function inHeap(data: TensorData): boolean {
  return known.has(data.buffer);
}

/** Bytes the heap holds now (its memory's length) and in use (up to the top). */
export function heapStats(): { bytes: number; top: number } {
  if (memory === undefined) return { bytes: 0, top: ALIGN };
  current();
  return { bytes: memory.buffer.byteLength, top: Atomics.load(top32!, 0) };
}

/**
 * The heap as the kernels see it: operands in it are read in place, and
 * each thread's scratch is a block reserved from its top.
 */
export const heapSpace: KernelSpace = {
  get memory(): WebAssembly.Memory {
    return heapMemory();
  },
  addressOf: (data) => known.has(data.buffer) ? data.byteOffset : -1,
  scratch: reserve,
};

/** A block of the heap, as {@linkcode heapAllocation} hands it out. */
export interface HeapBlock {
  readonly offset: number;
  readonly bytes: number;
  /** Set by a pool that counts the block as an async call's result. */
  result?: boolean;
}

const blocks = new WeakMap<TensorData, HeapBlock>();

/** Memory for `size` elements of `dtype` in the heap, as an executor hands it out. */
export function heapAllocation(dtype: DType, size: number, zero: boolean): Allocation {
  const bytes = size * (dtype === "float32" ? 4 : 8);
  const offset = heapAlloc(bytes);
  const data = heapView(dtype, offset, size);
  if (zero) data.fill(0);
  const block: HeapBlock = { offset, bytes };
  blocks.set(data, block);
  return { data, block };
}

/** Takes back a block of {@linkcode heapAllocation}. */
export function heapRelease(block: unknown): void {
  const b = block as HeapBlock;
  heapFree(b.offset, b.bytes);
}

/** The heap block that `data` views, if {@linkcode heapAllocation} made it. */
export function heapBlockOf(data: TensorData): HeapBlock | undefined {
  return blocks.get(data);
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
