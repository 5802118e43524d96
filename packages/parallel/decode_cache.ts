/**
 * The worker's memory of tasks it decoded. A training loop posts the same
 * tasks every step (the same plans over heap blocks that the free lists hand
 * back at the same offsets), so a task whose encoding matches one decoded
 * before, bit for bit, reuses that decoded task instead of building its
 * objects and typed-array views again.
 *
 * @module
 */
import { decodeTask, type Task, type TensorData } from "@matgrad/core/kernels";

/** Makes a buffer's view from its encoding: dtype code, byte offset, length. */
export type ViewOf = (code: number, offset: number, length: number) => TensorData;

interface Entry {
  /**
   * The encoding's 32-bit words, to compare bit for bit (so 0 and −0
   * differ); a plain array, since each typed array would be a separate
   * allocation outside the JS heap, which a busy worker's allocator frees late.
   */
  readonly words: number[];
  readonly task: Task;
}

/** Entries kept before the cache starts over: far more tasks than a step has. */
const CAPACITY = 512;

/**
 * Decoded tasks by their encodings.
 *
 * @example
 * ```ts
 * import { DecodeCache } from "./decode_cache.ts";
 * import { encodeTask } from "@matgrad/core/kernels";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const data = new Float32Array(8);
 * const cmd = new Float64Array(64);
 * const end = encodeTask(
 *   { kind: "unary", op: 0, c: 0, x: data, out: data, units: 1, work: 8 } as never,
 *   cmd,
 *   0,
 *   () => 0,
 * );
 * const cache = new DecodeCache(() => data);
 * assertStrictEquals(cache.task(cmd, 0, end), cache.task(cmd, 0, end));
 * ```
 */
export class DecodeCache {
  readonly #view: ViewOf;
  readonly #entries = new Map<number, Entry[]>();
  #size = 0;
  #words: Int32Array | undefined;

  /** A cache whose decoded buffers are made by `view`. */
  constructor(view: ViewOf) {
    this.#view = view;
  }

  /** The task encoded in `commands[start, end)`: one decoded before, or decoded now. */
  task(commands: Float64Array, start: number, end: number): Task {
    // Over the whole buffer (length-tracking where it grows), so that a lookup allocates nothing.
    if (this.#words?.buffer !== commands.buffer) this.#words = new Int32Array(commands.buffer);
    const words = this.#words;
    const from = (commands.byteOffset >> 2) + 2 * start, to = (commands.byteOffset >> 2) + 2 * end;
    let h = 0x811c9dc5;
    for (let i = from; i < to; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
    const bucket = this.#entries.get(h);
    if (bucket !== undefined) {
      for (const entry of bucket) if (same(entry.words, words, from, to)) return entry.task;
    }
    const task = decodeTask(commands, start, this.#view);
    if (this.#size >= CAPACITY) {
      this.#entries.clear();
      this.#size = 0;
    }
    const copy: number[] = new Array(to - from);
    for (let i = from; i < to; i++) copy[i - from] = words[i]!;
    const entry: Entry = { words: copy, task };
    if (bucket === undefined || this.#size === 0) this.#entries.set(h, [entry]);
    else bucket.push(entry);
    this.#size++;
    return task;
  }
}

/** Whether `a` holds the same words as `b[from, to)`. */
function same(a: readonly number[], b: Int32Array, from: number, to: number): boolean {
  if (a.length !== to - from) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[from + i]) return false;
  return true;
}
