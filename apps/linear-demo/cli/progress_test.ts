import assert from "node:assert/strict";
import { eta, fmtSeconds } from "./progress.ts";

Deno.test("eta: nothing until two steps and half a second, nothing at the end", () => {
  assert.equal(eta(1, 100, 5), ""); // one step: no rate yet
  assert.equal(eta(2, 100, 0.1), ""); // too early to mean anything
  assert.equal(eta(10, 100, 0.5), "5s");
  assert.equal(eta(10, 20, 100), "1m40s");
  assert.equal(eta(100, 100, 9), "");
  assert.deepEqual([fmtSeconds(0.2), fmtSeconds(59.5), fmtSeconds(65)], ["1s", "1m00s", "1m05s"]);
});
