import { assertEquals, assertStrictEquals } from "@std/assert";
import { eta, fmtSeconds } from "./progress.ts";

Deno.test("eta: nothing until two steps and half a second, nothing at the end", () => {
  assertStrictEquals(eta(1, 100, 5), ""); // one step: no rate yet
  assertStrictEquals(eta(2, 100, 0.1), ""); // too early to mean anything
  assertStrictEquals(eta(10, 100, 0.5), "5s");
  assertStrictEquals(eta(10, 20, 100), "1m40s");
  assertStrictEquals(eta(100, 100, 9), "");
  assertEquals([fmtSeconds(0.2), fmtSeconds(59.5), fmtSeconds(65)], ["1s", "1m00s", "1m05s"]);
});
