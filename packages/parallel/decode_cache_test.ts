import { assert, assertNotStrictEquals, assertStrictEquals } from "@std/assert";
import { encodeTask, type Task } from "@matgrad/core/kernels";
import { DecodeCache } from "./decode_cache.ts";

const x = new Float32Array(16);
const out = new Float32Array(16);
const views = [x, out];
const unary = (c: number, work = 16): Task =>
  ({ kind: "unary", op: 2, c, x, out, units: 4, work }) as unknown as Task;

/** Encodes `task` with its buffers at offsets 0 and 64 and returns the end. */
function put(cmd: Float64Array, at: number, task: Task): number {
  return encodeTask(task, cmd, at, (d) => d === x ? 0 : 64);
}

Deno.test("decode cache: an encoding seen before gives the same task; any other bit a new one", () => {
  let decoded = 0;
  const cache = new DecodeCache((_code, offset) => {
    decoded++;
    return views[offset === 0 ? 0 : 1]!;
  });
  const cmd = new Float64Array(256);
  const end = put(cmd, 10, unary(1.5));
  const first = cache.task(cmd, 10, end);
  assertStrictEquals((first as unknown as { c: number }).c, 1.5);
  assertStrictEquals((first as unknown as { x: Float32Array }).x, x);
  assertStrictEquals(decoded, 2);
  assertStrictEquals(cache.task(cmd, 10, end), first);
  assertStrictEquals(decoded, 2, "a hit makes no views");

  // The same task elsewhere in the buffer is the same encoding.
  const end2 = put(cmd, 100, unary(1.5));
  assertStrictEquals(cache.task(cmd, 100, end2), first);

  // 0 and −0 are equal numbers but different bits, and different results (x + −0 keeps −0).
  put(cmd, 10, unary(0));
  const zero = cache.task(cmd, 10, end);
  put(cmd, 10, unary(-0));
  const negZero = cache.task(cmd, 10, end);
  assertNotStrictEquals(zero, negZero);
  assert(Object.is((negZero as unknown as { c: number }).c, -0));
  assert(Object.is((zero as unknown as { c: number }).c, 0));

  // A field past the buffers (the work estimate) differs: a new task.
  put(cmd, 10, unary(1.5, 17));
  assertNotStrictEquals(cache.task(cmd, 10, end), first);
});

Deno.test("decode cache: past its capacity it starts over and stays correct", () => {
  const cache = new DecodeCache((_code, offset) => views[offset === 0 ? 0 : 1]!);
  const cmd = new Float64Array(64);
  for (let i = 0; i < 2000; i++) {
    const end = put(cmd, 0, unary(i));
    const task = cache.task(cmd, 0, end) as unknown as { c: number };
    assertStrictEquals(task.c, i);
    assertStrictEquals(cache.task(cmd, 0, end), task as unknown as Task);
  }
});
