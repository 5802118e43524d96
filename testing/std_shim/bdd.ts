/**
 * A LOCAL STAND-IN for `jsr:@std/testing@1/bdd`, holding only `describe` and `it` in their
 * `(name, fn)` form, which is all this repository uses. JSR cannot be reached from the machines this
 * project is built on, so the root `deno.json` maps the standard name to this file:
 *
 * ```json
 * "imports": { "@std/testing/bdd": "./testing/std_shim/bdd.ts" }
 * ```
 *
 * To use the real package, change that one line to `"@std/testing/bdd": "jsr:@std/testing@1/bdd"`
 * (and `"@std/assert"` to `"jsr:@std/assert@1"`); nothing else changes.
 *
 * As in std: a top-level `describe` registers one `Deno.test` whose cases (`it`) and nested
 * groups (`describe`) run as its steps, in order; a top-level `it` is a `Deno.test` of its own. A
 * group's body runs at once, when it is declared, to collect its cases.
 *
 * @module
 */

type Case = { name: string; fn: () => void | Promise<void> } | { name: string; group: Case[] };

let current: Case[] | undefined;

function runSteps(cases: Case[]) {
  return async (t: Deno.TestContext) => {
    for (const c of cases) {
      await t.step(c.name, "fn" in c ? async () => await c.fn() : runSteps(c.group));
    }
  };
}

/** Declares a group of test cases; `fn` declares them with {@linkcode it} (or nested groups). */
export function describe(name: string, fn: () => void): void {
  const group: Case[] = [];
  const outer = current;
  current = group;
  try {
    fn();
  } finally {
    current = outer;
  }
  if (outer) outer.push({ name, group });
  else Deno.test(name, runSteps(group));
}

/** Declares a test case: a step of the enclosing {@linkcode describe}, or a test at top level. */
export function it(name: string, fn: () => void | Promise<void>): void {
  if (current) current.push({ name, fn });
  else Deno.test(name, async () => await fn());
}
