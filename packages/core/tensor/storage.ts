/**
 * Who owns a tensor's memory: the executor that allocated it. Memory goes
 * back to its executor when every tensor over it is disposed, or else when
 * its typed array is garbage-collected (never while anything can still read
 * it). Collections note the tensors made while they run, so that
 * `valueAndGrad` can dispose a step's intermediates at the next step.
 *
 * @module
 */
import type { DType, TensorData } from "../dtype.ts";
import { type Executor, getExecutor } from "../executor/executor.ts";
import { checkTensorBytes } from "./limits.ts";
import { formatShape, sizeOf } from "./shape.ts";
import { DTypeError } from "../errors.ts";

interface Owner {
  readonly executor: Executor;
  readonly block: unknown;
  /** Tensors over this memory not yet disposed. */
  refs: number;
  freed: boolean;
}

const owners = new WeakMap<TensorData, Owner>();

// The safety net: memory whose typed array nobody can reach any more.
const collected = new FinalizationRegistry<Owner>((owner) => free(owner));

function free(owner: Owner): void {
  if (owner.freed) return;
  owner.freed = true;
  owner.executor.free(owner.block);
}

/**
 * Allocates the storage of a tensor of `shape` and `dtype` from the active
 * executor, after checking its size against the tensor limit.
 *
 * @throws {RangeError} naming `fn`, the shape, the dtype and the bytes, if too large.
 */
export function allocateFor(
  fn: string,
  shape: readonly number[],
  dtype: DType,
  zero = false,
): TensorData {
  checkTensorBytes(fn, shape, dtype);
  const { dtypes, device, name } = getExecutor();
  if (dtypes !== undefined && !dtypes.includes(dtype)) {
    throw new DTypeError(
      `${fn}: a ${dtype} tensor of shape ${formatShape(shape)} cannot live on ${
        device ?? name
      }, which holds ${dtypes.join(", ")} only; make it ${
        dtypes[0]
      } or create it on the CPU (setBackend("wasm"))`,
    );
  }
  return allocateData(dtype, sizeOf(shape, fn), zero);
}

/** Allocates `size` elements (already checked against the limit) from the active executor. */
export function allocateData(dtype: DType, size: number, zero = false): TensorData {
  const executor = getExecutor();
  const { data, block } = executor.allocate(dtype, size, zero);
  if (block !== undefined) {
    const owner: Owner = { executor, block, refs: 0, freed: false };
    owners.set(data, owner);
    collected.register(data, owner, owner);
  }
  return data;
}

/**
 * The device executor that owns `data` (a placeholder of device memory), or
 * undefined for host memory.
 */
export function deviceOwner(data: TensorData): Executor | undefined {
  const owner = owners.get(data);
  return owner?.executor.device === undefined ? undefined : owner.executor;
}

// The tensors made while each scope is open, innermost last.
const scopes: object[][] = [];

/** Called by every new tensor over `data`. */
export function adopt(tensor: object, data: TensorData): void {
  const owner = owners.get(data);
  if (owner !== undefined) owner.refs++;
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined) scope.push(tensor);
}

/** Called once by each disposed tensor over `data`. */
export function disown(data: TensorData): void {
  const owner = owners.get(data);
  if (owner === undefined || --owner.refs > 0) return;
  collected.unregister(owner);
  free(owner);
}

/**
 * Runs `fn` and returns what it returned with every tensor made while it
 * ran. An enclosing collection sees them too: what a nested call made, its
 * caller made.
 */
export function collecting<R>(fn: () => R): { result: R; made: object[] } {
  const scope: object[] = [];
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } finally {
    scopes.pop();
    const outer = scopes[scopes.length - 1];
    if (outer !== undefined) { for (const t of scope) outer.push(t); }
  }
  return { result, made: scope };
}

/** Whether a {@linkcode collecting} call is under way (so that its caller owns what is made). */
export function insideCollection(): boolean {
  return scopes.length > 0;
}
