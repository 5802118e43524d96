/**
 * `@matgrad/parallel`'s worker pool. The package is imported by a computed
 * specifier and used through the small interface below, so this file type-checks
 * and reports "unavailable" until the package exists, then picks it up.
 *
 * @module
 */
import {
  type DType,
  type Executor,
  getBackend,
  matmul,
  matmulGrad,
  Tensor,
  withExecutor,
} from "@matgrad/core";
import type { Data } from "../inputs.ts";
import type { Runner } from "./types.ts";

/** The part of the pool's API the benchmark uses. */
interface PoolLike {
  ready(): Promise<void>;
  close(): void | Promise<void>;
}

type CreatePool = (options: { workers: number }) => PoolLike;

const SPECIFIER = "@matgrad/parallel";

/** Imports `@matgrad/parallel`, or throws why it cannot. */
export async function importParallel(): Promise<Record<string, unknown>> {
  return await import(SPECIFIER) as Record<string, unknown>;
}

/** Starts a pool of `workers` workers and runs each product with it as the executor. */
export async function loadPool(workers: number): Promise<Runner> {
  const mod = await importParallel();
  const createPool = mod.createPool as CreatePool | undefined;
  if (typeof createPool !== "function") throw new Error(`${SPECIFIER} exports no createPool`);
  const pool = createPool({ workers });
  await pool.ready();
  const share = mod.toShared as (t: Tensor) => Tensor;
  const sharedZeros = mod.sharedZeros as (shape: number[], dtype: DType) => Tensor;
  const on = <T>(fn: () => T): T => withExecutor(pool as unknown as Executor, fn);
  return {
    notes:
      `@matgrad/parallel createPool({ workers: ${workers} }) as the executor (withExecutor), ` +
      `the calling thread and the workers sharing each product (default backend, ` +
      `"${getBackend()}"); operands toShared once, outputs sharedZeros reused (out, outA, outB)`,
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
      return Promise.resolve({
        run: c.op === "forward"
          ? () => void on(() => matmul(a, b, { out }))
          : () => void on(() => matmulGrad(a, b, dC, { outA, outB })),
        read: (): Data[] => (c.op === "forward" ? [out.data] : [outA.data, outB.data]),
        dispose: () => {},
      });
    },
    close: async () => await pool.close(),
  };
}
