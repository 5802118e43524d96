/**
 * NumPy broadcasting for the element-wise ops, and its adjoint: summing a
 * gradient back to an input's shape.
 *
 * @module
 */
import { broadcastShapes, formatShape, sameShape } from "../tensor/shape.ts";
import { allocate, type DType, Tensor } from "../tensor/tensor.ts";
import { broadcastStrides, sumLoop } from "./loops.ts";
import { cast } from "./matmul.ts";

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
    return g.dtype === like.dtype ? g : new Tensor(cast(g.data, like.dtype), like.shape);
  }
  return reduceTo(g, like.shape, like.dtype);
}

/** Sums `g` over the axes where `shape` (right-aligned) is 1 or missing. */
export function reduceTo(g: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const out = allocate(dtype, shape.reduce((p, d) => p * d, 1));
  sumLoop(
    g.shape,
    g.data,
    broadcastStrides(shape, g.shape),
    new Float64Array(out.length),
    out,
  );
  return new Tensor(out, shape);
}

/** Repeats `t` along broadcast axes to `shape`, in `dtype` (the adjoint of {@linkcode reduceTo}). */
export function broadcastTo(t: Tensor, shape: readonly number[], dtype: DType = t.dtype): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = allocate(dtype, n);
  if (t.size === n) {
    out.set(t.data);
    return new Tensor(out, shape);
  }
  const nd = shape.length;
  const st = broadcastStrides(t.shape, shape);
  const inner = shape[nd - 1]!;
  const step = st[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let p = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0, q = p; j < inner; j++, q += step) out[o + j] = t.data[q]!;
    for (let ax = nd - 2; ax >= 0; ax--) {
      p += st[ax]!;
      if (++idx[ax]! < shape[ax]!) break;
      p -= st[ax]! * shape[ax]!;
      idx[ax] = 0;
    }
  }
  return new Tensor(out, shape);
}
