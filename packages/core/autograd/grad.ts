/**
 * Reverse-mode differentiation: {@linkcode grad}, {@linkcode valueAndGrad}
 * and {@linkcode valueAndGradAsync}.
 *
 * A call traces f on its own {@linkcode Tape} (pushed on a stack of active
 * tapes), then walks the tape backwards, once, in reverse op order, adding
 * each input's gradient contributions in the order its consumers ran. The
 * walk knows no op: each node's backward rule, written beside its forward,
 * computes the gradients with ops, on whatever executor is active. Each rule
 * is told which of its inputs need a gradient (those computed from a
 * differentiated argument) and skips the others: in `X·W` with a constant
 * X, dX is never computed. The tensors a call makes, but its value and
 * gradients, stay valid until the next call of the same function, which
 * disposes them: a training loop's steps reuse their memory.
 *
 * Nesting: a grad call inside f gets its own tape; a tensor of the outer trace
 * is a constant for the inner one unless passed as its argument. The inner
 * call's value stays differentiable for the outer trace, but its gradients do
 * not (no higher-order derivatives): an outer gradient that would need to flow
 * through them throws instead of silently being wrong.
 *
 * @module
 */
import { ShapeError } from "../errors.ts";
import { add } from "../ops/elementwise.ts";
import { copyTask, run as runTasks } from "../ops/op_helpers.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import { allocateFor, collecting, insideCollection } from "../tensor/storage.ts";
import { describe, isTensor, sharesMemory, storageOf, Tensor } from "../tensor/tensor.ts";
import { activeTapes, record, Tape, tracing, untraced, withTape } from "./tape.ts";

/** The value of f and its gradient(s), as {@linkcode valueAndGrad} returns them. */
export interface ValueAndGrad<G> {
  /** f's value: the scalar tensor it returned. */
  value: Tensor;
  /** The gradient for the chosen argument, or one per argument when argnums is an array. */
  grad: G;
}

/** Which arguments to differentiate: one index, or several (then gradients come as an array). */
export type Argnums = number | readonly number[];

/** One Tensor for a single argnum; a tuple of them (one per index) for an array. */
export type GradOf<N> = N extends number ? Tensor : { -readonly [K in keyof N]: Tensor };

function checkArgnums(argnums: unknown, fn: string): readonly number[] {
  const list = typeof argnums === "number" ? [argnums] : argnums;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(
      `${fn}: argnums must be an argument index or a non-empty array of them, got ${
        describe(argnums)
      }`,
    );
  }
  const seen = new Set<number>();
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0) {
      throw new RangeError(`${fn}: argnum ${String(i)} is not a non-negative integer`);
    }
    if (seen.has(i)) throw new RangeError(`${fn}: argnum ${i} is listed twice`);
    seen.add(i);
  }
  return list as readonly number[];
}

/** The traced forward pass: the tape, f's value and the leaves. */
interface Trace {
  tape: Tape;
  value: Tensor;
  leaves: Tensor[];
}

function trace(
  fn: string,
  f: (...args: never[]) => unknown,
  argnums: readonly number[],
  args: unknown[],
): Trace {
  if (typeof f !== "function") {
    throw new TypeError(`${fn}: f must be a function, got ${describe(f)}`);
  }
  for (const i of argnums) {
    if (i >= args.length) {
      throw new RangeError(
        `${fn}: argnum ${i} is out of range: f was called with ${args.length} argument${
          args.length === 1 ? "" : "s"
        }`,
      );
    }
    if (!isTensor(args[i])) {
      throw new TypeError(`${fn}: argument ${i} must be a Tensor, got ${describe(args[i])}`);
    }
  }
  const tape = new Tape();
  const callArgs = [...args];
  const leaves: Tensor[] = [];
  for (const i of argnums) {
    const x = args[i] as Tensor;
    // A fresh leaf per argument keeps f(x, x) with argnums [0, 1] two gradients,
    // and an identity node links it to x for any outer trace.
    const leaf = new Tensor(storageOf(x), x.shape);
    if (tracing()) record(leaf, [x], (g) => [g]);
    tape.watch(leaf);
    leaves.push(leaf);
    callArgs[i] = leaf;
  }
  const value = withTape(tape, () => (f as (...a: unknown[]) => unknown)(...callArgs));
  if (!isTensor(value)) {
    throw new TypeError(`${fn}: f must return a Tensor, got ${describe(value)}`);
  }
  if (value.size !== 1) {
    throw new ShapeError(
      `${fn}: f must return a scalar (one element) to be differentiated, got shape ${
        formatShape(value.shape)
      }`,
    );
  }
  return { tape, value, leaves };
}

/** The one backward walk: the leaves' gradients. */
function backward(t: Trace): Tensor[] {
  const { tape, value, leaves } = t;
  const grads = new Map<Tensor, Tensor>();
  const seed = allocateFor("grad", value.shape, value.dtype);
  seed[0] = 1;
  grads.set(value, new Tensor(seed, value.shape));
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n]!;
    const g = grads.get(node.out);
    if (g === undefined) continue;
    grads.delete(node.out);
    // A gradient for a constant input would be computed only to be dropped.
    const needed = node.inputs.map((x) => tape.tracks(x));
    const result = node.backward(g, needed);
    for (let i = 0; i < node.inputs.length; i++) {
      const x = node.inputs[i]!;
      const gx = result[i];
      if (gx === undefined || !tape.tracks(x)) continue;
      if (!sameShape(gx.shape, x.shape) || gx.dtype !== x.dtype) {
        throw new Error(
          `grad: internal error: a backward rule gave a ${gx} gradient for input ${i}, a ${x}`,
        );
      }
      const prev = grads.get(x);
      grads.set(x, prev === undefined ? gx : add(prev, gx));
    }
  }
  // Distinct memory: no gradient may alias another or an argument.
  const taken: Tensor[] = [...leaves];
  return leaves.map((leaf) => {
    const g = grads.get(leaf);
    if (g === undefined) {
      return new Tensor(allocateFor("grad", leaf.shape, leaf.dtype, true), leaf.shape);
    }
    if (
      !taken.some((t) => storageOf(t) === storageOf(g) || sharesMemory(storageOf(t), storageOf(g)))
    ) {
      const out = new Tensor(storageOf(g), leaf.shape);
      taken.push(out);
      return out;
    }
    const copy = allocateFor("grad", leaf.shape, leaf.dtype);
    runTasks(copyTask(storageOf(g), copy));
    const out = new Tensor(copy, leaf.shape);
    taken.push(out);
    return out;
  });
}

/**
 * Makes the inner trace's gradients poison for every outer trace that its
 * computation depended on: differentiating through them would need
 * second derivatives, which no backward rule here provides.
 */
function guardOuter(t: Trace, grads: readonly Tensor[]): void {
  for (const outer of activeTapes()) {
    const deps = new Set<Tensor>();
    for (const node of t.tape.nodes) {
      for (const x of node.inputs) if (outer.tracks(x)) deps.add(x);
    }
    if (deps.size === 0) continue;
    const inputs = [...deps];
    for (const g of grads) {
      outer.push({
        out: g,
        inputs,
        backward: () => {
          throw new Error(
            "grad: cannot differentiate through a gradient returned by a nested grad call " +
              "(higher-order derivatives are not supported); its value is usable as a constant",
          );
        },
      });
    }
  }
}

/** Traces f and walks back: f's value and the gradients. */
function run(
  fn: string,
  f: (...args: never[]) => unknown,
  argnums: readonly number[],
  args: unknown[],
): { value: Tensor; grads: Tensor[] } {
  const t = trace(fn, f, argnums, args);
  const grads = untraced(() => backward(t));
  guardOuter(t, grads);
  return { value: t.value, grads };
}

/**
 * `run`, keeping the tensors a call made (all but its results) until the
 * next call, which disposes them so that their memory serves it. A call
 * inside another collection (a nested grad, say) leaves them to its caller,
 * whose backward walk may still read them.
 */
function reusing(
  fn: string,
  f: (...args: never[]) => unknown,
  argnums: readonly number[],
): (args: unknown[]) => { value: Tensor; grads: Tensor[] } {
  let previous: object[] = [];
  return (args) => {
    const nested = insideCollection();
    if (!nested) {
      for (const t of previous) (t as Tensor).dispose();
      previous = [];
    }
    const { result, made } = collecting(() => run(fn, f, argnums, args));
    if (!nested) {
      const results = new Set<object>([result.value, ...result.grads]);
      previous = made.filter((t) => !results.has(t));
    }
    return result;
  };
}

/**
 * Returns a function that computes f's value and its gradient with respect to
 * the arguments chosen by `argnums` (default 0). f must build its scalar
 * result from matgrad ops. Each gradient has exactly its argument's shape and
 * dtype; an argument that the result does not depend on gets zeros.
 *
 * f receives a fresh Tensor (sharing `data`) for each chosen argument, so
 * passing one tensor twice gives two gradients; the original object, if f
 * captures it some other way, is a constant. Arguments not chosen may be
 * anything. Calling ops outside a trace records nothing.
 *
 * Memory: the tensors a call makes inside f and in its backward walk, all
 * but the value and the gradients it returns, stay valid until the returned
 * function is called again; that call disposes them (touching one then
 * throws `ReleasedTensorError`) and reuses their memory. Keep what you need
 * across steps by copying it, e.g. `tensor(t.data, t.shape)`.
 *
 * @throws {TypeError} (when called) if a chosen argument is not a Tensor or f returns a non-Tensor.
 * @throws {RangeError} if an argnum is negative, repeated or beyond the arguments given.
 * @throws {ShapeError} (when called) if f's result has more than one element.
 * @example
 * ```ts
 * import { matmul, mse, type Tensor, tensor, valueAndGrad } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const loss = (w: Tensor, x: Tensor, y: Tensor) => mse(matmul(x, w), y);
 * const x = tensor([[1, 0], [0, 1]], undefined, "float64");
 * const y = tensor([[1], [2]], undefined, "float64");
 * const w = tensor([[0], [0]], undefined, "float64");
 * const { value, grad } = valueAndGrad(loss)(w, x, y);
 * assertStrictEquals(value.item(), 2.5); // ((0−1)² + (0−2)²) / 2
 * assertEquals(grad.toArray(), [[-1], [-2]]); // 2·(xw − y)/2
 * ```
 */
export function valueAndGrad<A extends unknown[] = Tensor[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  argnums?: N,
): (...args: A) => ValueAndGrad<GradOf<N>> {
  return tracer("valueAndGrad", f, argnums);
}

function tracer<A extends unknown[], N extends Argnums>(
  fn: string,
  f: (...args: A) => Tensor,
  argnums: N | undefined,
): (...args: A) => ValueAndGrad<GradOf<N>> {
  const list = checkArgnums(argnums ?? 0, fn);
  const single = typeof (argnums ?? 0) === "number";
  const call = reusing(fn, f as (...args: never[]) => unknown, list);
  return (...args: A) => {
    const { value, grads } = call(args);
    return { value, grad: (single ? grads[0]! : grads) as GradOf<N> };
  };
}

/**
 * Returns a function that computes the gradient of f with respect to the
 * arguments chosen by `argnums`: one Tensor for a number (default 0), an
 * array for an array. See {@linkcode valueAndGrad}.
 *
 * @throws {TypeError} (when called) if a chosen argument is not a Tensor or f returns a non-Tensor.
 * @throws {RangeError} if an argnum is negative, repeated or beyond the arguments given.
 * @throws {ShapeError} (when called) if f's result has more than one element.
 * @example
 * ```ts
 * import { grad, mul, sum, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * // y = Σ a·b: ∂y/∂a = b, ∂y/∂b = a.
 * const [da, db] = grad((a, b) => sum(mul(a, b)), [0, 1])(tensor([1, 2]), tensor([3, 4]));
 * assertEquals([da.toArray(), db.toArray()], [[3, 4], [1, 2]]);
 * ```
 */
export function grad<A extends unknown[] = Tensor[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  argnums?: N,
): (...args: A) => GradOf<N> {
  const vg = tracer("grad", f, argnums);
  return (...args: A) => vg(...args).grad;
}
