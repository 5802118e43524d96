/**
 * Test harness shared by matgrad's packages (not published): shapes derived
 * from the kernels' blocking parameters, float64 references, and the
 * sweep's checks.
 *
 * @module
 */
export {
  BOUNDARY_LIMIT,
  boundaryValues,
  PAIR_COMPANIONS,
  type ShapeClass,
  shapeClasses,
  TILE_LIMIT,
} from "./shape_classes.ts";
export {
  type Agreement,
  type Chains,
  disagreement,
  randomValues,
  rng,
  storedTensor,
  type SweepCase,
  sweepCase,
  transposed,
} from "./references.ts";
export {
  checkCase,
  type ProductResults,
  type RunProduct,
  transposeName,
  TRANSPOSES,
} from "./sweep.ts";
export {
  CASE_VOLUME,
  caseTensors,
  type MatmulCase,
  matmulCase,
  propertySeed,
  volume,
} from "./matmul_cases.ts";
export { type NdReference, ndReference, outsideBound, type RefResult } from "./nd_reference.ts";
