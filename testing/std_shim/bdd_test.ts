// The stand-in for @std/testing/bdd: a describe's cases run as steps, in order, nested groups too.
import { describe, it } from "./bdd.ts";

const order: string[] = [];

describe("a group", () => {
  it("runs its first case", () => {
    order.push("first");
  });
  describe("a nested group", () => {
    it("runs as a step of a step", async () => {
      await Promise.resolve();
      order.push("nested");
    });
  });
  it("runs its cases in order, awaiting each", () => {
    order.push("last");
    if (order.join() !== "first,nested,last") throw new Error(`order: ${order.join()}`);
  });
});

it("a top-level case is a test of its own", () => {});

Deno.test("a failing case fails its group", async () => {
  // Run a group's steps on a stand-in test context, the way Deno.test would.
  const registered: ((t: Deno.TestContext) => Promise<void>)[] = [];
  const realTest = Deno.test;
  (Deno as { test: unknown }).test = (_name: string, fn: (t: Deno.TestContext) => Promise<void>) =>
    registered.push(fn);
  try {
    describe("failing", () => {
      it("throws", () => {
        throw new Error("boom");
      });
    });
  } finally {
    (Deno as { test: unknown }).test = realTest;
  }
  const t = {
    step: async (_name: string, fn: (t: Deno.TestContext) => Promise<void>) => {
      await fn(t);
      return true;
    },
  } as unknown as Deno.TestContext;
  let error: unknown;
  try {
    await registered[0]!(t);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof Error) || error.message !== "boom") throw new Error(`got ${error}`);
});
