/**
 * {@linkcode matmul} and, right beside it, its gradient rule
 * {@linkcode matmulGrad}. The op checks and sizes; the kernels loop.
 *
 * @module
 */
import { MatmulRequest, record, tracing } from "../autograd/tape.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { getKernels } from "../kernels/backend.ts";
import { runGemmTask } from "../kernels/gemm_task.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import {
  allocate,
  describe,
  type DType,
  sharesMemory,
  Tensor,
  type TensorData,
} from "../tensor/tensor.ts";
import {
  forwardOf,
  gradsOf,
  type MatmulOptions,
  type MatmulPlan,
  plannedMatmul,
} from "./matmul_plan.ts";

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
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = tensor([[5, 6], [7, 8]]);
 * assert.deepEqual(matmul(a, b).toArray(), [[19, 22], [43, 50]]);
 * assert.deepEqual(matmul(a, b, { transposeB: true }).toArray(), [[17, 23], [39, 53]]);
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOutOptions = {}): Tensor {
  checkTensor(a, "A", "matmul");
  checkTensor(b, "B", "matmul");
  const planned = plannedMatmul(a.shape, b.shape, options, "matmul");
  const plan = planned.plan;
  const dtype = resultDType(a.dtype, b.dtype);
  const out = options.out === undefined
    ? new Tensor(allocate(dtype, sizeOfShape(plan.outShape)), plan.outShape)
    : checkOut(options.out, plan.outShape, dtype, [a, b], "matmul", "out");
  runGemmTask(
    getKernels().gemm,
    forwardOf(planned),
    cast(a.data, dtype),
    cast(b.data, dtype),
    out.data,
  );
  // Backward rule: matmulGrad(a, b, dC, flags), deferred to the autograd driver.
  if (tracing()) {
    const flags = { transposeA: plan.transA, transposeB: plan.transB };
    record(out, [a, b], (dC) => new MatmulRequest(a, b, dC, flags));
  }
  return out;
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
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = tensor([[5, 6], [7, 8]]);
 * const dC = tensor([[1, 0], [0, 1]]);
 * const { dA, dB } = matmulGrad(a, b, dC);
 * assert.deepEqual(dA.toArray(), [[5, 7], [6, 8]]); // dC·Bᵀ
 * assert.deepEqual(dB.toArray(), [[1, 3], [2, 4]]); // Aᵀ·dC
 * ```
 */
export function matmulGrad(
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulGradOptions = {},
): MatmulGrads {
  const { dA, dB } = gradients("matmulGrad", a, b, dC, options, true, true);
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
 * import assert from "node:assert/strict";
 *
 * const x = randn([8, 3], { seed: 1 });
 * const w = randn([3, 2], { seed: 2 });
 * const dC = randn([8, 2], { seed: 3 });
 * const dW = matmulGradPart("dB", x, w, dC);
 * assert.deepEqual(dW.data, matmulGrad(x, w, dC).dB.data);
 * ```
 */
export function matmulGradPart(
  which: MatmulGradName,
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulOutOptions = {},
): Tensor {
  const fn = "matmulGradPart";
  checkGradName(which, fn);
  const { out, ...rest } = options ?? {};
  const wantA = which === "dA";
  const r = gradients(fn, a, b, dC, { ...rest, [wantA ? "outA" : "outB"]: out }, wantA, !wantA);
  return (wantA ? r.dA : r.dB)!;
}

/** Throws a TypeError naming `fn` unless `which` is `"dA"` or `"dB"`. */
export function checkGradName(which: unknown, fn: string): asserts which is MatmulGradName {
  if (which !== "dA" && which !== "dB") {
    throw new TypeError(`${fn}: which must be "dA" or "dB", got ${describe(which)}`);
  }
}

/** The checks and the products of `matmulGrad`, for the gradients asked for. */
function gradients(
  fn: string,
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: MatmulGradOptions,
  needA: boolean,
  needB: boolean,
): Partial<MatmulGrads> {
  checkTensor(a, "A", fn);
  checkTensor(b, "B", fn);
  checkTensor(dC, "dC", fn);
  const planned = plannedMatmul(a.shape, b.shape, options, fn);
  checkGradShape(planned.plan, dC, fn);
  const dtype = resultDType(resultDType(a.dtype, b.dtype), dC.dtype);
  const dA = options.outA === undefined
    ? undefined
    : checkOut(options.outA, a.shape, a.dtype, [a, b, dC], fn, needB ? "outA" : "out");
  const dB = options.outB === undefined
    ? undefined
    : checkOut(options.outB, b.shape, b.dtype, [a, b, dC], fn, needA ? "outB" : "out");
  if (dA !== undefined && dB !== undefined && sharesMemory(dA.data, dB.data)) {
    throw new RangeError(`${fn}: outA and outB share memory`);
  }
  const tasks = gradsOf(planned);
  const gemm = getKernels().gemm;
  let castA: TensorData | undefined, castB: TensorData | undefined, castDC: TensorData | undefined;
  const buf = (name: string): TensorData =>
    name === "a"
      ? castA ??= cast(a.data, dtype)
      : name === "b"
      ? castB ??= cast(b.data, dtype)
      : castDC ??= cast(dC.data, dtype);
  const result = (task: typeof tasks.dA, like: Tensor, out: Tensor | undefined): Tensor => {
    // Compute straight into the destination when dtypes agree; otherwise
    // compute in the product's dtype and round once at the end.
    const direct = out !== undefined && out.dtype === dtype;
    const target = direct ? out.data : allocate(dtype, like.size);
    runGemmTask(gemm, task, buf(task.x), buf(task.y), target);
    if (direct) return out;
    if (out !== undefined) {
      out.data.set(target);
      return out;
    }
    return new Tensor(like.dtype === dtype ? target : cast(target, like.dtype), like.shape);
  };
  return {
    dA: needA ? result(tasks.dA, a, dA) : undefined,
    dB: needB ? result(tasks.dB, b, dB) : undefined,
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

/** float32 only when both are float32, as NumPy and JAX promote. */
export function resultDType(a: DType, b: DType): DType {
  return a === "float64" || b === "float64" ? "float64" : "float32";
}

/** Returns `data` in `dtype`, copying only when the dtype differs. */
export function cast(data: TensorData, dtype: DType): TensorData {
  if (dtype === "float32") return data instanceof Float32Array ? data : Float32Array.from(data);
  return data instanceof Float64Array ? data : Float64Array.from(data);
}

/** Throws a TypeError naming the argument unless `t` is a Tensor. */
export function checkTensor(t: unknown, name: string, fn: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new TypeError(`${fn}: ${name} must be a Tensor, got ${describe(t)}`);
  }
}

/**
 * Checks an output tensor before anything is written: a Tensor of `shape`
 * and `dtype` that shares no memory with `inputs`. Returns it.
 *
 * @throws {TypeError} if `out` is not a Tensor.
 * @throws {ShapeError} if its shape differs from `shape`.
 * @throws {DTypeError} if its dtype differs from `dtype`.
 * @throws {RangeError} if it overlaps an input.
 * @example
 * ```ts
 * import { checkOut, tensor, zeros } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[1, 2]]);
 * assert.throws(() => checkOut(zeros([2, 2]), [1, 1], "float32", [a], "matmul", "out"), {
 *   name: "ShapeError",
 *   message: "matmul: out has shape 2×2 but the result has shape 1×1",
 * });
 * ```
 */
export function checkOut(
  out: Tensor,
  shape: readonly number[],
  dtype: DType,
  inputs: readonly Tensor[],
  fn: string,
  name: string,
): Tensor {
  checkTensor(out, name, fn);
  if (!sameShape(out.shape, shape)) {
    throw new ShapeError(
      `${fn}: ${name} has shape ${formatShape(out.shape)} but the result has shape ${
        formatShape(shape)
      }`,
    );
  }
  if (out.dtype !== dtype) {
    throw new DTypeError(`${fn}: ${name} has dtype ${out.dtype} but the result is ${dtype}`);
  }
  for (const t of inputs) {
    if (sharesMemory(out.data, t.data)) {
      throw new RangeError(
        `${fn}: ${name} shares memory with an input (${t}); the kernel would read what it writes`,
      );
    }
  }
  return out;
}

function sizeOfShape(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}
