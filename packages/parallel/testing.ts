/**
 * Test hooks of the pool (not exported from the package).
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
