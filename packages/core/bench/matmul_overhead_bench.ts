/**
 * What the op layer adds to the kernels on a small product (64³ float32,
 * default backend): `matmulGrad` into reused out buffers against the same two
 * kernel calls made directly, and the planning that the op caches.
 *
 *     deno bench packages/core/bench/matmul_overhead_bench.ts
 *
 * @module
 */
import { matmulGrad, randn, Tensor } from "@matgrad/core";
import { gradTasks, planMatmul } from "@matgrad/core/backend";
import { getKernels, runGemmTask } from "@matgrad/core/kernels";

const n = 64;
const a = randn([n, n], { seed: 1 });
const b = randn([n, n], { seed: 2 });
const dC = randn([n, n], { seed: 3 });
const outA = new Tensor(new Float32Array(n * n), [n, n]);
const outB = new Tensor(new Float32Array(n * n), [n, n]);
const tasks = gradTasks(planMatmul(a.shape, b.shape));
const gemm = getKernels().gemm;

Deno.bench({
  name: "kernels alone: dA and dB",
  group: "64³ backward",
  baseline: true,
  fn: () => {
    runGemmTask(gemm, tasks.dA, dC.data, b.data, outA.data);
    runGemmTask(gemm, tasks.dB, a.data, dC.data, outB.data);
  },
});

Deno.bench({
  name: "matmulGrad into outA/outB",
  group: "64³ backward",
  fn: () => {
    matmulGrad(a, b, dC, { outA, outB });
  },
});

Deno.bench({
  name: "planMatmul + gradTasks (what the op caches)",
  group: "planning",
  fn: () => {
    gradTasks(planMatmul(a.shape, b.shape));
  },
});
