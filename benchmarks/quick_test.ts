import { assert, assertEquals, assertMatch, assertStrictEquals } from "@std/assert";
import { type Entry, failures, runAll } from "./bench.ts";
import { machine, markdown } from "./report.ts";

/** The peers are devDependencies of this package: they must load. */
const MUST_LOAD = ["matgrad-js", "tfjs-cpu", "tfjs-wasm", "jax-js-1", "jax-js-2"];

Deno.test("bench --quick: every available runner passes its float64 check", async (t) => {
  const entries: Entry[] = await runAll({
    quick: true,
    big: false,
    reps: 1,
    minRepMs: 0,
    only: [],
    log: () => {},
  });
  const table = markdown({
    date: "",
    command: "",
    machine: machine(),
    options: {},
    runners: entries,
  });
  const byId = new Map(entries.map((e) => [e.spec.id, e]));
  for (const id of MUST_LOAD) {
    await t.step(`${id} loads`, () => {
      const e = byId.get(id);
      assert(e !== undefined, `${id} did not run`);
      assertStrictEquals(e.result.status, "ok", `${id}: ${e.result.error}`);
    });
  }
  for (const e of entries.filter((e) => e.result.status === "ok")) {
    await t.step(`${e.spec.id}: ${e.result.cases.length} cases correct`, () => {
      assert(e.result.cases.length > 0, `${e.spec.id} ran no case`);
      for (const c of e.result.cases) {
        assertStrictEquals(
          c.status,
          "ok",
          `${e.spec.id} ${c.op} ${c.dtype} ${c.n}×${c.d}×${c.m}: ${c.check ?? c.error}`,
        );
        assert(c.gflops! > 0);
      }
    });
  }
  assertEquals(failures(entries), [], table);
  assertMatch(table, /\| \*\*matgrad \/ best JS peer, 1 thread\*\* \|/);
});
