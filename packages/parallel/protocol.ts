/**
 * What the pool and its workers say to each other (over comlink). Plain data
 * and typed-array views of SharedArrayBuffers only, so that structured
 * cloning copies no element.
 *
 * @module
 */
import type { GemmTask, TaskBlock, TaskBuffer } from "@matgrad/core/kernels";
import type { TensorData } from "@matgrad/core";
import type { GateTicket } from "./post_gate.ts";

/** One block of one task. */
export interface Job {
  /** The product. */
  readonly task: GemmTask;
  /** The part of its output to compute. */
  readonly block: TaskBlock;
}

/** The buffers of one call, by the names tasks use. */
export type JobBuffers = Partial<Record<TaskBuffer, TensorData>>;

/** Which kernels to use: the main thread's, so that workers compute serial's bits. */
export interface BackendId {
  /** The backend's name (`getBackend()`). */
  readonly name: string;
  /** Whether its float32 products fuse multiply and add. */
  readonly fused: boolean;
}

/** The functions a worker exposes. */
export interface WorkerApi {
  /** The handshake: answers with the worker's default kernel backend. */
  ping(): BackendId;
  /**
   * Runs `jobs` with the kernels of `backend`, writing into shared buffers;
   * with a `gate` ticket, only once the pool has posted the rest of the call.
   */
  run(backend: BackendId, buffers: JobBuffers, jobs: readonly Job[], gate?: GateTicket): void;
  /** Test hook: throws an uncaught error right after answering, killing the worker. */
  crash(): void;
}

/**
 * What a worker posts, outside comlink, when an error escapes it: the worker
 * handles its own uncaught errors (so that the runtime does not print them
 * as well), reports them with this message and closes itself; the pool then
 * treats it as crashed.
 */
export interface CrashReport {
  /** Marks the message as a crash report (comlink's messages have an `id` instead). */
  readonly matgradWorkerCrash: true;
  /** The error's message, e.g. `Error: out of memory`. */
  readonly message: string;
  /** The error's stack, when it has one. */
  readonly stack?: string;
}

/** Whether a message from a worker is a {@linkcode CrashReport}. */
export function isCrashReport(data: unknown): data is CrashReport {
  return typeof data === "object" && data !== null &&
    (data as Partial<CrashReport>).matgradWorkerCrash === true;
}
