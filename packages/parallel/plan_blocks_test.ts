import assert from "node:assert/strict";
import { forwardTask, gradTasks, planMatmul } from "@matgrad/core";
import type { GemmTask, TaskBlock } from "@matgrad/core/kernels";
import { BLOCK_TILE, type BlockAxis, planBlocks } from "./plan_blocks.ts";

/** A bare task with `count` output matrices of m×n. */
function task(count: number, m: number, n: number): GemmTask {
  return {
    x: "a",
    y: "b",
    out: "c",
    transX: false,
    transY: false,
    m,
    n,
    k: 1,
    ldx: 1,
    ldy: n,
    ldc: n,
    cOffsets: Array.from({ length: count }, (_, o) => o * m * n),
    termStart: Array.from({ length: count + 1 }, (_, o) => o),
    xOffsets: Array.from({ length: count }, (_, o) => o * m),
    yOffsets: Array.from({ length: count }, (_, o) => o * n),
  };
}

/** Counts how often each output element is covered; checks edges and sizes on the way. */
function coverage(t: GemmTask, groups: TaskBlock[][]): Uint8Array {
  const { m, n } = t;
  const count = t.cOffsets.length;
  const seen = new Uint8Array(count * m * n);
  for (const group of groups) {
    for (const { o0, o1, r0, r1, c0, c1 } of group) {
      assert.ok(0 <= o0 && o0 < o1 && o1 <= count, `matrices [${o0}, ${o1})`);
      assert.ok(0 <= r0 && r0 < r1 && r1 <= m, `rows [${r0}, ${r1}) of ${m}`);
      assert.ok(0 <= c0 && c0 < c1 && c1 <= n, `cols [${c0}, ${c1}) of ${n}`);
      for (const edge of [r0, r1]) assert.ok(edge % BLOCK_TILE === 0 || edge === m, `row ${edge}`);
      for (const edge of [c0, c1]) assert.ok(edge % BLOCK_TILE === 0 || edge === n, `col ${edge}`);
      for (let o = o0; o < o1; o++) {
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) seen[(o * m + r) * n + c]!++;
        }
      }
    }
  }
  return seen;
}

function elements(group: TaskBlock[]): number {
  return group.reduce((s, b) => s + (b.o1 - b.o0) * (b.r1 - b.r0) * (b.c1 - b.c0), 0);
}

Deno.test("planBlocks covers every output element exactly once, aligned and balanced", () => {
  const sizes = [1, 2, 7, 8, 9, 17, 33, 64, 100];
  let cases = 0;
  for (const count of [1, 2, 3, 5]) {
    for (const m of sizes) {
      for (const n of sizes) {
        for (const parts of [1, 2, 3, 4, 7]) {
          for (const axis of ["rows", "columns"] as BlockAxis[]) {
            const t = task(count, m, n);
            const groups = planBlocks(t, parts, axis);
            assert.equal(groups.length, parts);
            const seen = coverage(t, groups);
            const bad = seen.findIndex((v) => v !== 1);
            assert.equal(bad, -1, `${count}×${m}×${n}, ${parts} ${axis}: element ${bad}`);
            // Balanced: no part exceeds its share by more than one unit, one
            // tile band (or one 2-D tile).
            const sizes = groups.map(elements);
            const unit = BLOCK_TILE * (axis === "rows" ? n : m);
            assert.ok(
              Math.max(...sizes) <= (count * m * n) / parts + unit,
              `${count}×${m}×${n}, ${parts} ${axis}: part sizes ${sizes}`,
            );
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 4 * 9 * 9 * 5 * 2);
});

Deno.test("planBlocks cuts dA into row blocks and dB into column blocks", () => {
  const { dA, dB } = gradTasks(planMatmul([512, 300], [300, 256]));
  const rows = planBlocks(dA, 2, "rows");
  assert.deepEqual(rows, [
    [{ o0: 0, o1: 1, r0: 0, r1: 256, c0: 0, c1: 300 }],
    [{ o0: 0, o1: 1, r0: 256, r1: 512, c0: 0, c1: 300 }],
  ]);
  const cols = planBlocks(dB, 2, "columns");
  assert.deepEqual(cols, [
    [{ o0: 0, o1: 1, r0: 0, r1: 300, c0: 0, c1: 128 }],
    [{ o0: 0, o1: 1, r0: 0, r1: 300, c0: 128, c1: 256 }],
  ]);
  // Uneven tiles: 100 rows are 13 tiles of 8; 7 go to the first part.
  const odd = planBlocks(forwardTask(planMatmul([100, 5], [5, 3])), 2, "rows");
  assert.equal(
    coverage(forwardTask(planMatmul([100, 5], [5, 3])), odd).every((v) => v === 1),
    true,
  );
});

Deno.test("planBlocks splits batches first", () => {
  const t = forwardTask(planMatmul([4, 64, 32], [32, 16]));
  assert.deepEqual(planBlocks(t, 2, "rows"), [
    [{ o0: 0, o1: 2, r0: 0, r1: 64, c0: 0, c1: 16 }],
    [{ o0: 2, o1: 4, r0: 0, r1: 64, c0: 0, c1: 16 }],
  ]);
  // Three matrices over two workers: one and a half each.
  assert.deepEqual(planBlocks(task(3, 64, 16), 2, "rows"), [
    [{ o0: 0, o1: 1, r0: 0, r1: 64, c0: 0, c1: 16 }, {
      o0: 1,
      o1: 2,
      r0: 0,
      r1: 32,
      c0: 0,
      c1: 16,
    }],
    [{ o0: 1, o1: 2, r0: 32, r1: 64, c0: 0, c1: 16 }, {
      o0: 2,
      o1: 3,
      r0: 0,
      r1: 64,
      c0: 0,
      c1: 16,
    }],
  ]);
});

Deno.test("planBlocks uses 2-D tiles when rows are few", () => {
  // A 1-D A: one row of 1000 columns, cut into column ranges.
  const t = forwardTask(planMatmul([50], [50, 1000]));
  assert.deepEqual(planBlocks(t, 2, "rows"), [
    [{ o0: 0, o1: 1, r0: 0, r1: 1, c0: 0, c1: 496 }],
    [{ o0: 0, o1: 1, r0: 0, r1: 1, c0: 496, c1: 1000 }],
  ]);
  // 24 rows (3 tiles) of 64 columns over 2 parts: 12 row-tile×col-tile units each.
  const groups = planBlocks(task(1, 24, 64), 2, "rows");
  assert.deepEqual(groups.map(elements), [768, 768]);
});

Deno.test("planBlocks leaves parts empty when there is too little work, and rejects bad parts", () => {
  const groups = planBlocks(task(1, 3, 3), 4, "rows");
  assert.deepEqual(groups.map((g) => g.length), [0, 0, 0, 1]);
  assert.deepEqual(planBlocks(task(1, 0, 5), 2, "rows"), [[], []]);
  assert.throws(() => planBlocks(task(1, 3, 3), 0, "rows"), {
    name: "RangeError",
    message: "planBlocks: parts must be a positive integer, got 0",
  });
});
