/**
 * Test hooks that reach into a pool (not exported from `mod.ts`): kill a
 * worker, or send a worker raw jobs that skip the checks.
 *
 * @module
 */
import { type Pool, type PoolHooks, poolHooks } from "./pool.ts";

/** The hooks of `pool`. */
export function hooks(pool: Pool): PoolHooks {
  const h = poolHooks.get(pool);
  if (h === undefined) throw new TypeError("hooks: not a pool made by createPool");
  return h;
}
