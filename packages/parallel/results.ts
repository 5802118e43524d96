/**
 * Where the async calls' results live. A result stays in the heap, where
 * the next call reads it in place, while the results held there (not yet
 * disposed or collected) total at most {@linkcode RESULT_HEAP_BYTES} per pool;
 * past that it is copied into ordinary memory and its block goes back at
 * once. Results a program drops instead of disposing return to the heap
 * only once the collector has found them, which it does rarely, since it
 * cannot see how much heap memory a small tensor object holds; ordinary
 * memory it can see, and frees. So memory stays bounded whether results are
 * disposed or dropped ("Results left to the collector" in
 * benchmarks/README.md).
 *
 * @module
 */
import { isTensor, Tensor } from "@matgrad/core";
import { heapBlockOf } from "./heap.ts";

/** The most bytes of one pool's async results held in the heap at once. */
export const RESULT_HEAP_BYTES: number = 16 << 20;

/** A pool's count of the bytes its async results hold in the heap. */
export interface ResultBudget {
  /** Bytes held now: counted here, given back by the pool as each block is released. */
  held: number;
}

/**
 * `result` (a tensor, or an object of tensors), with each of its tensors in
 * the heap either counted in `budget` or, past {@linkcode RESULT_HEAP_BYTES},
 * moved to ordinary memory; `keep` (the caller's `out` tensors) stay as
 * they are.
 */
export function placeResult<R>(result: R, keep: readonly unknown[], budget: ResultBudget): R {
  const place = (t: Tensor): Tensor => {
    const block = heapBlockOf(t.data);
    if (block === undefined || block.result || keep.includes(t)) return t;
    if (budget.held + block.bytes <= RESULT_HEAP_BYTES) {
      block.result = true;
      budget.held += block.bytes;
      return t;
    }
    const copy = new Tensor(t.data.slice(), t.shape);
    t.dispose();
    return copy;
  };
  if (isTensor(result)) return place(result) as R;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
    out[k] = isTensor(v) ? place(v) : v;
  }
  return out as R;
}
