import assert from "node:assert/strict";
import { forwardTask, matmul, planMatmul, randn } from "@matgrad/core";
import { createPool, sharedZeros, toShared } from "./mod.ts";
import { GATE_MAX_MS, type GateTicket, passGate, PostGate } from "./post_gate.ts";
import { hooks } from "./testing.ts";
import { assertSameBits } from "./test_util.ts";

Deno.test("a ticket passes once the gate is opened for it or for a later one", () => {
  const gate = new PostGate();
  const first = gate.ticket();
  const second = gate.ticket();
  assert.deepEqual([first.seq, second.seq], [1, 2]);
  gate.open(second);
  assert.equal(Atomics.load(gate.cell, 0), 2);
  const t0 = performance.now();
  passGate(first);
  passGate(second);
  assert.ok(performance.now() - t0 < GATE_MAX_MS, "an open gate must not wait");
});

Deno.test("ticket numbers wrap around 2³² and still compare in order", () => {
  const gate = new PostGate(2 ** 31 - 2);
  const last = gate.ticket();
  const wrapped = gate.ticket();
  assert.deepEqual([last.seq, wrapped.seq], [2 ** 31 - 1, -(2 ** 31)]);
  gate.open(wrapped);
  const t0 = performance.now();
  passGate(last); // -2³¹ counts as after 2³¹−1
  assert.ok(performance.now() - t0 < GATE_MAX_MS, "an open gate must not wait");
});

Deno.test("a gate that is never opened delays by GATE_MAX_MS at most, never hangs", () => {
  const gate = new PostGate();
  const t0 = performance.now();
  passGate(gate.ticket());
  const waited = performance.now() - t0;
  assert.ok(waited >= GATE_MAX_MS - 1, `returned after ${waited} ms, before the gate's limit`);
});

/**
 * A 1-worker pool, warmed with one ungated run of a 24×16·16×8 product (so
 * the next message arrives at once), and `run(ticket)` to send it again.
 */
async function gatedProduct(seed: number) {
  const pool = createPool({ workers: 1, serialBelowFlops: 0 });
  const a = toShared(randn([24, 16], { seed }));
  const b = toShared(randn([16, 8], { seed: seed + 1 }));
  const c = sharedZeros([24, 8]);
  const job = {
    task: forwardTask(planMatmul(a.shape, b.shape)),
    block: { o0: 0, o1: 1, r0: 0, r1: 24, c0: 0, c1: 8 },
  };
  const buffers = { a: a.data, b: b.data, c: c.data };
  await hooks(pool).run(0, buffers, [job]);
  c.data.fill(0);
  const run = (ticket: GateTicket) => hooks(pool).run(0, buffers, [job], ticket);
  return { pool, c, expected: matmul(a, b), run };
}

Deno.test("a worker holds a gated job until the gate opens, and computes it exactly", async () => {
  const { pool, c, expected, run } = await gatedProduct(1);
  await using _ = pool;
  const gate = new PostGate();
  const ticket = gate.ticket();
  const call = run(ticket);
  // Not opened yet: the worker may not have written a single element.
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(c.data.every((v) => v === 0), true, "the worker ran before the gate opened");
  gate.open(ticket);
  await call;
  assertSameBits(c, expected, "C");
});

Deno.test("a gated job whose gate never opens runs after GATE_MAX_MS, exactly", async () => {
  const { pool, c, expected, run } = await gatedProduct(3);
  await using _ = pool;
  const t0 = performance.now();
  await run(new PostGate().ticket());
  const took = performance.now() - t0;
  assert.ok(took >= GATE_MAX_MS - 1, `finished after ${took} ms: the worker did not wait`);
  assertSameBits(c, expected, "C");
});
