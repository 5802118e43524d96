import { assertEquals, assertStrictEquals, fail } from "@std/assert";
import { type GemmTask, runGemmTask, type TaskBlock, wholeTask } from "./gemm_task.ts";
import { gemmJs } from "./js/gemm.ts";
import { forwardTask, gradTasks, planMatmul } from "../ops/matmul_plan.ts";
import { assertSameBits, exact, product, randomValues, refGemm } from "../testing/reference.ts";
import type { TensorData } from "../dtype.ts";

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: [Ctor, (x: number) => number][] = [[Float64Array, exact], [
  Float32Array,
  Math.fround,
]];
const SENTINEL = -3.75;

/** The buffers of one product and its gradients, filled with test data. */
function buffers(
  ctor: Ctor,
  aShape: readonly number[],
  bShape: readonly number[],
  outShape: readonly number[],
  seed: number,
) {
  return {
    a: ctor.from(randomValues(product(aShape), seed)),
    b: ctor.from(randomValues(product(bShape), seed + 1)),
    dC: ctor.from(randomValues(product(outShape), seed + 2)),
  } as Record<string, TensorData>;
}

function outSize(task: GemmTask): number {
  return task.cOffsets.length * task.m * task.n;
}

function run(task: GemmTask, bufs: Record<string, TensorData>, ctor: Ctor, block?: TaskBlock) {
  const out = new ctor(outSize(task)).fill(SENTINEL);
  runGemmTask(gemmJs, task, bufs[task.x]!, bufs[task.y]!, out, block);
  return out;
}

/** Splits [0, len) into pieces at the given cut points. */
function pieces(len: number, cuts: number[]): [number, number][] {
  const edges = [0, ...cuts.filter((c) => c > 0 && c < len), len];
  return edges.slice(1).map((e, i) => [edges[i]!, e]);
}

/**
 * Computes the task whole, then tiles its output with blocks of matrices,
 * rows and columns, each run alone into a fresh sentinel-filled buffer: each
 * must write exactly its rectangle, with exactly the whole product's bits.
 */
function checkBlocks(task: GemmTask, bufs: Record<string, TensorData>, ctor: Ctor, what: string) {
  const whole = run(task, bufs, ctor);
  const count = task.cOffsets.length;
  const tiled = new ctor(whole.length).fill(SENTINEL);
  const tilings = [
    { os: pieces(count, []), rs: pieces(task.m, [1]), cs: pieces(task.n, []) },
    { os: pieces(count, [1]), rs: pieces(task.m, []), cs: pieces(task.n, [5, 130]) },
    { os: pieces(count, []), rs: pieces(task.m, [3, 66]), cs: pieces(task.n, [257]) },
  ];
  for (const { os, rs, cs } of tilings) {
    tiled.fill(SENTINEL);
    for (const [o0, o1] of os) {
      for (const [r0, r1] of rs) {
        for (const [c0, c1] of cs) {
          const block = { o0, o1, r0, r1, c0, c1 };
          const alone = run(task, bufs, ctor, block);
          for (let o = 0; o < count; o++) {
            for (let r = 0; r < task.m; r++) {
              for (let c = 0; c < task.n; c++) {
                const i = task.cOffsets[o]! + r * task.ldc + c;
                const inside = o >= o0 && o < o1 && r >= r0 && r < r1 && c >= c0 && c < c1;
                if (!Object.is(alone[i], inside ? whole[i] : SENTINEL)) {
                  fail(`${what}: block ${JSON.stringify(block)} at [${o}, ${r}, ${c}]`);
                }
                if (inside) tiled[i] = alone[i]!;
              }
            }
          }
        }
      }
    }
    assertSameBits(tiled, whole, `${what}: tiled`);
  }
}

Deno.test("wholeTask covers every output matrix, row and column", () => {
  const task = forwardTask(planMatmul([3, 2, 5], [5, 7]));
  assertEquals(wholeTask(task), { o0: 0, o1: 3, r0: 0, r1: 2, c0: 0, c1: 7 });
});

Deno.test("runGemmTask: blocks of a forward product equal the whole product bit for bit", () => {
  let seed = 1;
  for (const [ctor] of DTYPES) {
    for (const [transposeA, transposeB] of [[false, false], [true, true]]) {
      const aShape = transposeA ? [2, 300, 70] : [2, 70, 300];
      const bShape = transposeB ? [270, 300] : [300, 270];
      const plan = planMatmul(aShape, bShape, { transposeA, transposeB });
      const bufs = buffers(ctor, aShape, bShape, plan.outShape, seed++);
      checkBlocks(
        forwardTask(plan),
        bufs,
        ctor,
        `forward ${ctor.name} ${transposeA} ${transposeB}`,
      );
    }
  }
});

Deno.test("runGemmTask: blocks of summed-back gradient tasks equal the whole bit for bit", () => {
  let seed = 10;
  for (const [ctor] of DTYPES) {
    for (const [transposeA, transposeB] of [[false, false], [false, true], [true, false]]) {
      // A broadcasts over B's batch of 3, so dA sums three terms per matrix.
      const aShape = transposeA ? [1, 9, 70] : [1, 70, 9];
      const bShape = transposeB ? [3, 260, 9] : [3, 9, 260];
      const plan = planMatmul(aShape, bShape, { transposeA, transposeB });
      const bufs = buffers(ctor, aShape, bShape, plan.outShape, seed++);
      const { dA, dB } = gradTasks(plan);
      checkBlocks(dA, bufs, ctor, `dA ${ctor.name} ${transposeA} ${transposeB}`);
      checkBlocks(dB, bufs, ctor, `dB ${ctor.name} ${transposeA} ${transposeB}`);
    }
  }
});

Deno.test("runGemmTask sums an output's terms as one in-order chain", () => {
  // B (4×6) is shared by A's batch of 3, so dB = Σ_t A_tᵀ·dC_t: per element
  // one chain over t, then p, rounded at every step.
  for (const [ctor, round] of DTYPES) {
    const plan = planMatmul([3, 5, 4], [4, 6]);
    const bufs = buffers(ctor, [3, 5, 4], [4, 6], plan.outShape, 20);
    const { dB } = gradTasks(plan);
    assertStrictEquals(dB.termStart[1]! - dB.termStart[0]!, 3);
    const got = run(dB, bufs, ctor);
    const want = new ctor(4 * 6);
    for (let t = 0; t < 3; t++) {
      refGemm(
        true,
        false,
        4,
        6,
        5,
        bufs.a!,
        t * 20,
        4,
        bufs.dC!,
        t * 30,
        6,
        want,
        0,
        6,
        t > 0,
        round,
      );
    }
    assertSameBits(got, want, `dB ${ctor.name}`);
  }
});

Deno.test("runGemmTask zero-fills an output with no terms and skips empty blocks", () => {
  // B's batch is empty, so A's single matrix receives no gradient terms.
  const plan = planMatmul([1, 3, 4], [0, 4, 5]);
  const { dA } = gradTasks(plan);
  assertStrictEquals(dA.termStart[1], 0);
  const bufs = buffers(Float64Array, [1, 3, 4], [0, 4, 5], plan.outShape, 30);
  assertSameBits(run(dA, bufs, Float64Array), new Float64Array(12), "no terms");
  const fwd = forwardTask(planMatmul([3, 4], [4, 5]));
  const untouched = run(fwd, buffers(Float64Array, [3, 4], [4, 5], [3, 5], 31), Float64Array, {
    o0: 0,
    o1: 1,
    r0: 2,
    r1: 2,
    c0: 0,
    c1: 5,
  });
  assertSameBits(untouched, new Float64Array(15).fill(SENTINEL), "empty block");
});
