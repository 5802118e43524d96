/**
 * How a call's work becomes messages: which blocks go to which worker, and
 * which buffers each worker is sent.
 *
 * @module
 */
import type { MatmulPlan } from "@matgrad/core";
import type { GemmTask, TaskBlock } from "@matgrad/core/kernels";
import { BLOCK_TILE, type BlockAxis, planBlocks } from "./plan_blocks.ts";
import type { Job, JobBuffers } from "./protocol.ts";

/**
 * Deals the two gradient products to `parts` workers. Both have the same flop
 * count, so with an even number of workers half of them take dA (row blocks)
 * and half dB (column blocks): each worker then reads one product's operands
 * only (one comparison while developing favoured this over giving every
 * worker a part of both; see the package README). Otherwise (an odd
 * count, or a matrix-vector product whose speed per flop differs) every
 * worker gets a row block of dA and a column block of dB.
 */
export function gradJobs(dA: GemmTask, dB: GemmTask, parts: number): Job[][] {
  const jobs = (task: GemmTask, groups: TaskBlock[][]) =>
    groups.map((blocks) => blocks.map((block) => ({ task, block })));
  const matrix = (t: GemmTask) => t.m >= BLOCK_TILE && t.n >= BLOCK_TILE;
  if (parts % 2 === 0 && matrix(dA) && matrix(dB)) {
    return [
      ...jobs(dA, planBlocks(dA, parts / 2, "rows")),
      ...jobs(dB, planBlocks(dB, parts / 2, "columns")),
    ];
  }
  const rows = jobs(dA, planBlocks(dA, parts, "rows"));
  const cols = jobs(dB, planBlocks(dB, parts, "columns"));
  return rows.map((list, i) => [...list, ...cols[i]!]);
}

/**
 * The buffers `jobs` read or write: every SharedArrayBuffer in a message adds
 * to its cost (`overhead_bench.ts`), so a worker gets only its own.
 */
export function needed(buffers: JobBuffers, jobs: readonly Job[]): JobBuffers {
  const out: JobBuffers = {};
  for (const { task } of jobs) {
    for (const name of [task.x, task.y, task.out]) out[name] = buffers[name];
  }
  return out;
}

/** 2·m·n·k per matrix of the product. */
export function flops(plan: MatmulPlan): number {
  return 2 * plan.m * plan.n * plan.k * plan.aIndex.length;
}

/**
 * The axis to cut one product along so that workers duplicate less reading:
 * a row block reads all of the right factor (k×n), a column block all of the
 * left one (m×k), so rows when n ≤ m.
 */
export function cheaperAxis(task: GemmTask): BlockAxis {
  return task.n <= task.m ? "rows" : "columns";
}

/** The jobs of one product cut into `parts` groups along `axis`. */
export function productJobs(task: GemmTask, parts: number, axis: BlockAxis): Job[][] {
  return planBlocks(task, parts, axis).map((blocks) => blocks.map((block) => ({ task, block })));
}
