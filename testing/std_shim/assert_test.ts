// The stand-in for @std/assert against the behaviour std documents: each assertion passes when it
// should, fails when it should with an AssertionError, and a failure shows actual and expected.
// These tests import the stand-in by path on purpose: they test this file, not whatever
// "@std/assert" maps to.
import {
  assert,
  assertEquals,
  assertInstanceOf,
  AssertionError,
  assertMatch,
  assertNotEquals,
  assertNotMatch,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
  equal,
  fail,
} from "./assert.ts";
import { describe, it } from "./bdd.ts";

/** Runs `fn`, which must fail with an AssertionError; returns its message. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AssertionError)) throw new Error(`threw ${e}, not an AssertionError`);
    if (e.name !== "AssertionError") throw new Error(`name is ${e.name}`);
    return e.message;
  }
  throw new Error("did not fail");
}

async function rejection(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof AssertionError)) {
      throw new Error(`rejected with ${e}, not an AssertionError`);
    }
    return e.message;
  }
  throw new Error("did not reject");
}

/** Plain `===` on strings and booleans, so that these tests do not rely on what they test. */
function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}
function includes(text: string, part: string): void {
  if (!text.includes(part)) {
    throw new Error(`${JSON.stringify(text)} lacks ${JSON.stringify(part)}`);
  }
}

describe("AssertionError", () => {
  it("is an Error named AssertionError", () => {
    const e = new AssertionError("m");
    check(e instanceof Error && e.name === "AssertionError" && e.message === "m", "shape");
  });
});

describe("assert", () => {
  it("passes on truthy values", () => {
    for (const v of [true, 1, "x", {}, [], -1n]) assert(v);
  });
  it("fails on falsy values with the given message", () => {
    for (const v of [false, 0, -0, "", null, undefined, NaN, 0n]) {
      check(failure(() => assert(v, "why")) === "why", String(v));
    }
    check(failure(() => assert(false)) === "", "empty message by default");
  });
});

describe("fail", () => {
  it("always fails, naming the reason", () => {
    check(failure(() => fail("nope")) === "Failed assertion: nope", "with a message");
    check(failure(() => fail()) === "Failed assertion.", "without");
  });
});

describe("equal / assertEquals", () => {
  it("compares structure deeply", () => {
    assertEquals({ a: [1, { b: "x" }], c: new Map([[1, new Set([2])]]) }, {
      c: new Map([[1, new Set([2])]]),
      a: [1, { b: "x" }],
    });
    assertEquals(new Float64Array([1, 2]), new Float64Array([1, 2]));
    assertEquals(NaN, NaN);
    assertEquals([NaN], [NaN]);
    assertEquals(new Date(5), new Date(5));
    assertEquals(/a/g, /a/g);
  });
  it("as std: numbers by ===, so 0 equals -0 (Object.is would not)", () => {
    check(
      equal(0, -0) && equal([0], [-0]) && equal(new Float64Array([0]), new Float64Array([-0])),
      "-0",
    );
  });
  it("fails on different constructors: Float32Array vs Float64Array, Array vs typed array", () => {
    check(!equal(new Float32Array([1]), new Float64Array([1])), "f32/f64");
    check(!equal([1, 2], new Float64Array([1, 2])), "array/typed");
    check(!equal(new Uint8Array([1]), new Int8Array([1])), "u8/i8");
    includes(
      failure(() => assertEquals<unknown>(new Float32Array([1]), new Float64Array([1]))),
      "Float32Array",
    );
  });
  it("fails on missing, extra and different members", () => {
    check(!equal({ a: 1 }, { a: 1, b: undefined }), "extra undefined key");
    check(!equal({ a: 1 }, { b: 1 }), "other key");
    check(!equal([1, 2], [1, 2, 3]), "length");
    check(!equal(new Map([[1, 2]]), new Map([[1, 3]])), "map value");
    check(!equal(new Set([1]), new Set([2])), "set");
    check(!equal("1", 1), "types");
    check(!equal(new Float64Array([1, 2]), new Float64Array([1, 3])), "typed element");
    class P {
      constructor(public x: number) {}
    }
    check(!equal(new P(1), { x: 1 }), "class vs plain object");
  });
  it("shows a line-wise diff of actual (-) and expected (+), with the message", () => {
    const m = failure(() => assertEquals({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] }, "ctx"));
    includes(m, "Values are not equal: ctx");
    includes(m, "[Diff] Actual / Expected");
    check(/^- {7}2,$/m.test(m) && /^\+ {7}3,$/m.test(m), "the changed element, marked, in place");
    includes(m, "    a: 1,"); // common lines stay, unmarked
    check(m.split("\n").filter((l) => /^[-+] /.test(l)).length === 2, "only the changed lines");
  });
  it("diffs multi-line strings by line", () => {
    const m = failure(() => assertEquals("a\nb\nc", "a\nB\nc"));
    includes(m, "-   b\n+   B");
    includes(m, "    a\n");
  });
  it("stays usable on large arrays", () => {
    const big = Array.from({ length: 5000 }, (_, i) => i);
    const other = big.map((v) => (v === 2500 ? -1 : v));
    const m = failure(() => assertEquals(big, other));
    check(/^- +2500,$/m.test(m) && /^\+ +-1,$/m.test(m), "the changed element");
  });
});

describe("assertNotEquals", () => {
  it("passes when not deeply equal, fails when equal", () => {
    assertNotEquals([1], [2]);
    assertNotEquals<unknown>(new Float32Array([1]), new Float64Array([1]));
    includes(
      failure(() => assertNotEquals([1], [1], "ctx")),
      "Expected actual: 1 not to be: 1: ctx",
    );
  });
});

describe("assertStrictEquals", () => {
  it("is Object.is", () => {
    assertStrictEquals(NaN, NaN);
    const o = {};
    assertStrictEquals(o, o);
    includes(failure(() => assertStrictEquals(0, -0)), "Values are not strictly equal");
    includes(failure(() => assertStrictEquals(1, 2, "ctx")), "Values are not strictly equal: ctx");
  });
  it("says when values look alike but are different objects", () => {
    includes(
      failure(() => assertStrictEquals({ a: 1 }, { a: 1 })),
      "Values have the same structure but are not reference-equal",
    );
  });
  it("diffs what differs", () => {
    const m = failure(() => assertStrictEquals("float32", "float64"));
    includes(m, '-   "float32"');
    includes(m, '+   "float64"');
  });
});

describe("assertNotStrictEquals", () => {
  it("fails only on Object.is-equal values", () => {
    assertNotStrictEquals({}, {});
    assertNotStrictEquals(0, -0);
    includes(
      failure(() => assertNotStrictEquals(3, 3)),
      'Expected "actual" to not be strictly equal to: 3',
    );
  });
});

describe("assertMatch / assertNotMatch", () => {
  it("test the regular expression against the string", () => {
    assertMatch("matmul: bad shape", /^matmul: /);
    assertNotMatch("matmul: bad shape", /^grad/);
    includes(
      failure(() => assertMatch("abc", /d/, "ctx")),
      'Expected actual: "abc" to match: "/d/": ctx',
    );
    includes(
      failure(() => assertNotMatch("abc", /b/)),
      'Expected actual: "abc" to not match: "/b/"',
    );
  });
});

describe("assertInstanceOf", () => {
  it("checks the prototype chain and names both types", () => {
    assertInstanceOf(new RangeError("x"), Error);
    includes(
      failure(() => assertInstanceOf(new Error("x"), RangeError)),
      'Expected object to be an instance of "RangeError" but was "Error".',
    );
    includes(failure(() => assertInstanceOf(null, Error)), 'but was "null"');
  });
});

describe("assertThrows", () => {
  it("returns what was thrown", () => {
    const e = new RangeError("r");
    check(
      assertThrows(() => {
        throw e;
      }) === e,
      "the same error",
    );
    const got: RangeError = assertThrows(() => {
      throw e;
    }, RangeError);
    check(got === e, "typed");
    check(
      assertThrows(() => {
        throw 7;
      }) === 7,
      "a non-Error without a class",
    );
  });
  it("fails when nothing is thrown", () => {
    check(failure(() => assertThrows(() => {})) === "Expected function to throw.", "plain");
    check(
      failure(() => assertThrows(() => {}, "ctx")) === "Expected function to throw: ctx",
      "msg",
    );
  });
  it("checks the class and that the message includes a substring", () => {
    assertThrows(
      () => {
        throw new RangeError("matmul: too big");
      },
      RangeError,
      "too big",
    );
    includes(
      failure(() =>
        assertThrows(() => {
          throw new TypeError("t");
        }, RangeError)
      ),
      'Expected error to be instance of "RangeError", but was "TypeError"',
    );
    includes(
      failure(() =>
        assertThrows(
          () => {
            throw new Error("abc");
          },
          Error,
          "abd",
        )
      ),
      'Expected error message to include "abd", but got "abc"',
    );
    includes(
      failure(() =>
        assertThrows(() => {
          throw "s";
        }, Error)
      ),
      "A non-Error object was thrown",
    );
  });
});

describe("assertRejects", () => {
  it("resolves to the rejection reason and checks class and message", async () => {
    const e = new TypeError("closed pool");
    check((await assertRejects(() => Promise.reject(e))) === e, "the same error");
    const got: TypeError = await assertRejects(() => Promise.reject(e), TypeError, "closed");
    check(got === e, "typed");
  });
  it("fails when the promise resolves, when fn throws, or on the wrong error", async () => {
    check(
      (await rejection(() => assertRejects(() => Promise.resolve(1)))) ===
        "Expected function to reject.",
      "resolves",
    );
    includes(
      await rejection(() =>
        assertRejects(() => {
          throw new Error("sync");
        })
      ),
      "Function throws when expected to reject",
    );
    includes(
      await rejection(() => assertRejects(() => Promise.reject(new Error("x")), RangeError)),
      'Expected error to be instance of "RangeError", but was "Error"',
    );
    includes(
      await rejection(() => assertRejects(() => Promise.reject(new Error("x")), Error, "y")),
      'Expected error message to include "y", but got "x"',
    );
  });
});
