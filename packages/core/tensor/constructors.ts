/**
 * Functions that create tensors: {@linkcode tensor}, {@linkcode zeros},
 * {@linkcode ones}, {@linkcode full}, {@linkcode randn}.
 *
 * @module
 */
import { ShapeError } from "../errors.ts";
import { Xoshiro128 } from "./random.ts";
import { formatShape, sizeOf } from "./shape.ts";
import { allocateFor } from "./storage.ts";
import {
  checkDType,
  describe,
  type DType,
  type NestedArray,
  Tensor,
  type TensorData,
} from "./tensor.ts";

/**
 * Creates a tensor from nested arrays, a flat array, a typed array or a
 * number. The values are copied.
 *
 * Without `shape`, the shape is read from the nesting; with it, the values
 * are taken in row-major order and their count must match. Without `dtype`,
 * a typed array keeps its own dtype and anything else becomes float32.
 *
 * @throws {ShapeError} if the nesting is ragged or the count does not match `shape`.
 * @throws {DTypeError} if `dtype` is not `"float32"` or `"float64"`.
 * @example
 * ```ts
 * import { tensor } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);
 * assertEquals(a.shape, [2, 3]);
 * assertStrictEquals(a.dtype, "float32");
 * const b = tensor([1, 2, 3, 4], [2, 2], "float64");
 * assertEquals(b.toArray(), [[1, 2], [3, 4]]);
 * ```
 */
export function tensor(
  values: NestedArray | readonly number[] | TensorData,
  shape?: readonly number[],
  dtype?: DType,
): Tensor {
  const isTyped = values instanceof Float32Array || values instanceof Float64Array;
  const dt = dtype === undefined
    ? (values instanceof Float64Array ? "float64" : "float32")
    : checkDType(dtype, "tensor");
  if (isTyped) {
    const s = shape ?? [values.length];
    const size = sizeOf(s, "tensor");
    if (size !== values.length) {
      throw new ShapeError(
        `tensor: ${values.length} values do not fill shape ${formatShape(s)} (${size} elements)`,
      );
    }
    const data = allocateFor("tensor", s, dt);
    data.set(values);
    return new Tensor(data, s);
  }
  const inferred: number[] = [];
  inferShape(values, 0, inferred);
  sizeOf(inferred, "tensor");
  const flat = allocateFor("tensor", inferred, dt);
  flatten(values, inferred, 0, flat, 0);
  if (shape === undefined) return new Tensor(flat, inferred);
  const size = sizeOf(shape, "tensor");
  if (size !== flat.length) {
    throw new ShapeError(
      `tensor: ${flat.length} values do not fill shape ${formatShape(shape)} (${size} elements)`,
    );
  }
  return new Tensor(flat, shape);
}

function inferShape(v: unknown, depth: number, out: number[]): void {
  if (Array.isArray(v)) {
    out[depth] = v.length;
    if (v.length > 0) inferShape(v[0], depth + 1, out);
    return;
  }
  if (typeof v !== "number") {
    throw new ShapeError(`tensor: values must be numbers or nested arrays, got ${describe(v)}`);
  }
}

function flatten(
  v: unknown,
  shape: readonly number[],
  depth: number,
  out: TensorData,
  offset: number,
): number {
  if (depth === shape.length) {
    if (typeof v !== "number") {
      throw new ShapeError(
        Array.isArray(v)
          ? `tensor: ragged nesting: expected a number at depth ${depth}, got an array of ${v.length}`
          : `tensor: values must be numbers or nested arrays, got ${describe(v)} at depth ${depth}`,
      );
    }
    out[offset] = v;
    return offset + 1;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) {
    throw new ShapeError(
      `tensor: ragged nesting: expected an array of ${shape[depth]} at depth ${depth}, got ${
        Array.isArray(v) ? `an array of ${v.length}` : describe(v)
      }`,
    );
  }
  for (const x of v) offset = flatten(x, shape, depth + 1, out, offset);
  return offset;
}

/**
 * Creates a tensor filled with `value`.
 *
 * @example
 * ```ts
 * import { full } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(full([2], 7).toArray(), [7, 7]);
 * ```
 */
export function full(shape: readonly number[], value: number, dtype: DType = "float32"): Tensor {
  sizeOf(shape, "full");
  const data = allocateFor("full", shape, checkDType(dtype, "full"));
  data.fill(value);
  return new Tensor(data, shape);
}

/**
 * Creates a tensor of zeros.
 *
 * @example
 * ```ts
 * import { zeros } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(zeros([2, 2], "float64").toArray(), [[0, 0], [0, 0]]);
 * ```
 */
export function zeros(shape: readonly number[], dtype: DType = "float32"): Tensor {
  sizeOf(shape, "zeros");
  return new Tensor(allocateFor("zeros", shape, checkDType(dtype, "zeros"), true), shape);
}

/**
 * Creates a tensor of ones.
 *
 * @example
 * ```ts
 * import { ones } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(ones([3]).toArray(), [1, 1, 1]);
 * ```
 */
export function ones(shape: readonly number[], dtype: DType = "float32"): Tensor {
  sizeOf(shape, "ones");
  const data = allocateFor("ones", shape, checkDType(dtype, "ones"));
  data.fill(1);
  return new Tensor(data, shape);
}

/** Options of {@linkcode randn}. */
export interface RandnOptions {
  /** A 32-bit seed; the same seed gives the same values everywhere. Default: a random seed. */
  seed?: number;
  /** The element type. Default: `"float32"`. */
  dtype?: DType;
  /** The standard deviation. Default: 1. */
  std?: number;
  /** The mean. Default: 0. */
  mean?: number;
}

/**
 * Creates a tensor of normally distributed samples. With a `seed` the values
 * are reproducible: they depend only on the seed, the shape and the dtype.
 *
 * @example
 * ```ts
 * import { randn } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const a = randn([2, 3], { seed: 42 });
 * const b = randn([2, 3], { seed: 42 });
 * assertEquals(a.toArray(), b.toArray());
 * ```
 */
export function randn(shape: readonly number[], options: RandnOptions = {}): Tensor {
  const { seed, std = 1, mean = 0 } = options;
  if (seed !== undefined && (!Number.isInteger(seed))) {
    throw new RangeError(`randn: seed must be an integer, got ${String(seed)}`);
  }
  const dtype = checkDType(options.dtype ?? "float32", "randn");
  const rng = new Xoshiro128(seed ?? Math.floor(Math.random() * 2 ** 32));
  sizeOf(shape, "randn");
  const data = allocateFor("randn", shape, dtype);
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.nextNormal();
  return new Tensor(data, shape);
}
