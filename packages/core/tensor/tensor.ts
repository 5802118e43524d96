/**
 * The {@linkcode Tensor} class: a dense, row-major array of float32 or
 * float64 numbers with a shape.
 *
 * @module
 */
import { DeviceTensorError, DTypeError, ShapeError } from "../errors.ts";
import { getExecutor } from "../executor/executor.ts";
import type { DType, TensorData } from "../dtype.ts";
import { formatShape, sizeOf } from "./shape.ts";
import { adopt, deviceOwner, disown } from "./storage.ts";

export type { DataFor, DType, TensorData } from "../dtype.ts";

/** Nested JavaScript arrays of numbers, as {@linkcode Tensor.toArray} returns them. */
export type NestedArray = number | NestedArray[];

/**
 * Returns the dtype of a typed array.
 *
 * @example
 * ```ts
 * import { dtypeOf } from "@matgrad/core/backend";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(dtypeOf(new Float64Array(2)), "float64");
 * ```
 */
export function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  throw new DTypeError(
    `dtypeOf: expected a Float32Array or Float64Array, got ${describe(data)}`,
  );
}

/**
 * Checks that a value names a supported dtype.
 *
 * @throws {DTypeError} if it does not.
 * @example
 * ```ts
 * import { checkDType } from "@matgrad/core/backend";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(checkDType("float64", "zeros"), "float64");
 * ```
 */
export function checkDType(dtype: unknown, fn: string): DType {
  if (dtype === "float32" || dtype === "float64") return dtype;
  throw new DTypeError(
    `${fn}: dtype must be "float32" or "float64", got ${JSON.stringify(dtype) ?? String(dtype)}`,
  );
}

let peek: (t: Tensor) => TensorData;

/**
 * The storage of `t` for an op about to hand it to the active executor: its
 * typed array, which for a device tensor is the placeholder its executor
 * maps to device memory.
 *
 * @throws {ReleasedTensorError} if `t` was disposed.
 * @throws {DeviceTensorError} if `t` lives on a device other than the active executor.
 * @example
 * ```ts
 * import { tensor } from "@matgrad/core";
 * import { storageOf } from "@matgrad/core/backend";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(storageOf(tensor([1, 2])).length, 2);
 * ```
 */
export function storageOf(t: Tensor): TensorData {
  const data = peek(t);
  const owner = deviceOwner(data);
  if (owner !== undefined && owner !== getExecutor()) {
    throw new DeviceTensorError(
      `${t} lives on ${owner.device} but ops run on ${getExecutor().name} now; ` +
        `copy it to the host with \`tensor(await t.read(), t.shape)\`, or run the op on ${owner.device}`,
    );
  }
  return data;
}

// A registry symbol: the same in every copy of core in one JavaScript realm.
const TENSOR_BRAND: unique symbol = Symbol.for("@matgrad/core.Tensor") as never;

/**
 * A dense row-major array with a shape and a dtype.
 *
 * `data` is the tensor's storage, not a copy: ops never change their inputs,
 * but optimizers update parameters in place through it.
 *
 * @example Wrapping a typed array
 * ```ts
 * import { Tensor } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const t = new Tensor(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * assertStrictEquals(t.dtype, "float64");
 * assertEquals(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
 * ```
 */
export class Tensor {
  /** The dimensions, outermost first. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: DType;
  #data: TensorData;
  #disposed = false;

  /**
   * Wraps `data` (no copy) as a tensor of the given shape.
   *
   * @throws {ShapeError} if the shape is invalid or `data.length` differs from its size.
   * @throws {DTypeError} if `data` is not a Float32Array or Float64Array.
   */
  constructor(data: TensorData, shape: readonly number[]) {
    if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
      throw new DTypeError(
        `Tensor: data must be a Float32Array or Float64Array, got ${describe(data)}`,
      );
    }
    const size = sizeOf(shape, "Tensor");
    if (data.length !== size) {
      throw new ShapeError(
        `Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Float32Array ? "float32" : "float64";
    this.#data = data;
    adopt(this, data);
  }

  /**
   * The elements in row-major order; shared, not copied: ops never change
   * their inputs, but optimizers update parameters in place through it.
   *
   * @throws {ReleasedTensorError} if the tensor was disposed (by
   * {@linkcode Tensor.dispose}, or as an intermediate at the end of a
   * `valueAndGrad` call), since its memory may hold another tensor now.
   */
  get data(): TensorData {
    if (this.#disposed) throw new ReleasedTensorError(this);
    const device = deviceOwner(this.#data)?.device;
    if (device !== undefined) {
      throw new DeviceTensorError(
        `${this} lives on ${device}: its elements are not on the host; ` +
          "use `await t.read()` (data, toArray() and item() read host memory only)",
      );
    }
    return this.#data;
  }

  /**
   * The elements, copied to the host once every op submitted before the
   * call has run, for a tensor on a device (the `"webgpu"` backend); for a
   * host tensor, its `data` at once. The model of tfjs's `data()`: ops queue
   * work on the device and only `read()` waits for it.
   *
   * @throws {ReleasedTensorError} (as a rejection) if the tensor was disposed.
   * @example
   * ```ts
   * import { tensor } from "@matgrad/core";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(await tensor([1, 2]).read(), new Float32Array([1, 2]));
   * ```
   */
  read(): Promise<TensorData> {
    if (this.#disposed) return Promise.reject(new ReleasedTensorError(this));
    const owner = deviceOwner(this.#data);
    if (owner?.read === undefined) return Promise.resolve(this.#data);
    return owner.read(this.#data);
  }

  /** Whether the tensor's memory lives on a device (`read()` it; `data` throws). */
  get onDevice(): boolean {
    return deviceOwner(this.#data) !== undefined;
  }

  static {
    peek = (t) => {
      // A tensor of another copy of core: its own getter (host memory only).
      if (!(#data in t)) return (t as { data: TensorData }).data;
      if (t.#disposed) throw new ReleasedTensorError(t);
      return t.#data;
    };
  }

  /** Whether {@linkcode Tensor.dispose} was called (or the tensor was released as an intermediate). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements. */
  get size(): number {
    return this.#data.length;
  }

  /**
   * Gives the tensor's memory back for reuse, once no other tensor shares it
   * (a `reshape` of it, say). Touching the tensor afterwards throws.
   * Disposing twice does nothing. Without it, memory comes back when the
   * tensor's data is garbage-collected.
   *
   * @example
   * ```ts
   * import { zeros } from "@matgrad/core";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const t = zeros([2, 2]);
   * t.dispose();
   * {
   *   const error = assertThrows(() => t.data, Error);
   *   assertStrictEquals(error.name, "ReleasedTensorError");
   * }
   * ```
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    disown(this.#data);
  }

  /**
   * Returns the elements as nested arrays (a number for a 0-D tensor).
   *
   * @example
   * ```ts
   * import { tensor } from "@matgrad/core";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(tensor([[1, 2], [3, 4]]).toArray(), [[1, 2], [3, 4]]);
   * ```
   */
  toArray(): NestedArray {
    const data = this.data;
    if (this.shape.length === 0) return data[0]!;
    return buildNested(data, this.shape, 0, 0);
  }

  /**
   * Returns the single element of a tensor with one element.
   *
   * @throws {ShapeError} if the tensor has more or fewer than one element.
   * @example
   * ```ts
   * import { tensor } from "@matgrad/core";
   * import { assertStrictEquals } from "@std/assert";
   *
   * assertStrictEquals(tensor(2.5, [], "float64").item(), 2.5);
   * ```
   */
  item(): number {
    const data = this.data;
    if (data.length !== 1) {
      throw new ShapeError(
        `item: tensor of shape ${formatShape(this.shape)} has ${data.length} elements, not 1`,
      );
    }
    return data[0]!;
  }

  /** A short description such as `Tensor(float32, 2×3)`. */
  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)})`;
  }

  /**
   * Whether `value` is a matgrad tensor, also one made by another copy of
   * this module (two bundles each carrying core, say): tensors carry a
   * registry symbol rather than relying on one class object.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isTensor(value);
  }

  /** The brand {@linkcode isTensor} reads. */
  get [TENSOR_BRAND](): true {
    return true;
  }
}

/**
 * Thrown when a disposed tensor is touched: its memory may already hold
 * another tensor, so reading it would silently give wrong numbers.
 */
export class ReleasedTensorError extends Error {
  /** Names the tensor in the message. */
  constructor(t: { dtype: DType; shape: readonly number[] }) {
    super(
      `Tensor(${t.dtype}, ${formatShape(t.shape)}) was disposed and its memory reused; ` +
        "keep what you need before disposing (intermediates of valueAndGrad are disposed when " +
        "it returns: copy them inside f, e.g. with tensor(t.data, t.shape))",
    );
    this.name = "ReleasedTensorError";
  }
}

/**
 * Whether `value` is a matgrad {@linkcode Tensor}, from this copy of core or
 * another one.
 *
 * @example
 * ```ts
 * import { isTensor, tensor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(isTensor(tensor([1])), true);
 * assertStrictEquals(isTensor(new Float32Array(1)), false);
 * ```
 */
export function isTensor(value: unknown): value is Tensor {
  return typeof value === "object" && value !== null &&
    (value as { [TENSOR_BRAND]?: unknown })[TENSOR_BRAND] === true;
}

function buildNested(
  data: TensorData,
  shape: readonly number[],
  axis: number,
  offset: number,
): NestedArray[] {
  const n = shape[axis]!;
  let inner = 1;
  for (let a = axis + 1; a < shape.length; a++) inner *= shape[a]!;
  const out: NestedArray[] = new Array(n);
  if (axis === shape.length - 1) {
    for (let i = 0; i < n; i++) out[i] = data[offset + i]!;
  } else {
    for (let i = 0; i < n; i++) out[i] = buildNested(data, shape, axis + 1, offset + i * inner);
  }
  return out;
}

/**
 * Whether two typed arrays share any byte of memory (views of one buffer
 * whose ranges overlap). Empty views share nothing.
 *
 * @example
 * ```ts
 * import { sharesMemory } from "@matgrad/core/backend";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const data = new Float32Array(8);
 * assertStrictEquals(sharesMemory(data.subarray(0, 4), data.subarray(3, 8)), true);
 * assertStrictEquals(sharesMemory(data.subarray(0, 4), data.subarray(4, 8)), false);
 * ```
 */
export function sharesMemory(x: TensorData, y: TensorData): boolean {
  if (x.buffer !== y.buffer || x.byteLength === 0 || y.byteLength === 0) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** Describes a value for an error message without printing a whole array. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (isTensor(value)) return value.toString();
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    if (!name) return "an object";
    // "an Array", "an Int32Array", but "a Uint8Array" (said "you-int")
    return `${/^[AEIO]/.test(name) ? "an" : "a"} ${name}`;
  }
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}
