/**
 * Tasks: the planned work of one op on raw buffers, the unit an executor
 * runs. An op makes them (checked, sized, with their outputs allocated);
 * an executor runs each one whole ({@linkcode runTask} over all its units)
 * or splits its units across threads. Units are independent, and each
 * output element is computed by one unit in one fixed order, so every split
 * gives the same bits.
 *
 * Tasks are plain data (numbers, arrays of numbers, typed arrays), so an
 * executor can describe them to another thread.
 *
 * @module
 */
import type { TensorData } from "../dtype.ts";
import { type GemmTask, runGemmBands } from "./gemm_task.ts";
import { runBinary, runExpand, runTranspose, runUnary } from "./elementwise.ts";
import { runCombine, runReduce } from "./reduce.ts";
import { runMse, runMseGrad, runXent, runXentGrad } from "./loss.ts";
import { runAdam, runSgd } from "./optim.ts";
import { runGatherRows, runScatterRows } from "./gather.ts";

/** Fields every task has. */
export interface TaskBase {
  /** Independent pieces of work, numbered 0 … units−1. */
  readonly units: number;
  /**
   * The whole task's cost in flop-equivalents (2 per multiply-add; about 20
   * per step of an element loop), for deciding whether to split it.
   */
  readonly work: number;
}

/** A batched matrix product over bands of rows (axis 0) or columns (axis 1) of the output. */
export interface GemmRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "gemm";
  /** The product and its batch layout. */
  readonly spec: GemmTask;
  /** The left factor (or the input). */
  readonly x: TensorData;
  /** The right factor. */
  readonly y: TensorData;
  /** The output. */
  readonly out: TensorData;
  /** Units are bands of rows (0) or of columns (1). */
  readonly axis: 0 | 1;
  /** Rows or columns per unit. */
  readonly band: number;
}

/** Element-wise `out = a op b` over a broadcast shape; units are output elements. */
export interface BinaryRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "binary";
  /** The operation code. */
  readonly op: number;
  /** The output shape. */
  readonly shape: readonly number[];
  /** The left operand. */
  readonly a: TensorData;
  /** The left operand's strides over `shape` (0 on broadcast axes). */
  readonly sa: readonly number[];
  /** The right operand. */
  readonly b: TensorData;
  /** The right operand's strides over `shape`. */
  readonly sb: readonly number[];
  /** The output. */
  readonly out: TensorData;
}

/** Element-wise `out = op(x, c)`; units are elements. */
export interface UnaryRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "unary";
  /** The operation code. */
  readonly op: number;
  /** The left factor (or the input). */
  readonly x: TensorData;
  /** The output. */
  readonly out: TensorData;
  /** The constant argument (or, for cross-entropy, the number of classes). */
  readonly c: number;
}

/** `out = x` read through strides (broadcasting, casting, copying); units are output elements. */
export interface ExpandRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "expand";
  /** The output shape. */
  readonly shape: readonly number[];
  /** The left factor (or the input). */
  readonly x: TensorData;
  /** The input's strides over `shape` (0 on broadcast axes). */
  readonly sx: readonly number[];
  /** The output. */
  readonly out: TensorData;
}

/** The last two axes of `count` rows×cols matrices swapped; units are source rows. */
export interface TransposeRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "transpose";
  /** The left factor (or the input). */
  readonly x: TensorData;
  /** The output. */
  readonly out: TensorData;
  /** Rows of each source matrix. */
  readonly rows: number;
  /** Columns of each source matrix. */
  readonly cols: number;
}

/**
 * Sums of `g` over its reduced axes, in blocks of the reduced positions:
 * unit (block, chunk of outputs) adds the block's terms of each output in
 * order, in float64, into `out` (one block) or into row `block` of
 * `partial` (several blocks, added up in block order by the op).
 */
export interface ReduceRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "reduce";
  /** The tensor summed. */
  readonly g: TensorData;
  /** The dimensions kept (merged where contiguous). */
  readonly keptDims: readonly number[];
  /** Their strides in `g`. */
  readonly keptStrides: readonly number[];
  /** The dimensions summed over (merged where contiguous). */
  readonly reducedDims: readonly number[];
  /** Their strides in `g`. */
  readonly reducedStrides: readonly number[];
  /** Outputs per block. */
  readonly outLen: number;
  /** Blocks of reduced positions. */
  readonly blocks: number;
  /** Positions (or elements) per block. */
  readonly blockLen: number;
  /** Outputs per unit. */
  readonly chunk: number;
  /** The result (one block) or the block sums, `blocks × outLen` float64. */
  readonly out: TensorData;
}

/** Squared differences of `p` and `t` summed per block of elements into `partial`. */
export interface MseRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "mse";
  /** The prediction (or the parameters updated in place). */
  readonly p: TensorData;
  /** The target. */
  readonly t: TensorData;
  /** The sum of each block, float64. */
  readonly partial: Float64Array;
  /** Positions (or elements) per block. */
  readonly blockLen: number;
  /** Round each difference and square to float32 (the float32 result). */
  readonly f32: number;
}

/**
 * `out = w·2(p − t)` element-wise with `w = gs[0] / n` (rounded to float32
 * when `f32`), rounded as the composed ops round it.
 */
export interface MseGradRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "mseGrad";
  /** The prediction (or the parameters updated in place). */
  readonly p: TensorData;
  /** The target. */
  readonly t: TensorData;
  /** The output. */
  readonly out: TensorData;
  /** The incoming gradient: one element. */
  readonly gs: TensorData;
  /** The count it is divided by. */
  readonly n: number;
  /** 1 to round to float32 as the float32 ops do, else 0. */
  readonly f32: number;
}

/** Row-wise softmax cross-entropy: each row's softmax, log-softmax and loss; units are rows. */
export interface XentRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "xent";
  /** The logits, rows × classes. */
  readonly logits: TensorData;
  /** The labels: probabilities, or one class index per row. */
  readonly labels: TensorData;
  /** 1 when labels are class indices, else 0. */
  readonly indexed: number;
  /** The constant argument (or, for cross-entropy, the number of classes). */
  readonly c: number;
  /** Each row's softmax, float64. */
  readonly probs: Float64Array;
  /** Each row's log-softmax, float64. */
  readonly logSoftmax: Float64Array;
  /** Each row's loss, float64. */
  readonly losses: Float64Array;
}

/** ∂loss/∂logits row by row: `(softmax·Σlabels − labels)·w` with `w = gs[0] / n`; units are rows. */
export interface XentGradRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "xentGrad";
  /** Each row's softmax, float64. */
  readonly probs: Float64Array;
  /** The labels: probabilities, or one class index per row. */
  readonly labels: TensorData;
  /** 1 when labels are class indices, else 0. */
  readonly indexed: number;
  /** The constant argument (or, for cross-entropy, the number of classes). */
  readonly c: number;
  /** The incoming gradient: one element. */
  readonly gs: TensorData;
  /** The count it is divided by (the rows). */
  readonly n: number;
  /** The output. */
  readonly out: TensorData;
}

/**
 * Block sums added up in block order: `out[o] = (Σ_b partial[b·outLen + o]) / divisor`,
 * in float64, stored once; units are outputs.
 */
export interface CombineRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "combine";
  /** The block sums, `blocks × outLen`, float64. */
  readonly partial: TensorData;
  /** Blocks of reduced positions. */
  readonly blocks: number;
  /** Outputs per block. */
  readonly outLen: number;
  /** What each sum is divided by (1: none). */
  readonly divisor: number;
  /** The output. */
  readonly out: TensorData;
}

/** One SGD step in place (with momentum when `v` has elements); units are elements. */
export interface SgdRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "sgd";
  /** The prediction (or the parameters updated in place). */
  readonly p: TensorData;
  /** The tensor summed. */
  readonly g: TensorData;
  /** The velocity (SGD with momentum) or the second moments (Adam), float64; empty for plain SGD. */
  readonly v: Float64Array;
  /** The learning rate. */
  readonly lr: number;
  /** The momentum. */
  readonly momentum: number;
}

/** One Adam step in place; units are elements. */
export interface AdamRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "adam";
  /** The prediction (or the parameters updated in place). */
  readonly p: TensorData;
  /** The tensor summed. */
  readonly g: TensorData;
  /** The first moments, float64. */
  readonly m: Float64Array;
  /** The velocity (SGD with momentum) or the second moments (Adam), float64; empty for plain SGD. */
  readonly v: Float64Array;
  /** The learning rate. */
  readonly lr: number;
  /** The first moments' decay. */
  readonly beta1: number;
  /** The second moments' decay. */
  readonly beta2: number;
  /** Added to the denominator. */
  readonly eps: number;
  /** 1 − beta1^t for this step t. */
  readonly c1: number;
  /** 1 − beta2^t for this step t. */
  readonly c2: number;
}

/** Rows of `x` by index into `out`; units are output rows. */
export interface GatherRowsRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "gatherRows";
  /** The rows taken from, each `cols` elements. */
  readonly x: TensorData;
  /** The row of `x` each output row copies (integers, checked). */
  readonly index: Float64Array;
  /** The output, `index.length` rows. */
  readonly out: TensorData;
  /** Elements per row. */
  readonly cols: number;
}

/** Row `i` of `g` added into row `index[i]` of `out`, in order; one unit. */
export interface ScatterRowsRun extends TaskBase {
  /** The kind of task. */
  readonly kind: "scatterRows";
  /** The rows added, `index.length` of them. */
  readonly g: TensorData;
  /** The row of `out` each row of `g` goes to. */
  readonly index: Float64Array;
  /** The output, zero-filled before. */
  readonly out: TensorData;
  /** Elements per row. */
  readonly cols: number;
}

/** Every kind of task. */
export type Task =
  | GemmRun
  | BinaryRun
  | UnaryRun
  | ExpandRun
  | TransposeRun
  | ReduceRun
  | CombineRun
  | MseRun
  | MseGradRun
  | XentRun
  | XentGradRun
  | SgdRun
  | AdamRun
  | GatherRowsRun
  | ScatterRowsRun;

/** The kinds of task, by name. */
export type TaskKind = Task["kind"];

/** Runs units `[from, to)` of `task` on the calling thread. */
export function runTask(task: Task, from: number, to: number): void {
  if (to <= from) return;
  switch (task.kind) {
    case "gemm":
      return runGemmBands(task, from, to);
    case "binary":
      return runBinary(task, from, to);
    case "unary":
      return runUnary(task, from, to);
    case "expand":
      return runExpand(task, from, to);
    case "transpose":
      return runTranspose(task, from, to);
    case "reduce":
      return runReduce(task, from, to);
    case "combine":
      return runCombine(task, from, to);
    case "mse":
      return runMse(task, from, to);
    case "mseGrad":
      return runMseGrad(task, from, to);
    case "xent":
      return runXent(task, from, to);
    case "xentGrad":
      return runXentGrad(task, from, to);
    case "sgd":
      return runSgd(task, from, to);
    case "adam":
      return runAdam(task, from, to);
    case "gatherRows":
      return runGatherRows(task, from, to);
    case "scatterRows":
      return runScatterRows(task, from, to);
  }
}
