/**
 * The tape: what an op records while a gradient is being traced, and the
 * stack of active tapes that keeps nested and interleaved traces apart.
 *
 * Ops call {@linkcode tracing} first and build their backward closure only
 * when it is true, so outside `grad` an op costs one length check.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";

/**
 * A backward rule: given `g = ∂y/∂out`, returns `∂y/∂input` for each input
 * (in input order, `undefined` where an input gets no gradient), computed
 * with ops (so on the active executor). `needs[i]` says whether input i's
 * gradient is used (it is computed from a differentiated argument); a rule
 * may skip the others, leaving them `undefined`.
 */
export type BackwardRule = (
  g: Tensor,
  needs: readonly boolean[],
) => readonly (Tensor | undefined)[];

/** One recorded op application. */
export interface TapeNode {
  /** The tensor the op returned. */
  readonly out: Tensor;
  /** The tensors it read, in the order its backward rule answers for. */
  readonly inputs: readonly Tensor[];
  /** Its backward rule. */
  readonly backward: BackwardRule;
}

/** The record of one trace: its leaves (the chosen arguments) and its nodes in op order. */
export class Tape {
  /** Recorded nodes, in the order the ops ran. */
  readonly nodes: TapeNode[] = [];
  readonly #tracked = new Set<Tensor>();

  /** Marks `t` as a leaf this trace differentiates with respect to. */
  watch(t: Tensor): void {
    this.#tracked.add(t);
  }

  /** Whether `t` is a leaf of this trace or was computed from one. */
  tracks(t: Tensor): boolean {
    return this.#tracked.has(t);
  }

  /** Appends a node; refuses an output already in the graph (an in-place overwrite). */
  push(node: TapeNode): void {
    if (this.#tracked.has(node.out)) {
      throw new Error(
        `grad: a tensor of the traced graph (${node.out}) was overwritten in place ` +
          `(e.g. by matmul's out option); gradients would be wrong`,
      );
    }
    this.nodes.push(node);
    this.#tracked.add(node.out);
  }
}

// Innermost last. A module-level stack is safe because f is synchronous:
// a trace pushes, runs f and pops before any other code can run.
const stack: Tape[] = [];

/**
 * Whether any gradient trace is active. Ops test this before building their
 * backward closure.
 */
export function tracing(): boolean {
  return stack.length > 0;
}

/**
 * Records `out = op(inputs)` on every active tape that tracks one of the
 * inputs; tensors a tape does not track are constants for it.
 */
export function record(out: Tensor, inputs: readonly Tensor[], backward: BackwardRule): void {
  for (const tape of stack) {
    for (const x of inputs) {
      if (tape.tracks(x)) {
        tape.push({ out, inputs, backward });
        break;
      }
    }
  }
}

/** Runs `fn` with `tape` as the innermost active tape. */
export function withTape<T>(tape: Tape, fn: () => T): T {
  stack.push(tape);
  try {
    return fn();
  } finally {
    // f may have thrown from inside a nested trace; unwind to our own level.
    const at = stack.lastIndexOf(tape);
    if (at >= 0) stack.length = at;
  }
}

/** Runs `fn` with no active tape (backward passes and finite differences). */
export function untraced<T>(fn: () => T): T {
  if (stack.length === 0) return fn();
  const saved = stack.splice(0, stack.length);
  try {
    return fn();
  } finally {
    stack.length = 0;
    stack.push(...saved);
  }
}

/** The active tapes, outermost first (a copy). */
export function activeTapes(): Tape[] {
  return [...stack];
}
