/**
 * `@matgrad/parallel`'s worker pool. The package is imported by a computed
 * specifier and used through the small interface below, so this file type-checks
 * and reports "unavailable" until the package exists, then picks it up.
 *
 * @module
 */
import { type DType, getBackend, Tensor } from "@matgrad/core";
import type { Data } from "../inputs.ts";
import type { Runner } from "./types.ts";

/** The part of the pool's API the benchmark uses. */
interface PoolLike {
  matmul(a: Tensor, b: Tensor, options?: { out?: Tensor }): Tensor | Promise<Tensor>;
  matmulGrad(
    a: Tensor,
    b: Tensor,
    dC: Tensor,
    options?: { outA?: Tensor; outB?: Tensor },
  ): Grads | Promise<Grads>;
  close(): void | Promise<void>;
}

interface Grads {
  dA: Tensor;
  dB: Tensor;
}

type CreatePool = (options: { workers: number }) => PoolLike | Promise<PoolLike>;

const SPECIFIER = "@matgrad/parallel";

/** Imports `@matgrad/parallel`, or throws why it cannot. */
export async function importParallel(): Promise<Record<string, unknown>> {
  return await import(SPECIFIER) as Record<string, unknown>;
}

/** Starts a pool of `workers` workers. */
export async function loadPool(workers: number): Promise<Runner> {
  const mod = await importParallel();
  const createPool = mod.createPool as CreatePool | undefined;
  if (typeof createPool !== "function") throw new Error(`${SPECIFIER} exports no createPool`);
  const pool = await createPool({ workers });
  const share = typeof mod.toShared === "function"
    ? mod.toShared as (t: Tensor) => Tensor
    : (t: Tensor) => t;
  // Outputs reused across calls, as the serial runners reuse theirs (`out`).
  const sharedZeros = mod.sharedZeros as ((shape: number[], dtype: DType) => Tensor) | undefined;
  if (typeof sharedZeros !== "function") throw new Error(`${SPECIFIER} exports no sharedZeros`);
  return {
    notes:
      `@matgrad/parallel createPool({ workers: ${workers} }) (default backend, "${getBackend()}" ` +
      "on the calling thread), operands toShared once, outputs sharedZeros reused (out, outA, " +
      "outB); backward = pool.matmulGrad",
    supports: (op) => op !== "train",
    prepare(c, x) {
      // Moving operands into shared memory is the pool's analogue of a peer's
      // upload into its own arrays: done once, untimed.
      const [a, b, dC] = [
        new Tensor(x.a, [c.n, c.d]),
        new Tensor(x.b, [c.d, c.m]),
        new Tensor(x.dC, [c.n, c.m]),
      ].map(share) as [Tensor, Tensor, Tensor];
      const out = sharedZeros([c.n, c.m], c.dtype);
      const outA = sharedZeros([c.n, c.d], c.dtype);
      const outB = sharedZeros([c.d, c.m], c.dtype);
      let last: Data[] = [];
      return Promise.resolve({
        run: c.op === "forward"
          ? async () => {
            last = [(await pool.matmul(a, b, { out })).data];
          }
          : async () => {
            const g = await pool.matmulGrad(a, b, dC, { outA, outB });
            last = [g.dA.data, g.dB.data];
          },
        read: () => last,
        dispose: () => {},
      });
    },
    close: async () => await pool.close(),
  };
}
