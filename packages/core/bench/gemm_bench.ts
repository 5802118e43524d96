import { matmul, matmulGrad, randn, setBackend } from "@matgrad/core";
import { wasmFeatures } from "@matgrad/core/kernels";

// `deno bench kernels/wasm/gemm_bench.ts`; for GFLOP/s tables run gflops.ts.
const features = wasmFeatures();
const builds: [string, () => void][] = [["js", () => setBackend("js")]];
if (features.simd) builds.push(["wasm mul+add", () => setBackend("wasm", { fma: false })]);
if (features.relaxed) builds.push(["wasm fma", () => setBackend("wasm", { fma: true })]);

for (const [n, d, m] of [[64, 64, 64], [256, 256, 256], [4096, 1024, 1]] as const) {
  for (const dtype of ["float32", "float64"] as const) {
    const a = randn([n, d], { seed: 1, dtype });
    const b = randn([d, m], { seed: 2, dtype });
    const dC = randn([n, m], { seed: 3, dtype });
    for (const [name, use] of builds) {
      const group = `${n}×${d}×${m} ${dtype}`;
      Deno.bench(`matmul ${name}`, { group, baseline: name === "js" }, () => {
        use();
        matmul(a, b);
      });
      Deno.bench(`matmulGrad ${name}`, { group: `${group} grad`, baseline: name === "js" }, () => {
        use();
        matmulGrad(a, b, dC);
      });
    }
  }
}
