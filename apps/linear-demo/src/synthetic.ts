/**
 * The seeded synthetic regression problem: X ~ N(0, 1), Y = X·W* + b* + noise.
 *
 * @module
 */
import { matmul, randn, type Tensor } from "@matgrad/core";
import type { Dataset } from "./dataset.ts";

/** Sizes and seed of {@linkcode synthetic}. */
export interface SyntheticOptions {
  /** Rows N. */
  samples: number;
  /** Features D. */
  dims: number;
  /** Outputs M. */
  outputs: number;
  /** Standard deviation of the Gaussian noise added to Y. */
  noise: number;
  /** Seed of X, W*, b* and the noise. */
  seed: number;
}

/** A synthetic data set and the true parameters it was drawn from. */
export interface SyntheticData extends Dataset {
  /** The true weights W*, D×M. */
  readonly wTrue: Tensor;
  /** The true bias b*, length M. */
  readonly bTrue: Tensor;
}

/**
 * Draws X (N×D) from a standard normal and Y = X·W* + b* + noise, all float64,
 * with W* ~ N(0, 1) and b* ~ N(0, 1) from the same seed.
 *
 * @example
 * ```ts
 * import { synthetic } from "@matgrad/linear-demo";
 * import { assertEquals } from "@std/assert";
 *
 * const data = synthetic({ samples: 100, dims: 3, outputs: 2, noise: 0.1, seed: 1 });
 * assertEquals([data.x.shape, data.y.shape, data.wTrue.shape], [[100, 3], [100, 2], [3, 2]]);
 * ```
 */
export function synthetic(options: SyntheticOptions): SyntheticData {
  const { samples: n, dims: d, outputs: m, noise, seed } = options;
  // Distinct streams per array, so changing N leaves W* and b* unchanged.
  const x = randn([n, d], { seed, dtype: "float64" });
  const wTrue = randn([d, m], { seed: seed + 1, dtype: "float64" });
  const bTrue = randn([m], { seed: seed + 2, dtype: "float64" });
  const eps = randn([n, m], { seed: seed + 3, dtype: "float64", std: noise });
  const y = matmul(x, wTrue);
  for (let i = 0; i < y.size; i++) y.data[i]! += bTrue.data[i % m]! + eps.data[i]!;
  return {
    x,
    y,
    wTrue,
    bTrue,
    features: Array.from({ length: d }, (_, j) => `x${j}`),
    targets: Array.from({ length: m }, (_, j) => `y${j}`),
  };
}
