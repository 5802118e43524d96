/**
 * Reverse-mode differentiation: {@linkcode grad}, {@linkcode valueAndGrad}
 * and {@linkcode valueAndGradAsync}.
 *
 * A call traces f on its own {@linkcode Tape} (pushed on a stack of active
 * tapes), then walks the tape backwards, once, in reverse op order, adding
 * each input's gradient contributions in the order its consumers ran. The
 * sync and async entry points share that one walk (a generator that yields
 * at each matmul node), so they visit nodes and add gradients in exactly
 * the same order and give the same bits. Each backward rule is told which
 * of its inputs need a gradient (those computed from a differentiated
 * argument) and skips the others: in `X·W` with a constant X, dX is never
 * computed.
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
import { matmulGrad, matmulGradPart, type MatmulGrads } from "../ops/matmul.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import { allocate, describe, Tensor } from "../tensor/tensor.ts";
import { activeTapes, MatmulRequest, record, Tape, tracing, untraced, withTape } from "./tape.ts";

/**
 * Which gradients of a matmul node the backward walk needs: only those of
 * operands computed from a differentiated argument (in `X·W` with a constant
 * X, only `dB`). At least one is true.
 */
export interface MatmulGradNeeds {
  /** Whether ∂y/∂A is needed. */
  readonly dA: boolean;
  /** Whether ∂y/∂B is needed. */
  readonly dB: boolean;
}

/**
 * A replacement for core's `matmulGrad` used by {@linkcode valueAndGradAsync}
 * for the backward step of every matmul node (for example one that runs the
 * two products on a worker pool). It must return `dA` with A's shape and
 * dtype if `options.needs.dA`, and `dB` with B's if `options.needs.dB`;
 * the other may be left out (core's `matmulGradPart` computes one alone).
 */
export type MatmulGradFn = (
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: { transposeA: boolean; transposeB: boolean; needs: MatmulGradNeeds },
) => Promise<Partial<MatmulGrads>> | Partial<MatmulGrads>;

/** Options of {@linkcode valueAndGradAsync}. */
export interface ValueAndGradAsyncOptions {
  /** Computes each matmul node's gradients. Default: core's `matmulGrad`. */
  matmulGrad?: MatmulGradFn;
}

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
    if (!(args[i] instanceof Tensor)) {
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
    const leaf = new Tensor(x.data, x.shape);
    if (tracing()) record(leaf, [x], (g) => [g]);
    tape.watch(leaf);
    leaves.push(leaf);
    callArgs[i] = leaf;
  }
  const value = withTape(tape, () => (f as (...a: unknown[]) => unknown)(...callArgs));
  if (!(value instanceof Tensor)) {
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

/** A matmul node's gradients as the walk asks for them. */
interface MatmulStep {
  readonly request: MatmulRequest;
  readonly needs: MatmulGradNeeds;
}

/**
 * The one backward walk. Yields each matmul node's request with the
 * gradients it needs and expects them back; returns the leaves' gradients.
 */
function* backward(t: Trace): Generator<MatmulStep, Tensor[], Partial<MatmulGrads>> {
  const { tape, value, leaves } = t;
  const grads = new Map<Tensor, Tensor>();
  const seed = allocate(value.dtype, 1);
  seed[0] = 1;
  grads.set(value, new Tensor(seed, value.shape));
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n]!;
    const g = grads.get(node.out);
    if (g === undefined) continue;
    grads.delete(node.out);
    // A gradient for a constant input would be computed only to be dropped.
    const needed = node.inputs.map((x) => tape.tracks(x));
    let result = node.backward(g, needed);
    if (result instanceof MatmulRequest) {
      const needs = { dA: needed[0]!, dB: needed[1]! };
      const { dA, dB } = yield { request: result, needs };
      result = [needs.dA ? dA : undefined, needs.dB ? dB : undefined];
    }
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
  // Distinct buffers: no gradient may alias another or an argument.
  const seen = new Set<ArrayBufferLike>(leaves.map((l) => l.data.buffer));
  return leaves.map((leaf) => {
    const g = grads.get(leaf);
    if (g === undefined) return new Tensor(allocate(leaf.dtype, leaf.size), leaf.shape);
    if (!seen.has(g.data.buffer)) {
      seen.add(g.data.buffer);
      return new Tensor(g.data, leaf.shape);
    }
    return new Tensor(g.data.slice(), leaf.shape);
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

/** Core's gradients of one matmul node: both products, or only the one needed. */
function coreGrads(
  a: Tensor,
  b: Tensor,
  dC: Tensor,
  options: { transposeA: boolean; transposeB: boolean; needs: MatmulGradNeeds },
): Partial<MatmulGrads> {
  const { needs, ...flags } = options;
  if (needs.dA && needs.dB) return matmulGrad(a, b, dC, flags);
  const which = needs.dA ? "dA" : "dB";
  return { [which]: matmulGradPart(which, a, b, dC, flags) };
}

function run(t: Trace): Tensor[] {
  const walk = backward(t);
  let step = untraced(() => walk.next());
  while (!step.done) {
    const { request: { a, b, dC, options }, needs } = step.value;
    const r = untraced(() => coreGrads(a, b, dC, { ...options, needs }));
    step = untraced(() => walk.next(r));
  }
  guardOuter(t, step.value);
  return step.value;
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
 * @throws {TypeError} (when called) if a chosen argument is not a Tensor or f returns a non-Tensor.
 * @throws {RangeError} if an argnum is negative, repeated or beyond the arguments given.
 * @throws {ShapeError} (when called) if f's result has more than one element.
 * @example
 * ```ts
 * import { matmul, mse, type Tensor, tensor, valueAndGrad } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * const loss = (w: Tensor, x: Tensor, y: Tensor) => mse(matmul(x, w), y);
 * const x = tensor([[1, 0], [0, 1]], undefined, "float64");
 * const y = tensor([[1], [2]], undefined, "float64");
 * const w = tensor([[0], [0]], undefined, "float64");
 * const { value, grad } = valueAndGrad(loss)(w, x, y);
 * assert.equal(value.item(), 2.5); // ((0−1)² + (0−2)²) / 2
 * assert.deepEqual(grad.toArray(), [[-1], [-2]]); // 2·(xw − y)/2
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
  return (...args: A) => {
    const t = trace(fn, f, list, args);
    const grads = run(t);
    return { value: t.value, grad: (single ? grads[0]! : grads) as GradOf<N> };
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
 * import assert from "node:assert/strict";
 *
 * // y = Σ a·b: ∂y/∂a = b, ∂y/∂b = a.
 * const [da, db] = grad((a, b) => sum(mul(a, b)), [0, 1])(tensor([1, 2]), tensor([3, 4]));
 * assert.deepEqual([da.toArray(), db.toArray()], [[3, 4], [1, 2]]);
 * ```
 */
export function grad<A extends unknown[] = Tensor[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  argnums?: N,
): (...args: A) => GradOf<N> {
  const vg = tracer("grad", f, argnums);
  return (...args: A) => vg(...args).grad;
}

/**
 * The async twin of {@linkcode valueAndGrad}: f runs synchronously as usual,
 * then the backward walk awaits `options.matmulGrad` for every matmul node
 * (one at a time, in the same order), running all other backward rules on
 * the calling thread. With a `matmulGrad` that returns the bits of core's,
 * the result is bit-identical to `valueAndGrad`'s.
 *
 * @throws {TypeError} if `options.matmulGrad` is given and is not a function (when called).
 * @example
 * ```ts
 * import { matmul, matmulGrad, randn, sum, type Tensor } from "@matgrad/core";
 * import { valueAndGrad, valueAndGradAsync } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (a: Tensor, b: Tensor) => sum(matmul(a, b));
 * const a = randn([3, 4], { seed: 1 });
 * const b = randn([4, 2], { seed: 2 });
 * const viaPromise = async (...args: Parameters<typeof matmulGrad>) => matmulGrad(...args);
 * const r = await valueAndGradAsync(f, [0, 1], { matmulGrad: viaPromise })(a, b);
 * const s = valueAndGrad(f, [0, 1])(a, b);
 * assert.deepEqual(r.grad[0].data, s.grad[0].data);
 * ```
 */
export function valueAndGradAsync<A extends unknown[] = Tensor[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  argnums?: N,
  options: ValueAndGradAsyncOptions = {},
): (...args: A) => Promise<ValueAndGrad<GradOf<N>>> {
  const list = checkArgnums(argnums ?? 0, "valueAndGradAsync");
  const single = typeof (argnums ?? 0) === "number";
  const mg = options.matmulGrad ?? coreGrads;
  if (typeof mg !== "function") {
    throw new TypeError(
      `valueAndGradAsync: option matmulGrad must be a function, got ${describe(mg)}`,
    );
  }
  return async (...args: A) => {
    const t = trace("valueAndGradAsync", f, list, args);
    const walk = backward(t);
    let step = untraced(() => walk.next());
    while (!step.done) {
      const { request: { a, b, dC, options }, needs } = step.value;
      const r = await mg(a, b, dC, { ...options, needs });
      checkGrads(r, a, b, needs);
      step = untraced(() => walk.next(r));
    }
    const grads = step.value;
    return { value: t.value, grad: (single ? grads[0]! : grads) as GradOf<N> };
  };
}

function checkGrads(r: Partial<MatmulGrads>, a: Tensor, b: Tensor, needs: MatmulGradNeeds): void {
  const ok = (g: unknown, x: Tensor, needed: boolean) =>
    !needed || (g instanceof Tensor && sameShape(g.shape, x.shape) && g.dtype === x.dtype);
  if (typeof r !== "object" || r === null || !ok(r.dA, a, needs.dA) || !ok(r.dB, b, needs.dB)) {
    const got = typeof r === "object" && r !== null
      ? `dA ${describe(r.dA)} and dB ${describe(r.dB)}`
      : describe(r);
    const want = needs.dA && needs.dB
      ? `{ dA, dB } like A (${a}) and B (${b})`
      : needs.dA
      ? `dA like A (${a})`
      : `dB like B (${b})`;
    throw new TypeError(`valueAndGradAsync: matmulGrad must return ${want}, got ${got}`);
  }
}
