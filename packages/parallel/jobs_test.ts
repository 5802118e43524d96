import assert from "node:assert/strict";
import { gradTasks, planMatmul } from "@matgrad/core";
import type { GemmTask } from "@matgrad/core/kernels";
import { gradJobs } from "./jobs.ts";
import type { Job } from "./protocol.ts";

/** How many times each element of `task`'s output is covered by `jobs`. */
function coverage(task: GemmTask, jobs: readonly Job[][]): Uint8Array {
  const count = task.cOffsets.length;
  const seen = new Uint8Array(count * task.m * task.n);
  for (const list of jobs) {
    for (const { task: t, block } of list) {
      if (t !== task) continue;
      for (let o = block.o0; o < block.o1; o++) {
        for (let r = block.r0; r < block.r1; r++) {
          for (let c = block.c0; c < block.c1; c++) seen[(o * task.m + r) * task.n + c]!++;
        }
      }
    }
  }
  return seen;
}

Deno.test("gradJobs covers every element of dA and dB exactly once", () => {
  const shapes: [number[], number[]][] = [[[512, 512], [512, 512]], [[8192, 256], [256, 64]], [
    [3, 40, 24],
    [24, 16],
  ], [[64, 300], [300, 8]]];
  for (const [as, bs] of shapes) {
    const { dA, dB } = gradTasks(planMatmul(as, bs));
    for (const parts of [1, 2, 3, 4]) {
      const jobs = gradJobs(dA, dB, parts);
      assert.equal(jobs.length, parts);
      for (const t of [dA, dB]) {
        assert.ok(coverage(t, jobs).every((x) => x === 1), `${as}·${bs}, ${parts} parts`);
      }
    }
  }
});
