/**
 * Tasks as numbers, so that an executor can hand one to another thread
 * through shared memory in well under a microsecond: each kind's fields in
 * a fixed order, buffers as (dtype, byte offset, length) in memory both
 * threads see.
 *
 * @module
 */
import type { TensorData } from "../dtype.ts";
import type { GemmTask, TaskBuffer } from "./gemm_task.ts";
import type { Task, TaskKind } from "./tasks.ts";

interface Layout {
  /** Typed-array fields, in order. */
  readonly bufs: readonly string[];
  /** The buffer fields a task of this kind writes. */
  readonly writes: readonly string[];
  /** Number fields (booleans as 0 and 1), in order. */
  readonly nums: readonly string[];
  /** Number-array fields, in order. */
  readonly arrays: readonly string[];
}

const LAYOUTS: { readonly [K in TaskKind]: Layout } = {
  gemm: { bufs: ["x", "y", "out"], writes: ["out"], nums: ["axis", "band"], arrays: [] },
  binary: { bufs: ["a", "b", "out"], writes: ["out"], nums: ["op"], arrays: ["shape", "sa", "sb"] },
  unary: { bufs: ["x", "out"], writes: ["out"], nums: ["op", "c"], arrays: [] },
  expand: { bufs: ["x", "out"], writes: ["out"], nums: [], arrays: ["shape", "sx"] },
  transpose: { bufs: ["x", "out"], writes: ["out"], nums: ["rows", "cols"], arrays: [] },
  reduce: {
    bufs: ["g", "out"],
    writes: ["out"],
    nums: ["outLen", "blocks", "blockLen", "chunk"],
    arrays: ["keptDims", "keptStrides", "reducedDims", "reducedStrides"],
  },
  mse: { bufs: ["p", "t", "partial"], writes: ["partial"], nums: ["blockLen", "f32"], arrays: [] },
  combine: {
    bufs: ["partial", "out"],
    writes: ["out"],
    nums: ["blocks", "outLen", "divisor"],
    arrays: [],
  },
  mseGrad: { bufs: ["p", "t", "gs", "out"], writes: ["out"], nums: ["n", "f32"], arrays: [] },
  xent: {
    bufs: ["logits", "labels", "probs", "logSoftmax", "losses"],
    writes: ["probs", "logSoftmax", "losses"],
    nums: ["indexed", "c"],
    arrays: [],
  },
  xentGrad: {
    bufs: ["probs", "labels", "gs", "out"],
    writes: ["out"],
    nums: ["indexed", "c", "n"],
    arrays: [],
  },
  sgd: { bufs: ["p", "g", "v"], writes: ["p", "v"], nums: ["lr", "momentum"], arrays: [] },
  adam: {
    bufs: ["p", "g", "m", "v"],
    writes: ["p", "m", "v"],
    nums: ["lr", "beta1", "beta2", "eps", "c1", "c2"],
    arrays: [],
  },
  gatherRows: { bufs: ["x", "index", "out"], writes: ["out"], nums: ["cols"], arrays: [] },
  scatterRows: { bufs: ["g", "index", "out"], writes: ["out"], nums: ["cols"], arrays: [] },
};

const KINDS = Object.keys(LAYOUTS) as TaskKind[];
const NAMES: readonly TaskBuffer[] = ["a", "b", "dC", "c", "dA", "dB"];
const SPEC_NUMS = ["transX", "transY", "m", "n", "k", "ldx", "ldy", "ldc"] as const;
const SPEC_ARRAYS = ["cOffsets", "termStart", "xOffsets", "yOffsets"] as const;

/** The buffers of `task` by field name, each with whether the task writes it. */
export function taskBuffers(task: Task): { name: string; data: TensorData; written: boolean }[] {
  const layout = LAYOUTS[task.kind];
  const t = task as unknown as Record<string, TensorData>;
  return layout.bufs.map((name) => ({
    name,
    data: t[name]!,
    written: layout.writes.includes(name),
  }));
}

/** How many numbers {@linkcode encodeTask} writes for `task`. */
export function encodedSize(task: Task): number {
  const layout = LAYOUTS[task.kind];
  const t = task as unknown as Record<string, readonly number[]>;
  let n = 3 + 3 * layout.bufs.length + layout.nums.length + layout.arrays.length;
  for (const name of layout.arrays) n += t[name]!.length;
  if (task.kind === "gemm") {
    n += 3 + SPEC_NUMS.length + SPEC_ARRAYS.length;
    for (const name of SPEC_ARRAYS) n += task.spec[name].length;
  }
  return n;
}

/** Whether `test` holds for every buffer of `task` (no allocation, unlike {@linkcode taskBuffers}). */
export function everyBuffer(task: Task, test: (data: TensorData) => boolean): boolean {
  const bufs = LAYOUTS[task.kind].bufs;
  const t = task as unknown as Record<string, TensorData>;
  for (let i = 0; i < bufs.length; i++) if (!test(t[bufs[i]!]!)) return false;
  return true;
}

/**
 * Writes `task` into `out` from `at`, each buffer as its dtype code, its
 * byte offset `offsetOf(data)` in memory the reader shares, and its length;
 * returns the index after it.
 */
export function encodeTask(
  task: Task,
  out: Float64Array,
  at: number,
  offsetOf: (data: TensorData) => number,
): number {
  const layout = LAYOUTS[task.kind];
  const t = task as unknown as Record<string, unknown>;
  out[at++] = KINDS.indexOf(task.kind);
  out[at++] = task.units;
  out[at++] = task.work;
  for (const name of layout.bufs) {
    const data = t[name] as TensorData;
    out[at++] = dtypeCode(data);
    out[at++] = offsetOf(data);
    out[at++] = data.length;
  }
  for (const name of layout.nums) out[at++] = Number(t[name]);
  for (const name of layout.arrays) at = writeArray(out, at, t[name] as readonly number[]);
  if (task.kind === "gemm") {
    const s = task.spec;
    out[at++] = NAMES.indexOf(s.x);
    out[at++] = NAMES.indexOf(s.y);
    out[at++] = NAMES.indexOf(s.out);
    for (const name of SPEC_NUMS) out[at++] = Number(s[name]);
    for (const name of SPEC_ARRAYS) at = writeArray(out, at, s[name]);
  }
  return at;
}

function writeArray(out: Float64Array, at: number, values: readonly number[]): number {
  out[at++] = values.length;
  for (let i = 0; i < values.length; i++) out[at++] = values[i]!;
  return at;
}

/**
 * Reads the task {@linkcode encodeTask} wrote at `at`, making each buffer
 * with `view(dtype code, byte offset, length)`.
 */
export function decodeTask(
  src: Float64Array,
  at: number,
  view: (code: number, offset: number, length: number) => TensorData,
): Task {
  const code = src[at++]!;
  const kind = KINDS[code];
  if (kind === undefined) throw new RangeError(`decodeTask: unknown task kind code ${code}`);
  const layout = LAYOUTS[kind];
  // Integers come back as small integers (`| 0`): read from a Float64Array they are
  // doubles, which would make every index in the kernels' loops a float conversion.
  const t: Record<string, unknown> = { kind, units: src[at++]! | 0, work: src[at++] };
  for (const name of layout.bufs) {
    t[name] = view(src[at]!, src[at + 1]!, src[at + 2]!);
    at += 3;
  }
  for (const name of layout.nums) t[name] = integral(src[at++]!);
  for (const name of layout.arrays) {
    const n = src[at++]!;
    t[name] = ints(src, at, n);
    at += n;
  }
  if (kind === "gemm") {
    const s: Record<string, unknown> = {
      x: NAMES[src[at]!],
      y: NAMES[src[at + 1]!],
      out: NAMES[src[at + 2]!],
    };
    at += 3;
    for (const name of SPEC_NUMS) s[name] = src[at++]! | 0;
    s.transX = s.transX === 1;
    s.transY = s.transY === 1;
    for (const name of SPEC_ARRAYS) {
      const n = src[at++]!;
      s[name] = ints(src, at, n);
      at += n;
    }
    t.spec = s as unknown as GemmTask;
  }
  return t as unknown as Task;
}

/** `x` as a small integer when it is one (see {@linkcode decodeTask}). */
function integral(x: number): number {
  // −0 is an integer too, but `| 0` would make it +0: x·(−0) and x·0 differ in sign.
  return Number.isInteger(x) && Math.abs(x) < 2 ** 31 && !Object.is(x, -0) ? x | 0 : x;
}

function ints(src: Float64Array, at: number, n: number): number[] {
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = src[at + i]! | 0;
  return out;
}

/** The dtype code of a typed array in {@linkcode encodeTask}'s buffers: 0 float32, 1 float64. */
export function dtypeCode(data: TensorData): 0 | 1 {
  return data instanceof Float32Array ? 0 : 1;
}
