import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { casesFor, type Entry, failures } from "./bench.ts";
import type { CaseResult, RunnerResult } from "./run_one.ts";

const base = { op: "forward", dtype: "float32", n: 4, d: 4, m: 4 } as const;

function entry(id: string, kind: "matgrad" | "peer", result: Partial<RunnerResult>): Entry {
  return {
    spec: { id, label: id, kind, threads: 1, bench: "matmul" },
    result: { id, status: "ok", cases: [], ...result },
  };
}

Deno.test("failures: a wrong result anywhere fails the run", () => {
  const wrong: CaseResult = { ...base, status: "wrong", check: "C[0][0] = 1, float64 reference 2" };
  const out = failures([
    entry("matgrad-js", "matgrad", {}),
    entry("tfjs-cpu", "peer", { cases: [wrong] }),
  ]);
  assertEquals(out, ["tfjs-cpu forward float32 4×4×4: C[0][0] = 1, float64 reference 2"]);
});

Deno.test("failures: a peer that cannot load is reported, not fatal; matgrad's own errors are", () => {
  const error: CaseResult = { ...base, status: "error", error: "RangeError: boom" };
  assertEquals(
    failures([
      entry("matgrad-js", "matgrad", {}),
      entry("matgrad-wasm", "matgrad", { status: "unavailable", error: "no wasm" }),
      entry("jax-js-1", "peer", { status: "unavailable", error: "no module" }),
      entry("tfjs-wasm", "peer", { status: "crashed", error: "exit code 1" }),
      entry("tfjs-cpu", "peer", { cases: [error] }),
    ]),
    [],
  );
  assertEquals(failures([entry("matgrad-pool-2", "matgrad", { cases: [error] })]), [
    "matgrad-pool-2 forward float32 4×4×4: RangeError: boom",
  ]);
  assertEquals(
    failures([entry("matgrad-js", "matgrad", { status: "unavailable", error: "x" })]),
    [
      "matgrad-js is unavailable: x",
    ],
  );
});

Deno.test("casesFor: every shape in both directions and dtypes; --big adds 2048³", () => {
  const full = casesFor({ quick: false, big: false });
  assertStrictEquals(full.matmul.length, 5 * 2 * 2);
  assert(!full.matmul.some((c) => c.n === 2048));
  assert(casesFor({ quick: false, big: true }).matmul.some((c) => c.n === 2048 && c.m === 2048));
  assertEquals(full.train.map((c) => [c.op, c.n, c.d, c.m]), [["train", 8192, 256, 64]]);
  assert(casesFor({ quick: true, big: false }).matmul.every((c) => c.n * c.d * c.m <= 64 ** 3));
});
