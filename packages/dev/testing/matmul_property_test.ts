/**
 * Property tests of matmul and matmulGrad on every kernel backend: random
 * shapes up to 300 per dimension, transposes, dtypes, 1-D operands and
 * broadcast batches, against the float64 reference within the rounding
 * bound. Seeded (replay with MATGRAD_SEED=…); a failure prints the seed and
 * the shrunk case.
 */
import fc from "fast-check";
import { matmul, matmulGrad, setBackend, type Tensor } from "@matgrad/core";
import { getKernels, wasmFeatures } from "@matgrad/core/kernels";
import { caseTensors, matmulCase, propertySeed } from "./matmul_cases.ts";
import { ndReference, outsideBound } from "./nd_reference.ts";

const SEED = propertySeed(20261202);
const RUNS = 600;

const features = wasmFeatures();
const BACKENDS: [string, () => void][] = [
  ["js", () => setBackend("js")],
  ...(features.simd
    ? [["wasm", () => setBackend("wasm", { fma: false })] as [string, () => void]]
    : []),
  ...(features.relaxed
    ? [["wasm+fma", () => setBackend("wasm", { fma: true })] as [string, () => void]]
    : []),
];

for (const [label, use] of BACKENDS) {
  Deno.test(`property: matmul and matmulGrad on ${label} stay within the float64 bound`, () => {
    const initial = getKernels();
    use();
    try {
      fc.assert(
        fc.property(matmulCase, (c) => {
          const { a, b, dC } = caseTensors(c);
          const options = { transposeA: c.transA, transposeB: c.transB };
          const ref = ndReference(a.data, a.shape, b.data, b.shape, dC.data, c.transA, c.transB);
          const check = (name: string, got: Tensor, want: typeof ref.c) => {
            const d = outsideBound(got, want, got.dtype);
            if (d !== undefined) throw new Error(`${name}: ${d}`);
          };
          check("C", matmul(a, b, options), ref.c);
          const { dA, dB } = matmulGrad(a, b, dC, options);
          check("dA", dA, ref.dA);
          check("dB", dB, ref.dB);
          if (dA.dtype !== a.dtype || dB.dtype !== b.dtype) throw new Error("gradient dtypes");
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      setBackend(initial.name as "js" | "wasm", { fma: initial.fused });
    }
  });
}
