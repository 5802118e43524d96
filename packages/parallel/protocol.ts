/**
 * How the pool and its workers talk. comlink carries the start-up (`init`);
 * every stage goes through shared memory. The pool writes the stage's tasks
 * and its chunks (ranges of their units) into the command buffer, publishes
 * the chunk count in the claim word, and bumps each worker's job number.
 * Every thread, the calling one included, then claims chunks one at a time
 * with a compare-and-swap on the claim word and counts each one it finishes;
 * the stage is done when that count reaches the chunks'. So a worker that
 * wakes late (or is descheduled) leaves its chunks to the others instead of
 * holding the stage up, and which thread ran a chunk never changes a bit.
 *
 * @module
 */

/** Int32 slots per worker in the control buffer. */
export const SLOT = 16;
/** The job number the pool posted. */
export const SEQ = 0;
/** The job number the worker finished. */
export const DONE = 1;
/** 0 while well; {@linkcode FAILED} after a job threw; {@linkcode CRASHED} once it died. */
export const STATUS = 2;
/** Bytes of error text the worker wrote. */
export const ERROR_LENGTH = 3;
/** Set to 1 to make the worker die with an error at its next wake (tests only). */
export const CRASH = 4;

/** Where the stage's words start: one slot after the workers' ({@linkcode stageBase}). */
export function stageBase(workers: number): number {
  return workers * SLOT;
}
/** The claim word: chunk count × 2¹⁶ + the next unclaimed chunk. */
export const CLAIM = 0;
/** Chunks finished. */
export const FINISHED = 1;
/** The kernels to run with: {@linkcode BACKEND_CODES}. */
export const BACKEND = 2;
/** Where the chunk table starts in the command buffer: `[count, start of each chunk…]`. */
export const CHUNKS = 3;
/** The most chunks a stage has (the count must fit the claim word's upper half). */
export const MAX_CHUNKS = 0x7fff;

/** A job threw; its message is in the error area. */
export const FAILED = 1;
/** The worker died; its error is in the error area. */
export const CRASHED = 2;

/** Bytes of error text kept per worker. */
export const ERROR_BYTES = 4096;

/** Kernel backends by code: the pool's choice, which each job carries. */
export const BACKEND_CODES = [
  { name: "js", fused: false },
  { name: "wasm", fused: false },
  { name: "wasm", fused: true },
] as const;

/** The control buffer's size for `workers` workers: int32 slots, the stage's, then error text. */
export function controlBytes(workers: number): number {
  return (workers + 1) * SLOT * 4 + workers * ERROR_BYTES;
}

/** Byte offset of worker `index`'s error text. */
export function errorOffset(workers: number, index: number): number {
  return (workers + 1) * SLOT * 4 + index * ERROR_BYTES;
}

/**
 * Claims the next chunk of the stage (the claim word at `ctl[at]`): its
 * index, or −1 once every chunk is claimed. A claimer reads the chunk from
 * the command buffer only after claiming it: the pool rewrites the buffer
 * only once every chunk of the stage is finished, so what it reads is the
 * stage whose chunk it holds, however late it came.
 */
export function claimChunk(ctl: Int32Array, at: number): number {
  for (;;) {
    const word = Atomics.load(ctl, at);
    const next = word & 0xffff;
    if (next >= word >>> 16) return -1;
    if (Atomics.compareExchange(ctl, at, word, word + 1) === word) return next;
  }
}

/** What a worker receives once, at start-up. */
export interface WorkerInit {
  readonly index: number;
  readonly workers: number;
  readonly control: SharedArrayBuffer;
  /** The command buffer (growable): the stage's tasks and each worker's share. */
  readonly commands: SharedArrayBuffer;
  /** The tensor heap: the shared memory every thread's kernels run over. */
  readonly heap: WebAssembly.Memory;
  /** How long an idle worker polls for the next job before it sleeps, in ms. */
  readonly spinMs: number;
  /** The calling thread's compiled kernel modules (importing a shared memory), by `fma`. */
  readonly modules: readonly (readonly [boolean, WebAssembly.Module])[];
}

/** The worker's comlink API. */
export interface WorkerApi {
  /** Starts the job loop; resolves once it is running. */
  init(init: WorkerInit): void;
}

/** A message a worker posts before it closes after an uncaught error. */
export interface CrashReport {
  readonly matgradWorkerCrash: true;
  readonly message: string;
  readonly stack?: string;
}
