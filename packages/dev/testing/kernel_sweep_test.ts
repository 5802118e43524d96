/**
 * The shape-class sweep on every kernel backend: each backend and dtype on
 * the shapes derived from its own blocking parameters, NN/NT/TN/TT, the
 * product and both gradients, against the float64 references. Kernels that
 * do not fuse must give the in-order loop's bits; fused ones stay within
 * the rounding bound.
 */
import { assert, assertStrictEquals } from "@std/assert";
import { type DType, matmul, matmulGrad, setBackend } from "@matgrad/core";
import { getKernels, type KernelBackend, wasmFeatures } from "@matgrad/core/kernels";
import { checkCase } from "./sweep.ts";
import { type ShapeClass, shapeClasses } from "./shape_classes.ts";
import { sweepCase } from "./references.ts";

interface Backend {
  readonly label: string;
  readonly use: () => void;
}

const features = wasmFeatures();
const BACKENDS: Backend[] = [
  { label: "js", use: () => setBackend("js") },
  ...(features.simd ? [{ label: "wasm", use: () => setBackend("wasm", { fma: false }) }] : []),
  ...(features.relaxed
    ? [{ label: "wasm+fma", use: () => setBackend("wasm", { fma: true }) }]
    : []),
];

function active(b: Backend): KernelBackend {
  b.use();
  return getKernels();
}

/** Each shape of any backend's sweep, with the backends whose sweep has it. */
function union(dtype: DType): { shape: ShapeClass; backends: Backend[] }[] {
  const byKey = new Map<string, { shape: ShapeClass; backends: Backend[] }>();
  for (const b of BACKENDS) {
    for (const shape of shapeClasses(active(b).blocking[dtype])) {
      const key = `${shape.m},${shape.n},${shape.k}`;
      const entry = byKey.get(key) ?? { shape, backends: [] };
      entry.backends.push(b);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()];
}

for (const dtype of ["float32", "float64"] as const) {
  Deno.test(`shape-class sweep, ${dtype}: ${BACKENDS.map((b) => b.label).join(", ")}`, () => {
    const initial = getKernels();
    const failures: string[] = [];
    const counted = new Map<string, number>();
    const failed = new Map<string, number>();
    try {
      for (const { shape, backends } of union(dtype)) {
        const sc = sweepCase(shape, dtype);
        for (const b of backends) {
          const kernels = active(b);
          const found = checkCase(sc, dtype, kernels.fused ? "bound" : "bits", (a, bb, dC, o) => {
            const { dA, dB } = matmulGrad(a, bb, dC, o);
            return { c: matmul(a, bb, o), dA, dB };
          });
          counted.set(b.label, (counted.get(b.label) ?? 0) + 1);
          if (found.length > 0) failed.set(b.label, (failed.get(b.label) ?? 0) + 1);
          failures.push(...found.map((f) => `${b.label} ${f}`));
        }
      }
    } finally {
      setBackend(initial.name as "js" | "wasm", { fma: initial.fused });
    }
    const summary = [...counted].map(([label, count]) =>
      `${label}: ${failed.get(label) ?? 0} of ${count} shapes failed`
    ).join("; ");
    console.log(`${dtype}: ${summary} (each shape: 4 transposes × C, dA, dB)`);
    assertStrictEquals(
      failures.length,
      0,
      `${failures.length} disagreements (${summary}):\n${failures.slice(0, 20).join("\n")}`,
    );
    // Every backend was swept, on shapes of its own.
    for (const b of BACKENDS) assert((counted.get(b.label) ?? 0) > 500, b.label);
  });
}
