/**
 * How the pool and its workers talk. comlink carries the start-up (`init`)
 * and test hooks; every job goes through shared memory: the pool writes the
 * stage's tasks into the command buffer and each worker's share of units,
 * bumps the worker's job number, and waits for it to echo that number.
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
/** Where the worker's share starts in the command buffer. */
export const SHARE = 3;
/** The kernels to run with: {@linkcode BACKEND_CODES}. */
export const BACKEND = 4;
/** Bytes of error text the worker wrote. */
export const ERROR_LENGTH = 5;
/** Set to 1 to make the worker die with an error at its next wake (tests only). */
export const CRASH = 6;

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

/** The control buffer's size for `workers` workers: int32 slots, then error text. */
export function controlBytes(workers: number): number {
  return workers * (SLOT * 4 + ERROR_BYTES);
}

/** Byte offset of worker `index`'s error text. */
export function errorOffset(workers: number, index: number): number {
  return workers * SLOT * 4 + index * ERROR_BYTES;
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
