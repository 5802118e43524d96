/**
 * Each task kind as one dispatch: which kernel, its buffers in binding
 * order (and whether it reads and writes each), the numbers it reads (a
 * u32 array, floats by their bits) and the grid of workgroups. Tasks see
 * buffers and shapes only; this module sees tasks only.
 *
 * @module
 */
import type { Task, TensorData } from "@matgrad/core/kernels";
import { GEMM_THIN_WGSL, GEMM_TILE, GEMM_WGSL } from "./wgsl/gemm.ts";
import { BINARY_WGSL, EXPAND_WGSL, TRANSPOSE_WGSL, UNARY_WGSL } from "./wgsl/elementwise.ts";
import { COMBINE_WGSL, REDUCE_WGSL } from "./wgsl/reduce.ts";
import { MSE_GRAD_WGSL, MSE_WGSL, XENT_GRAD_WGSL, XENT_WGSL } from "./wgsl/loss.ts";
import { ADAM_WGSL, SGD_WGSL } from "./wgsl/optim.ts";

/** A buffer of a dispatch: the task's typed array and how the kernel uses it. */
export interface Binding {
  /** The task's typed array (a device placeholder or host memory). */
  readonly data: TensorData;
  /** Whether the kernel reads it. */
  readonly reads: boolean;
  /** Whether the kernel writes it. */
  readonly writes: boolean;
}

/** One compute dispatch. */
export interface Dispatch {
  /** The kernel's WGSL (also its cache key). */
  readonly wgsl: string;
  /** The buffers, bindings 0…; the meta buffer follows them. */
  readonly bindings: readonly Binding[];
  /** The numbers the kernel reads. */
  readonly meta: Uint32Array;
  /** Workgroups along x, y and z. */
  readonly grid: readonly [number, number, number];
}

const MAX_GROUPS = 65535;

/** A 2-D grid of `size`-thread workgroups covering `threads` (see the kernels' `index()`). */
export function grid(threads: number, size = 256): [number, number, number] {
  const groups = Math.ceil(threads / size);
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

const f32Bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const meta = (values: readonly number[]) => Uint32Array.from(values);
const r = (data: TensorData): Binding => ({ data, reads: true, writes: false });
const w = (data: TensorData): Binding => ({ data, reads: false, writes: true });
const rw = (data: TensorData): Binding => ({ data, reads: true, writes: true });

/** The dispatch of `task`, or undefined when it has nothing to do. */
export function encodeTask(task: Task): Dispatch | undefined {
  switch (task.kind) {
    case "gemm": {
      const s = task.spec;
      const outputs = s.cOffsets.length;
      if (s.m === 0 || s.n === 0 || outputs === 0) return undefined;
      if (outputs > MAX_GROUPS) {
        throw new RangeError(
          `webgpu: a batched product of ${outputs} matrices exceeds ${MAX_GROUPS} per dispatch`,
        );
      }
      const thin = s.m < 16 || s.n < 16;
      const [gx, gy] = grid(s.m * s.n);
      return {
        wgsl: thin ? GEMM_THIN_WGSL : GEMM_WGSL,
        bindings: [r(task.x), r(task.y), w(task.out)],
        meta: meta([
          s.m,
          s.n,
          s.k,
          s.ldx,
          s.ldy,
          s.ldc,
          s.transX ? 1 : 0,
          s.transY ? 1 : 0,
          outputs,
          ...s.cOffsets,
          ...s.termStart,
          ...s.xOffsets,
          ...s.yOffsets,
        ]),
        grid: thin
          ? [gx, gy, outputs]
          : [Math.ceil(s.n / GEMM_TILE), Math.ceil(s.m / GEMM_TILE), outputs],
      };
    }
    case "binary": {
      const n = task.out.length;
      if (n === 0) return undefined;
      const nd = task.shape.length;
      return {
        wgsl: BINARY_WGSL,
        bindings: [r(task.a), r(task.b), w(task.out)],
        meta: meta([n, task.op, nd, ...task.shape, ...task.sa, ...task.sb]),
        grid: grid(n),
      };
    }
    case "unary": {
      const n = task.out.length;
      if (n === 0) return undefined;
      return {
        wgsl: UNARY_WGSL,
        bindings: [r(task.x), w(task.out)],
        meta: meta([n, task.op, f32Bits(task.c)]),
        grid: grid(n),
      };
    }
    case "expand": {
      const n = task.out.length;
      if (n === 0) return undefined;
      const same = task.x.length === n;
      const shape = same ? [n] : task.shape;
      const sx = same ? [1] : task.sx;
      return {
        wgsl: EXPAND_WGSL,
        bindings: [r(task.x), w(task.out)],
        meta: meta([n, shape.length, ...shape, ...sx]),
        grid: grid(n),
      };
    }
    case "transpose": {
      const n = task.x.length;
      if (n === 0) return undefined;
      return {
        wgsl: TRANSPOSE_WGSL,
        bindings: [r(task.x), w(task.out)],
        meta: meta([n, task.rows, task.cols]),
        grid: grid(n),
      };
    }
    case "reduce": {
      const threads = task.outLen * task.blocks;
      if (task.outLen === 0) return undefined;
      let positions = 1;
      for (const d of task.reducedDims) positions *= d;
      return {
        wgsl: REDUCE_WGSL,
        bindings: [r(task.g), w(task.out)],
        meta: meta([
          task.outLen,
          task.blocks,
          task.blockLen,
          positions,
          task.keptDims.length,
          task.reducedDims.length,
          ...task.keptDims,
          ...task.keptStrides,
          ...task.reducedDims,
          ...task.reducedStrides,
        ]),
        grid: grid(threads),
      };
    }
    case "combine": {
      if (task.outLen === 0) return undefined;
      return {
        wgsl: COMBINE_WGSL,
        bindings: [r(task.partial), w(task.out)],
        meta: meta([task.outLen, task.blocks, f32Bits(task.divisor)]),
        grid: grid(task.outLen),
      };
    }
    case "mse": {
      if (task.units === 0) return undefined;
      return {
        wgsl: MSE_WGSL,
        bindings: [r(task.p), r(task.t), w(task.partial)],
        meta: meta([task.p.length, task.blockLen, task.units]),
        grid: grid(task.units),
      };
    }
    case "mseGrad": {
      const n = task.out.length;
      if (n === 0) return undefined;
      return {
        wgsl: MSE_GRAD_WGSL,
        bindings: [r(task.p), r(task.t), r(task.gs), w(task.out)],
        meta: meta([n, task.n]),
        grid: grid(n),
      };
    }
    case "xent": {
      if (task.units === 0 || task.c === 0) return undefined;
      return {
        wgsl: XENT_WGSL,
        bindings: [
          r(task.logits),
          r(task.labels),
          w(task.probs),
          w(task.logSoftmax),
          w(task.losses),
        ],
        meta: meta([task.units, task.c, task.indexed]),
        grid: grid(task.units, 64),
      };
    }
    case "xentGrad": {
      if (task.units === 0 || task.c === 0) return undefined;
      return {
        wgsl: XENT_GRAD_WGSL,
        bindings: [r(task.probs), r(task.labels), r(task.gs), w(task.out)],
        meta: meta([task.units, task.c, task.indexed, task.n]),
        grid: grid(task.units, 64),
      };
    }
    case "sgd": {
      const n = task.p.length;
      if (n === 0) return undefined;
      const momentum = task.v.length > 0;
      return {
        wgsl: SGD_WGSL,
        // Plain SGD binds its empty velocity (a dummy buffer there).
        bindings: [rw(task.p), r(task.g), momentum ? rw(task.v) : w(task.v)],
        meta: meta([n, momentum ? 1 : 0, f32Bits(task.lr), f32Bits(task.momentum)]),
        grid: grid(n),
      };
    }
    case "adam": {
      const n = task.p.length;
      if (n === 0) return undefined;
      return {
        wgsl: ADAM_WGSL,
        bindings: [rw(task.p), r(task.g), rw(task.m), rw(task.v)],
        meta: meta([
          n,
          ...[task.lr, task.beta1, task.beta2, task.eps, task.c1, task.c2].map(f32Bits),
        ]),
        grid: grid(n),
      };
    }
    case "gatherRows":
    case "scatterRows":
      // takeRows refuses a device executor before it makes a task; this is the backstop.
      throw new TypeError(`webgpu: ${task.kind} tasks run on the CPU executors only`);
  }
}
