/**
 * NumPy broadcasting for the element-wise ops, and its adjoint: summing a
 * gradient back to an input's shape.
 *
 * @module
 */
import type { DType } from "../dtype.ts";
import { Unary } from "../kernels/elementwise.ts";
import { planReduce } from "../kernels/reduce.ts";
import { broadcastStrides } from "../kernels/strided.ts";
import { broadcastShapes, formatShape, sameShape } from "../tensor/shape.ts";
import { allocateData, allocateFor, disown } from "../tensor/storage.ts";
import { storageOf, Tensor } from "../tensor/tensor.ts";
import { unaryTask } from "./elementwise.ts";
import { cast, run } from "./op_helpers.ts";

/**
 * The shape two operands broadcast to (right-aligned; each pair of
 * dimensions equal or one of them 1).
 *
 * @throws {ShapeError} naming the function, both arguments and their shapes.
 */
export function broadcastShape(
  a: readonly number[],
  b: readonly number[],
  fn: string,
  names: readonly [string, string] = ["a", "b"],
): number[] {
  return broadcastShapes(
    a,
    b,
    fn,
    (da, db) =>
      `${fn}: cannot broadcast ${names[0]} of shape ${formatShape(a)} with ${names[1]} of ` +
      `shape ${formatShape(b)}: dimensions ${da} and ${db} differ`,
  );
}

/**
 * Sums `g` (a gradient of the broadcast shape) down to `like`'s shape and
 * returns it in `like`'s dtype: the backward rule of broadcasting. Returns
 * `g` itself when nothing is to be summed or cast.
 */
export function sumTo(g: Tensor, like: Tensor): Tensor {
  if (sameShape(g.shape, like.shape)) {
    return g.dtype === like.dtype ? g : new Tensor(cast(storageOf(g), like.dtype), like.shape);
  }
  return reduceTo(g, like.shape, like.dtype);
}

/**
 * Sums `g` over the axes where `shape` (right-aligned) is 1 or missing, in
 * float64 in the fixed block order of a reduction, and stores the sums
 * divided by `divisor` once into `dtype`.
 */
export function reduceTo(
  g: Tensor,
  shape: readonly number[],
  dtype: DType,
  divisor = 1,
  fn = "sum",
): Tensor {
  const plan = planReduce(g.shape, shape);
  const out = allocateFor(fn, shape, dtype);
  const direct = plan.blocks === 1 && divisor === 1;
  // Several blocks, or a mean, go through float64 sums first.
  const sums = direct ? out : allocateData("float64", plan.blocks * plan.outLen);
  run({ kind: "reduce", ...plan, g: storageOf(g), out: sums, work: 20 * g.size });
  if (!direct) {
    if (plan.blocks === 1) run(unaryTask(Unary.divide, sums, out, divisor));
    else {
      run({
        kind: "combine",
        partial: sums,
        blocks: plan.blocks,
        outLen: plan.outLen,
        divisor,
        out,
        units: plan.outLen,
        work: 20 * plan.blocks * plan.outLen,
      });
    }
    disown(sums);
  }
  return new Tensor(out, shape);
}

/** Repeats `t` along broadcast axes to `shape`, in `dtype` (the adjoint of {@linkcode reduceTo}). */
export function broadcastTo(t: Tensor, shape: readonly number[], dtype: DType = t.dtype): Tensor {
  const out = allocateFor("broadcastTo", shape, dtype);
  run({
    kind: "expand",
    shape,
    x: storageOf(t),
    sx: broadcastStrides(t.shape, shape),
    out,
    units: out.length,
    work: 20 * out.length,
  });
  return new Tensor(out, shape);
}
