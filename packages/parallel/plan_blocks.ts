/**
 * How a product is cut into blocks for the workers. Any block of a
 * `GemmTask` computed alone has the bits of the whole product (core's kernel
 * contract), so the partition only decides balance and overhead.
 *
 * @module
 */
import type { GemmTask, TaskBlock } from "@matgrad/core/kernels";

/**
 * Rows or columns per block unit. Block edges fall on multiples of it (except
 * at a matrix's end), so that no worker gets a sliver narrower than the
 * kernels' register tile (4×4 in the JavaScript kernel).
 *
 * @example
 * ```ts
 * import { BLOCK_TILE, planBlocks } from "@matgrad/parallel";
 * import { forwardTask, planMatmul } from "@matgrad/core";
 * import assert from "node:assert/strict";
 *
 * const [first] = planBlocks(forwardTask(planMatmul([100, 4], [4, 300])), 3, "rows");
 * assert.equal(first![0]!.r1 % BLOCK_TILE, 0);
 * ```
 */
export const BLOCK_TILE = 8;

/**
 * The direction a partition prefers: `"rows"` for `dA = dC·Bᵀ` (row i of dA
 * needs only row i of dC) and the forward product, `"columns"` for
 * `dB = Aᵀ·dC` (column j of dB needs only column j of dC).
 */
export type BlockAxis = "rows" | "columns";

/**
 * Splits the output of `task` into `parts` groups of blocks, one group per
 * worker, that together cover every output element exactly once.
 *
 * Units are tiles of {@linkcode BLOCK_TILE} rows (or columns) of each output
 * matrix, taken batch matrix by batch matrix, so batches are split first; the
 * units are dealt out as `parts` contiguous runs of nearly equal work (no part
 * exceeds its share by more than one unit), and each run is merged into as
 * few blocks as possible (whole matrices, then whole row or column bands). When there are fewer than
 * `8·parts` such units (few rows, as for a 1-D operand), the units become
 * 2-D tiles of `BLOCK_TILE × BLOCK_TILE`, so the work still splits evenly.
 * Groups may be empty when the output is smaller than `parts` tiles.
 *
 * @param task The product to split.
 * @param parts How many groups (workers), at least 1.
 * @param axis The preferred direction of the cuts.
 * @returns `parts` arrays of blocks.
 * @throws {RangeError} if `parts` is not a positive integer.
 * @example
 * ```ts
 * import { forwardTask, planMatmul } from "@matgrad/core";
 * import { planBlocks } from "@matgrad/parallel";
 * import assert from "node:assert/strict";
 *
 * const task = forwardTask(planMatmul([64, 10], [10, 5]));
 * assert.deepEqual(planBlocks(task, 2, "rows"), [
 *   [{ o0: 0, o1: 1, r0: 0, r1: 32, c0: 0, c1: 5 }],
 *   [{ o0: 0, o1: 1, r0: 32, r1: 64, c0: 0, c1: 5 }],
 * ]);
 * ```
 */
export function planBlocks(task: GemmTask, parts: number, axis: BlockAxis): TaskBlock[][] {
  if (!Number.isInteger(parts) || parts < 1) {
    throw new RangeError(`planBlocks: parts must be a positive integer, got ${parts}`);
  }
  const count = task.cOffsets.length;
  const byRows = axis === "rows";
  // "p" is the cut direction, "s" the other one.
  const pLen = byRows ? task.m : task.n;
  const sLen = byRows ? task.n : task.m;
  const groups: TaskBlock[][] = Array.from({ length: parts }, () => []);
  if (count === 0 || pLen === 0 || sLen === 0) return groups;
  const pTiles = Math.ceil(pLen / BLOCK_TILE);
  const sTiles = count * pTiles >= 8 * parts ? 1 : Math.ceil(sLen / BLOCK_TILE);
  const sStep = sTiles === 1 ? sLen : BLOCK_TILE;
  const perMatrix = pTiles * sTiles;
  const total = count * perMatrix;

  const block = (o0: number, o1: number, p0: number, p1: number, s0: number, s1: number) => {
    const pa = p0 * BLOCK_TILE;
    const pb = Math.min(pLen, p1 * BLOCK_TILE);
    const sa = s0 * sStep;
    const sb = Math.min(sLen, s1 * sStep);
    return byRows
      ? { o0, o1, r0: pa, r1: pb, c0: sa, c1: sb }
      : { o0, o1, r0: sa, r1: sb, c0: pa, c1: pb };
  };

  // Work done by the units before unit u (only a matrix's last band and
  // last s-tile can be partial, so every earlier one is full).
  const pLast = pLen - (pTiles - 1) * BLOCK_TILE;
  const work = (u: number): number => {
    const o = Math.floor(u / perMatrix);
    const inMatrix = u - o * perMatrix;
    const pt = Math.floor(inMatrix / sTiles);
    const pSize = pt === pTiles - 1 ? pLast : BLOCK_TILE;
    return o * pLen * sLen + pt * BLOCK_TILE * sLen + (inMatrix - pt * sTiles) * sStep * pSize;
  };
  // The unit boundary whose work is nearest to `target` (the lower one on a tie).
  const boundary = (target: number): number => {
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (work(mid) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && target - work(lo - 1) <= work(lo) - target ? lo - 1 : lo;
  };
  const workTotal = count * pLen * sLen;
  let next = 0;
  for (let part = 0; part < parts; part++) {
    // Aim at an even share of what is left, so that early rounding is absorbed.
    const done = work(next);
    const end = part === parts - 1 ? total : boundary(done + (workTotal - done) / (parts - part));
    let u = next;
    next = end;
    const out = groups[part]!;
    while (u < end) {
      const o = Math.floor(u / perMatrix);
      const inMatrix = u - o * perMatrix;
      const pt = Math.floor(inMatrix / sTiles);
      const st = inMatrix - pt * sTiles;
      if (inMatrix === 0 && end - u >= perMatrix) {
        const whole = Math.floor((end - u) / perMatrix);
        out.push(block(o, o + whole, 0, pTiles, 0, sTiles));
        u += whole * perMatrix;
      } else if (st === 0 && end - u >= sTiles) {
        const bands = Math.min(pTiles - pt, Math.floor((end - u) / sTiles));
        out.push(block(o, o + 1, pt, pt + bands, 0, sTiles));
        u += bands * sTiles;
      } else {
        const stop = Math.min(sTiles, st + (end - u));
        out.push(block(o, o + 1, pt, pt + 1, st, stop));
        u += stop - st;
      }
    }
  }
  return groups;
}
