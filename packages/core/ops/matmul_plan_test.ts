import {
  assert,
  assertEquals,
  assertNotStrictEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  cachedPlan,
  forwardOf,
  forwardTask,
  gradsOf,
  gradTasks,
  planMatmul,
} from "./matmul_plan.ts";
import { broadcastShapes } from "../tensor/shape.ts";
import { cast, resultDType } from "./op_helpers.ts";
import { ShapeError } from "../errors.ts";
import { assertThrowsExactly } from "../testing/reference.ts";

Deno.test("broadcastShapes follows NumPy's right-aligned rules", () => {
  assertEquals(broadcastShapes([2, 1], [5]), [2, 5]);
  assertEquals(broadcastShapes([], [3, 4]), [3, 4]);
  assertEquals(broadcastShapes([1, 3], [2, 1]), [2, 3]);
  assertEquals(broadcastShapes([0], [1]), [0]);
  assertEquals(broadcastShapes([1], [0]), [0]);
  assertEquals(broadcastShapes([], []), []);
  assertThrowsExactly(
    () => broadcastShapes([2, 3], [4, 3]),
    ShapeError,
    "broadcast: batch dimensions 2×3 and 4×3 do not broadcast: 2 and 4 differ",
  );
});

Deno.test("planMatmul maps each output matrix to the operand matrices it reads", () => {
  const plan = planMatmul([2, 1, 3, 4], [5, 4, 6], { transposeB: false });
  assertEquals(plan.outShape, [2, 5, 3, 6]);
  assertEquals([plan.m, plan.n, plan.k, plan.lda, plan.ldb], [3, 6, 4, 4, 6]);
  assertEquals([plan.aCount, plan.bCount], [2, 5]);
  // output (i, j) reads A[i, 0] and B[j]
  assertEquals(plan.aIndex, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  assertEquals(plan.bIndex, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  const t = planMatmul([4, 3], [6, 4], { transposeA: true, transposeB: true });
  assertEquals([t.m, t.n, t.k, t.transA, t.transB, t.lda, t.ldb], [3, 6, 4, true, true, 3, 4]);
  // flags on 1-D operands are ignored
  const v = planMatmul([4], [4], { transposeA: true, transposeB: true });
  assertEquals([v.m, v.n, v.k, v.transA, v.transB, v.outShape], [1, 1, 4, false, false, []]);
});

Deno.test("forwardTask and gradTasks lay out offsets and terms", () => {
  const plan = planMatmul([2, 3, 4], [4, 5]);
  const f = forwardTask(plan);
  assertEquals([f.x, f.y, f.out, f.m, f.n, f.k], ["a", "b", "c", 3, 5, 4]);
  assertEquals(f.cOffsets, [0, 15]);
  assertEquals(f.xOffsets, [0, 12]);
  assertEquals(f.yOffsets, [0, 0]);
  assertEquals(f.termStart, [0, 1, 2]);
  const { dA, dB } = gradTasks(plan);
  assertEquals([dA.x, dA.y, dA.out, dA.m, dA.n, dA.k], ["dC", "b", "dA", 3, 4, 5]);
  assertEquals(dA.termStart, [0, 1, 2]);
  // B is shared by both batch entries: one output matrix with two terms
  assertEquals([dB.x, dB.y, dB.out, dB.m, dB.n, dB.k], ["a", "dC", "dB", 4, 5, 3]);
  assertEquals(dB.cOffsets, [0]);
  assertEquals(dB.termStart, [0, 2]);
  assertEquals(dB.xOffsets, [0, 12]);
  assertEquals(dB.yOffsets, [0, 15]);
});

Deno.test("resultDType and cast", () => {
  assertStrictEquals(resultDType("float32", "float32"), "float32");
  assertStrictEquals(resultDType("float32", "float64"), "float64");
  assertStrictEquals(resultDType("float64", "float32"), "float64");
  assertStrictEquals(resultDType("float64", "float64"), "float64");
  const f32 = new Float32Array([0.5, 1.5]);
  assertStrictEquals(cast(f32, "float32"), f32);
  const up = cast(f32, "float64");
  assert(up instanceof Float64Array);
  assertEquals([...up], [0.5, 1.5]);
  const down = cast(new Float64Array([0.1]), "float32");
  assert(down instanceof Float32Array);
  assertStrictEquals(down[0], Math.fround(0.1));
});

Deno.test("cachedPlan remembers recent shape pairs and still checks the rest", () => {
  const plan = (a: number[], b: number[], o = {}) => cachedPlan(a, b, o, "matmul", "float32");
  const p = plan([5, 3], [3, 4]);
  assertStrictEquals(plan([5, 3], [3, 4]), p); // equal dimensions, other arrays
  assertNotStrictEquals(plan([5, 3], [4, 3], { transposeB: true }), p);
  assertStrictEquals(gradsOf(p), gradsOf(p)); // tasks made once
  assertEquals(forwardOf(p), forwardTask(planMatmul([5, 3], [3, 4])));
  assertThrows(() => plan([5, 3], [4, 4]), ShapeError);
  {
    const error = assertThrows(
      () => plan([5, 3], [3, 4], { transposeA: 1 as unknown as boolean }),
      Error,
    );
    assertStrictEquals(error.name, "TypeError");
    assertStrictEquals(error.message, "matmul: option transposeA must be a boolean, got number 1");
  }
  // After 16 other pairs the first is planned afresh, with the same content.
  for (let i = 1; i <= 16; i++) plan([i, 2], [2, 1]);
  const again = plan([5, 3], [3, 4]);
  assertNotStrictEquals(again, p);
  assertEquals(again.plan, p.plan);
});
