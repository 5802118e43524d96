/**
 * A gate that holds each worker's jobs until the calling thread has posted
 * the whole call.
 *
 * Why: posting a message wakes a worker, and the kernel may run the woken
 * worker on the calling thread's core, preempting the caller before it posts
 * to the next worker. The caller then waits in the run queue until the
 * scheduler moves one of them, and the second worker starts 1–5 ms late while
 * a core idles (found in traces of worker start times on a 2-core VM;
 * `deno run post_gate_bench.ts` measures the effect: the slowest tenth of
 * calls gets faster). A worker that sleeps on the gate gives the core back,
 * so the caller finishes posting at once.
 *
 * The gate only delays: a worker that waited `GATE_MAX_MS` goes on anyway,
 * so a lost opening costs time, never a result.
 *
 * @module
 */

/** A call's place at the gate, sent with its jobs. */
export interface GateTicket {
  /** The pool's counter of fully posted calls (one Int32 on a SharedArrayBuffer). */
  readonly cell: Int32Array;
  /** This call's number: its jobs may start once the counter reaches it. */
  readonly seq: number;
}

/** The longest a worker waits for the gate before starting anyway. */
export const GATE_MAX_MS = 20;

/** The calling thread's side: numbers calls and opens the gate once each is posted. */
export class PostGate {
  /** Shared with every worker through the tickets. */
  readonly cell: Int32Array = new Int32Array(new SharedArrayBuffer(4));
  #last: number;

  /** `last`: the number taken as already used (a test starts near the wrap-around). */
  constructor(last = 0) {
    this.#last = last | 0;
    this.cell[0] = this.#last;
  }

  /** A ticket for the next call. */
  ticket(): GateTicket {
    this.#last = (this.#last + 1) | 0;
    return { cell: this.cell, seq: this.#last };
  }

  /** Lets the workers start every call up to `ticket`'s. */
  open(ticket: GateTicket): void {
    Atomics.store(this.cell, 0, ticket.seq);
    Atomics.notify(this.cell, 0);
  }
}

/**
 * The worker's side: returns once `ticket`'s call is fully posted, or after
 * {@linkcode GATE_MAX_MS}. Blocks the worker thread (Atomics.wait), which is
 * what gives its core back.
 */
export function passGate(ticket: GateTicket): void {
  const { cell, seq } = ticket;
  const until = performance.now() + GATE_MAX_MS;
  for (;;) {
    const seen = Atomics.load(cell, 0);
    // Wrap-around safe "seen ≥ seq": calls are numbered modulo 2³².
    if (((seen - seq) | 0) >= 0) return;
    const left = until - performance.now();
    if (left <= 0) return;
    Atomics.wait(cell, 0, seen, left);
  }
}
