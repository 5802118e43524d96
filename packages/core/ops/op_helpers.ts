/**
 * The helpers every op shares: argument and output checks, dtype casts
 * through the active executor, and handing tasks to it.
 *
 * @module
 */
import { DTypeError, ShapeError } from "../errors.ts";
import { getExecutor } from "../executor/executor.ts";
import type { DType, TensorData } from "../dtype.ts";
import type { ExpandRun, Task } from "../kernels/tasks.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import { allocateData } from "../tensor/storage.ts";
import { describe, isTensor, sharesMemory, storageOf, type Tensor } from "../tensor/tensor.ts";

export { resultDType } from "../dtype.ts";

/** Throws a TypeError naming the argument unless `t` is a Tensor. */
export function checkTensor(t: unknown, name: string, fn: string): asserts t is Tensor {
  if (!isTensor(t)) {
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
    if (sharesMemory(storageOf(out), storageOf(t))) {
      throw new RangeError(
        `${fn}: ${name} shares memory with an input (${t}); the kernel would read what it writes`,
      );
    }
  }
  return out;
}

/** Hands independent tasks to the active executor. */
export function run(...tasks: Task[]): void {
  getExecutor().run(tasks);
}

/** A task copying `x` into `out` element by element (converting the dtype on store). */
export function copyTask(x: TensorData, out: TensorData): ExpandRun {
  return {
    kind: "expand",
    shape: [x.length],
    x,
    sx: [1],
    out,
    units: x.length,
    work: 20 * x.length,
  };
}

/**
 * Returns `data` in `dtype`, copied through the active executor only when
 * the dtype differs (float64 to float32 rounds to nearest, as `set` does).
 */
export function cast(data: TensorData, dtype: DType): TensorData {
  if ((dtype === "float32") === (data instanceof Float32Array)) return data;
  const out = allocateData(dtype, data.length);
  run(copyTask(data, out));
  return out;
}
