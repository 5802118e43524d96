/**
 * Differentiable losses: {@linkcode mse} and {@linkcode softmaxCrossEntropy}.
 * Both return a scalar averaged over the examples.
 *
 * @module
 */
import { record, tracing } from "../autograd/tape.ts";
import { ShapeError } from "../errors.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import type { TensorData } from "../dtype.ts";
import { Binary, Unary } from "../kernels/elementwise.ts";
import { REDUCE_BLOCK } from "../kernels/reduce.ts";
import { allocateData, allocateFor, disown } from "../tensor/storage.ts";
import { storageOf, Tensor } from "../tensor/tensor.ts";
import { unaryTask } from "./elementwise.ts";
import { cast, checkTensor, resultDType, run } from "./op_helpers.ts";

/**
 * The mean squared error `mean((pred − target)²)` over all elements. The
 * shapes must match exactly: silently broadcasting a 3×1 prediction against
 * a length-3 target is a classic bug, so it is an error here.
 *
 * @throws {TypeError} if an argument is not a Tensor.
 * @throws {ShapeError} if the shapes differ.
 * @example
 * ```ts
 * import { mse, tensor } from "@matgrad/core";
 * import { assertStrictEquals } from "@std/assert";
 *
 * assertStrictEquals(mse(tensor([1, 2, 3]), tensor([1, 2, 5])).item(), Math.fround(4 / 3)); // float32
 * ```
 */
export function mse(pred: Tensor, target: Tensor): Tensor {
  checkTensor(pred, "pred", "mse");
  checkTensor(target, "target", "mse");
  if (!sameShape(pred.shape, target.shape)) {
    throw new ShapeError(
      `mse: pred has shape ${formatShape(pred.shape)} but target has shape ${
        formatShape(target.shape)
      }`,
    );
  }
  // One pass and no temporaries, with the bits of mean(square(sub(pred, target))):
  // each difference and square rounded to the dtype, squares summed in float64
  // in the block order of a reduction, the mean rounded once.
  const dtype = resultDType(pred.dtype, target.dtype);
  const f32 = dtype === "float32" ? 1 : 0;
  const p = storageOf(pred);
  const t = storageOf(target);
  const n = pred.size;
  const blocks = Math.max(1, Math.ceil(n / REDUCE_BLOCK));
  const partial = allocateData("float64", blocks, true) as Float64Array;
  run({
    kind: "mse",
    p,
    t,
    partial,
    blockLen: REDUCE_BLOCK,
    f32,
    units: n === 0 ? 0 : blocks,
    work: 40 * n,
  });
  const out = allocateFor("mse", [], dtype);
  run({
    kind: "combine",
    partial,
    blocks,
    outLen: 1,
    divisor: n,
    out,
    units: 1,
    work: 20 * blocks,
  });
  disown(partial);
  const y = new Tensor(out, []);
  if (tracing()) {
    record(y, [pred, target], (g, [needPred, needTarget]) => {
      // d/dpred = (g/n)·2(pred − target), rounded as the composed ops round it.
      const d = allocateFor("mse", pred.shape, dtype);
      run({ kind: "mseGrad", p, t, gs: storageOf(g), n, out: d, f32, units: n, work: 40 * n });
      const inDType = (x: TensorData, like: Tensor) =>
        new Tensor(like.dtype === dtype ? x : cast(x, like.dtype), like.shape);
      let negated: TensorData | undefined;
      if (needTarget) {
        negated = allocateFor("mse", target.shape, dtype);
        run(unaryTask(Unary.neg, d, negated));
      }
      return [
        needPred ? inDType(d, pred) : undefined,
        negated !== undefined ? inDType(negated, target) : undefined,
      ];
    });
  }
  return y;
}

/**
 * Softmax followed by cross-entropy, averaged over the examples, computed
 * stably through log-sum-exp (no `exp` of a large logit overflows).
 *
 * `logits` has shape `[..., C]` (the last axis holds the classes). `labels`
 * is either a tensor of the same shape holding probabilities (e.g. one-hot
 * rows), or a tensor of shape `[...]` holding class indices 0…C−1. The loss is
 * `mean over examples of −Σⱼ labelsⱼ · log softmax(logits)ⱼ`. Probability
 * labels get a gradient too; index labels get none.
 *
 * @throws {TypeError} if an argument is not a Tensor.
 * @throws {ShapeError} if logits is 0-D or the label shape fits neither form.
 * @throws {RangeError} if an index label is not an integer in [0, C).
 * @example
 * ```ts
 * import { softmaxCrossEntropy, tensor } from "@matgrad/core";
 * import { assert, assertStrictEquals } from "@std/assert";
 *
 * const logits = tensor([[2, 0], [0, 2]], undefined, "float64");
 * const byIndex = softmaxCrossEntropy(logits, tensor([0, 1]));
 * const oneHot = softmaxCrossEntropy(logits, tensor([[1, 0], [0, 1]]));
 * assertStrictEquals(byIndex.item(), oneHot.item());
 * assert(Math.abs(byIndex.item() - Math.log(1 + Math.exp(-2))) < 1e-15);
 * ```
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const fn = "softmaxCrossEntropy";
  checkTensor(logits, "logits", fn);
  checkTensor(labels, "labels", fn);
  const nd = logits.shape.length;
  if (nd === 0) {
    throw new ShapeError(`${fn}: logits must have a class axis, got shape scalar`);
  }
  const c = logits.shape[nd - 1]!;
  const rows = c === 0 ? 0 : logits.size / c;
  const indexed = !sameShape(labels.shape, logits.shape);
  if (indexed && !sameShape(labels.shape, logits.shape.slice(0, -1))) {
    throw new ShapeError(
      `${fn}: labels of shape ${formatShape(labels.shape)} fit neither logits of shape ${
        formatShape(logits.shape)
      } (probabilities) nor its leading shape ${formatShape(logits.shape.slice(0, -1))} (indices)`,
    );
  }
  // Index labels on a device cannot be read here; the kernel clamps them there.
  if (indexed && !labels.onDevice) {
    for (let r = 0; r < rows; r++) {
      const k = storageOf(labels)[r]!;
      if (!Number.isInteger(k) || k < 0 || k >= c) {
        throw new RangeError(`${fn}: labels[${r}] = ${k} is not a class index in [0, ${c})`);
      }
    }
  }
  const dtype = indexed ? logits.dtype : resultDType(logits.dtype, labels.dtype);
  const probs = allocateData("float64", logits.size) as Float64Array;
  const logSoftmax = allocateData("float64", logits.size) as Float64Array;
  const losses = allocateData("float64", rows) as Float64Array;
  run({
    kind: "xent",
    logits: storageOf(logits),
    labels: storageOf(labels),
    indexed: indexed ? 1 : 0,
    c,
    probs,
    logSoftmax,
    losses,
    units: rows,
    work: 200 * logits.size,
  });
  const out = allocateFor(fn, [], dtype);
  run({
    kind: "combine",
    partial: losses,
    blocks: rows,
    outLen: 1,
    divisor: rows,
    out,
    units: 1,
    work: 20 * rows,
  });
  disown(losses);
  const y = new Tensor(out, []);
  if (!tracing()) {
    disown(probs);
    disown(logSoftmax);
    return y;
  }
  record(y, [logits, labels], (g, needs) => {
    // ∂/∂z = (softmax · Σlabels − labels) / rows; ∂/∂labels = −log softmax / rows.
    const gs = storageOf(g);
    const dz = allocateFor(fn, logits.shape, logits.dtype);
    run({
      kind: "xentGrad",
      probs,
      labels: storageOf(labels),
      indexed: indexed ? 1 : 0,
      c,
      gs,
      n: rows,
      out: dz,
      units: rows,
      work: 40 * logits.size,
    });
    const dLogits = new Tensor(dz, logits.shape);
    if (indexed || !needs[1]) return [dLogits, undefined];
    // dl = log softmax · −(g / rows), the factor computed where g lives.
    const w = allocateData("float64", 1);
    run(unaryTask(Unary.divide, gs, w, -rows));
    const dl = allocateFor(fn, labels.shape, labels.dtype);
    run({
      kind: "binary",
      op: Binary.mul,
      shape: [logSoftmax.length],
      a: logSoftmax,
      sa: [1],
      b: w,
      sb: [0],
      out: dl,
      units: dl.length,
      work: 20 * dl.length,
    });
    disown(w);
    return [dLogits, new Tensor(dl, labels.shape)];
  });
  return y;
}
