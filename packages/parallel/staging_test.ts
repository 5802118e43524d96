import assert from "node:assert/strict";
import { Staging } from "./staging.ts";
import { allocateShared } from "./shared.ts";

Deno.test("staging copies a non-shared operand once and reuses the buffer after release", () => {
  const staging = new Staging();
  const data = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3);
  const used: SharedArrayBuffer[] = [];
  const first = staging.stage(data, "float32", used);
  assert.equal(used.length, 1);
  assert.ok(first.buffer instanceof SharedArrayBuffer);
  assert.ok(first instanceof Float32Array);
  assert.deepEqual(first, Float32Array.from(data)); // rounded as core's cast rounds
  staging.release(used);
  // A smaller operand of the next call gets the same buffer, overwritten.
  const next: SharedArrayBuffer[] = [];
  const second = staging.stage(new Float32Array([1, 2, 3]), "float32", next);
  assert.equal(second.buffer, first.buffer);
  assert.deepEqual(second, new Float32Array([1, 2, 3]));
  // Two operands of one call never share a buffer.
  const third = staging.stage(new Float32Array([4, 5]), "float32", next);
  assert.notEqual(third.buffer, second.buffer);
});

Deno.test("staging passes shared data of the right dtype through untouched", () => {
  const staging = new Staging();
  const shared = allocateShared("float64", 4);
  const used: SharedArrayBuffer[] = [];
  assert.equal(staging.stage(shared, "float64", used), shared);
  assert.equal(used.length, 0);
  // The wrong dtype is converted into a staging buffer.
  const f32 = staging.stage(shared, "float32", used);
  assert.ok(f32 instanceof Float32Array);
  assert.equal(used.length, 1);
});

Deno.test("staging keeps at most 8 free buffers and none over 64 MiB", () => {
  const staging = new Staging();
  const used: SharedArrayBuffer[] = [];
  const sizes = Array.from({ length: 10 }, (_, i) => (i + 1) * 100_000);
  for (const n of sizes) staging.stage(new Float32Array(n), "float32", used);
  staging.stage(new Float32Array((64 << 20) / 4 + 1), "float32", used); // over the limit
  staging.release(used);
  // The 8 largest kept buffers serve the 8 largest requests; the huge one was dropped.
  const again: SharedArrayBuffer[] = [];
  for (const n of sizes.slice(2)) staging.stage(new Float32Array(n), "float32", again);
  const reused = again.filter((b) => used.includes(b));
  assert.equal(reused.length, 8);
  const huge: SharedArrayBuffer[] = [];
  staging.stage(new Float32Array((64 << 20) / 4 + 1), "float32", huge);
  assert.equal(used.includes(huge[0]!), false);
});
