/**
 * {@linkcode matmul} and, right beside it, its gradient rule
 * {@linkcode matmulGrad}. Each is prepared once (checked, planned, its
 * outputs allocated through the active executor), run as tasks by the
 * executor, and finished (wrapped, recorded for autograd).
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import type { DType, TensorData } from "../dtype.ts";
import { ShapeError } from "../errors.ts";
import { cheaperAxis, GEMM_BAND, type GemmTask, gemmUnits } from "../kernels/gemm_task.ts";
import type { GemmRun, Task } from "../kernels/tasks.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import { allocateData, allocateFor, disown } from "../tensor/storage.ts";
import { describe, sharesMemory, storageOf, Tensor } from "../tensor/tensor.ts";
import {
  cachedPlan,
  forwardOf,
  gradsOf,
  type MatmulOptions,
  type MatmulPlan,
} from "./matmul_plan.ts";
import { checkOut, checkTensor, copyTask, resultDType } from "./op_helpers.ts";
import { getExecutor } from "../executor/executor.ts";

/**
 * An op checked, planned and allocated, not yet run: its stages of tasks
 * (the tasks of a stage are independent; stages run in order), then
 * `finish` for the result. Executors that run asynchronously use this form.
 */
export interface PreparedOp<R> {
  /** The tasks to run: stage by stage, the tasks of a stage in any order or at once. */
  readonly stages: readonly (readonly Task[])[];
  /** Wraps and records the result, once every stage has run. */
  finish(): R;
}

/** Runs a prepared op on the active executor, synchronously. */
export function runPrepared<R>(op: PreparedOp<R>): R {
  const executor = getExecutor();
  for (const stage of op.stages) if (stage.length > 0) executor.run(stage);
  return op.finish();
}

/** The task running `spec` on x, y into out, cut along its cheaper axis (or `axis`). */
function gemmRun(
  spec: GemmTask,
  x: TensorData,
  y: TensorData,
  out: TensorData,
  axis: 0 | 1 = cheaperAxis(spec),
): GemmRun {
  const terms = spec.termStart[spec.termStart.length - 1]!;
  return {
    kind: "gemm",
    spec,
    x,
    y,
    out,
    axis,
    band: GEMM_BAND,
    units: gemmUnits(spec, axis),
    work: 2 * terms * spec.m * spec.n * spec.k,
  };
}

/** `data` in `dtype`: itself, or a new buffer and the task that fills it. */
function castInput(data: TensorData, dtype: DType, tasks: Task[], temps: TensorData[]): TensorData {
  if ((dtype === "float32") === (data instanceof Float32Array)) return data;
  const out = allocateData(dtype, data.length);
  tasks.push(copyTask(data, out));
  temps.push(out);
  return out;
}

/** Options of {@linkcode matmul}. */
export interface MatmulOutOptions extends MatmulOptions {
  /**
   * A tensor to write the result into instead of allocating one. It must have
   * the result's shape and dtype and must not share memory with A or B;
   * otherwise an error is thrown and it is left untouched.
   */
  out?: Tensor;
}

/**
 * The matrix product with NumPy/PyTorch `matmul` semantics.
 *
 * - 2-D·2-D is the matrix product; `transposeA` / `transposeB` read an
 *   operand's last two axes transposed, without copying it.
 * - A 1-D A is a row (1×K) and a 1-D B a column (K×1); that axis is removed
 *   from the result.
 * - N-D operands are stacks of matrices; their batch dimensions broadcast.
 * - float32 with float32 gives float32; anything with float64 gives float64.
 *
 * @throws {TypeError} if an operand is not a Tensor or an option has the wrong type.
 * @throws {ShapeError} if the shapes do not multiply or `out` has the wrong shape.
 * @throws {DTypeError} if `out` has the wrong dtype.
 * @example
 * ```ts
 * import { matmul, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = tensor([[5, 6], [7, 8]]);
 * assertEquals(matmul(a, b).toArray(), [[19, 22], [43, 50]]);
 * assertEquals(matmul(a, b, { transposeB: true }).toArray(), [[17, 23], [39, 53]]);
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOutOptions = {}): Tensor {
  return runPrepared(prepareMatmul(a, b, options));
}

/** {@linkcode matmul}, prepared but not run (for executors that run asynchronously). */
export function prepareMatmul(
  a: Tensor,
  b: Tensor,
  options: MatmulOutOptions = {},
): PreparedOp<Tensor> {
  checkTensor(a, "A", "matmul");
  checkTensor(b, "B", "matmul");
  const dtype = resultDType(a.dtype, b.dtype);
  const cached = cachedPlan(a.shape, b.shape, options, "matmul", dtype);
  const plan = cached.plan;
  const out = options.out === undefined
    ? new Tensor(allocateFor("matmul", plan.outShape, dtype), plan.outShape)
    : checkOut(options.out, plan.outShape, dtype, [a, b], "matmul", "out");
  const casts: Task[] = [];
  const temps: TensorData[] = [];
  const x = castInput(storageOf(a), dtype, casts, temps);
  const y = castInput(storageOf(b), dtype, casts, temps);
  const spec = forwardOf(cached);
  // Forward products are cut into row blocks unless they have a single row.
  const axis = spec.m >= GEMM_BAND || spec.m >= spec.n ? 0 : 1;
  return {
    stages: [casts, [gemmRun(spec, x, y, storageOf(out), axis)]],
    finish() {
      for (const t of temps) disown(t);
      // Backward rule: dA and dB, or only the one a constant operand leaves.
      if (tracing()) {
        const flags = { transposeA: plan.transA, transposeB: plan.transB };
        record(out, [a, b], (g, [needA, needB]) => {
          if (needA && needB) {
            const { dA, dB } = matmulGrad(a, b, g, flags);
            return [dA, dB];
          }
          const which = needA ? "dA" : "dB";
          const d = matmulGradPart(which, a, b, g, flags);
          return needA ? [d, undefined] : [undefined, d];
        });
      }
      return out;
    },
  };
}

/** Options of {@linkcode matmulGrad}. */
export interface MatmulGradOptions extends MatmulOptions {
  /** Where to write dA (A's shape and dtype); see `out` of {@linkcode matmul}. */
  outA?: Tensor;
  /** Where to write dB (B's shape and dtype). */
  outB?: Tensor;
}

/** The gradients of a matrix product with respect to its two operands. */
export interface MatmulGrads {
  /** ∂y/∂A, with exactly A's shape and dtype. */
  dA: Tensor;
  /** ∂y/∂B, with exactly B's shape and dtype. */
  dB: Tensor;
}

/**
 * The backward rule of {@linkcode matmul}: given `dC = ∂y/∂C` for
 * `C = matmul(a, b, options)`, returns `∂y/∂A` and `∂y/∂B`.
 *
 * For C = A·B: dA = dC·Bᵀ and dB = Aᵀ·dC. With transposed operands:
 * C = A·Bᵀ gives dA = dC·B, dB = dCᵀ·A; C = Aᵀ·B gives dA = B·dCᵀ, dB = A·dC;
 * C = Aᵀ·Bᵀ gives dA = Bᵀ·dCᵀ, dB = dCᵀ·Aᵀ. Transposes are read, never copied.
 * Gradients of broadcast batch dimensions are summed back, so `dA` has A's
 * shape and `dB` has B's shape exactly (as in PyTorch). They are computed in
 * the product's dtype and returned in each operand's own dtype.
 *
 * @throws {ShapeError} if `dC` does not have the product's shape.
 * @example
 * ```ts
 * import { matmulGrad, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = tensor([[5, 6], [7, 8]]);
 * const dC = tensor([[1, 0], [0, 1]]);
 * const { dA, dB } = matmulGrad(a, b, dC);
 * assertEquals(dA.toArray(), [[5, 7], [6, 8]]); // dC·Bᵀ
 * assertEquals(dB.toArray(), [[1, 3], [2, 4]]); // Aᵀ·dC
 * ```
 */
export function matmulGrad(
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulGradOptions = {},
): MatmulGrads {
  const { dA, dB } = runPrepared(prepareGradients("matmulGrad", a, b, dC, options, true, true));
  return { dA: dA!, dB: dB! };
}

/** One of the two gradients of a matrix product: ∂y/∂A (`"dA"`) or ∂y/∂B (`"dB"`). */
export type MatmulGradName = "dA" | "dB";

/**
 * One gradient of {@linkcode matmulGrad}, with exactly the bits `matmulGrad`
 * gives it, for half the work: in `X·W` with a constant input X, training
 * needs only `dB` (∂y/∂W). The autograd functions use it for every matmul
 * whose other operand is a constant.
 *
 * @param which `"dA"` (A's shape and dtype) or `"dB"` (B's).
 * @param options Transposes as given to `matmul`, and `out`: where to write the gradient.
 * @throws {TypeError} if `which` is neither `"dA"` nor `"dB"`, or as {@linkcode matmulGrad}.
 * @throws {ShapeError} if `dC` does not have the product's shape.
 * @example
 * ```ts
 * import { matmulGrad, matmulGradPart, randn } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const x = randn([8, 3], { seed: 1 });
 * const w = randn([3, 2], { seed: 2 });
 * const dC = randn([8, 2], { seed: 3 });
 * const dW = matmulGradPart("dB", x, w, dC);
 * assertEquals(dW.data, matmulGrad(x, w, dC).dB.data);
 * ```
 */
export function matmulGradPart(
  which: MatmulGradName,
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulOutOptions = {},
): Tensor {
  const op = prepareMatmulGradPart(which, a, b, dC, options);
  return runPrepared(op);
}

/** {@linkcode matmulGradPart}, prepared but not run. */
export function prepareMatmulGradPart(
  which: MatmulGradName,
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulOutOptions = {},
): PreparedOp<Tensor> {
  const fn = "matmulGradPart";
  checkGradName(which, fn);
  const { out, ...rest } = options ?? {};
  const wantA = which === "dA";
  const op = prepareGradients(
    fn,
    a,
    b,
    dC,
    { ...rest, [wantA ? "outA" : "outB"]: out },
    wantA,
    !wantA,
  );
  return { stages: op.stages, finish: () => (wantA ? op.finish().dA : op.finish().dB)! };
}

/** {@linkcode matmulGrad}, prepared but not run. */
export function prepareMatmulGrad(
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulGradOptions = {},
): PreparedOp<MatmulGrads> {
  const op = prepareGradients("matmulGrad", a, b, dC, options, true, true);
  return {
    stages: op.stages,
    finish() {
      const { dA, dB } = op.finish();
      return { dA: dA!, dB: dB! };
    },
  };
}

/** Throws a TypeError naming `fn` unless `which` is `"dA"` or `"dB"`. */
export function checkGradName(which: unknown, fn: string): asserts which is MatmulGradName {
  if (which !== "dA" && which !== "dB") {
    throw new TypeError(`${fn}: which must be "dA" or "dB", got ${describe(which)}`);
  }
}

/** The checks and the products of `matmulGrad`, for the gradients asked for. */
function prepareGradients(
  fn: string,
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulGradOptions,
  needA: boolean,
  needB: boolean,
): PreparedOp<Partial<MatmulGrads>> {
  checkTensor(a, "A", fn);
  checkTensor(b, "B", fn);
  checkTensor(dC, "dC", fn);
  const dtype = resultDType(resultDType(a.dtype, b.dtype), dC.dtype);
  const cached = cachedPlan(a.shape, b.shape, options, fn, dtype);
  checkGradShape(cached.plan, dC, fn);
  const outA = options.outA === undefined
    ? undefined
    : checkOut(options.outA, a.shape, a.dtype, [a, b, dC], fn, needB ? "outA" : "out");
  const outB = options.outB === undefined
    ? undefined
    : checkOut(options.outB, b.shape, b.dtype, [a, b, dC], fn, needA ? "outB" : "out");
  if (outA !== undefined && outB !== undefined && sharesMemory(storageOf(outA), storageOf(outB))) {
    throw new RangeError(`${fn}: outA and outB share memory`);
  }
  const tasks = gradsOf(cached);
  const casts: Task[] = [];
  const products: Task[] = [];
  const backs: Task[] = [];
  const temps: TensorData[] = [];
  const inputs: Partial<Record<string, TensorData>> = {};
  const buf = (name: string): TensorData =>
    inputs[name] ??= castInput(
      name === "a" ? storageOf(a) : name === "b" ? storageOf(b) : storageOf(dC),
      dtype,
      casts,
      temps,
    );
  // Compute straight into the destination when dtypes agree; otherwise
  // compute in the product's dtype and round once at the end.
  const result = (task: GemmTask, like: Tensor, out: Tensor | undefined): Tensor => {
    const target = out?.dtype === dtype
      ? storageOf(out)
      : like.dtype === dtype
      ? allocateFor(fn, like.shape, dtype)
      : allocateData(dtype, like.size);
    products.push(gemmRun(task, buf(task.x), buf(task.y), target));
    if (out !== undefined) {
      if (target !== storageOf(out)) {
        backs.push(copyTask(target, storageOf(out)));
        temps.push(target);
      }
      return out;
    }
    if (like.dtype === dtype) return new Tensor(target, like.shape);
    const final = allocateFor(fn, like.shape, like.dtype);
    backs.push(copyTask(target, final));
    temps.push(target);
    return new Tensor(final, like.shape);
  };
  const dA = needA ? result(tasks.dA, a, outA) : undefined;
  const dB = needB ? result(tasks.dB, b, outB) : undefined;
  return {
    stages: [casts, products, backs],
    finish() {
      for (const t of temps) disown(t);
      return { dA, dB };
    },
  };
}

/** Checks that dC has the product's shape. */
export function checkGradShape(plan: MatmulPlan, dC: Tensor, fn = "matmulGrad"): void {
  if (!sameShape(dC.shape, plan.outShape)) {
    throw new ShapeError(
      `${fn}: dC has shape ${formatShape(dC.shape)} but the product of ${
        formatShape(plan.aShape)
      } and ${formatShape(plan.bShape)} has shape ${formatShape(plan.outShape)}`,
    );
  }
}
