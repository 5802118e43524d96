import { assertEquals, assertStrictEquals } from "@std/assert";
import { claimChunk, MAX_CHUNKS } from "./protocol.ts";

Deno.test("claimChunk hands out each chunk once, in order, then −1", () => {
  const ctl = new Int32Array(4);
  Atomics.store(ctl, 1, 3 * 0x10000);
  const got = [claimChunk(ctl, 1), claimChunk(ctl, 1), claimChunk(ctl, 1), claimChunk(ctl, 1)];
  assertEquals(got, [0, 1, 2, -1]);
  assertStrictEquals(claimChunk(ctl, 1), -1, "stays exhausted");
  // The next stage republishes the word: claims start over.
  Atomics.store(ctl, 1, 2 * 0x10000);
  assertEquals([claimChunk(ctl, 1), claimChunk(ctl, 1), claimChunk(ctl, 1)], [0, 1, -1]);
  // An empty stage has nothing to claim.
  Atomics.store(ctl, 1, 0);
  assertStrictEquals(claimChunk(ctl, 1), -1);
});

Deno.test("claimChunk: the largest stage fits the word and every chunk is claimed once", () => {
  const ctl = new Int32Array(1);
  Atomics.store(ctl, 0, MAX_CHUNKS * 0x10000);
  assertStrictEquals(ctl[0]! > 0, true, "the count stays clear of the sign bit");
  const seen = new Uint8Array(MAX_CHUNKS);
  for (let c; (c = claimChunk(ctl, 0)) >= 0;) seen[c]!++;
  assertStrictEquals(seen.every((n) => n === 1), true);
});
