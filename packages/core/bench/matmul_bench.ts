/**
 * Forward and backward speed of the JS kernels through the public API:
 * `deno bench packages/core/matmul_bench.ts`. The JS backend is selected
 * explicitly, since matgrad picks WebAssembly by default where it can.
 *
 * To turn a time per iteration into GFLOP/s for N = D = M = size:
 * forward `matmul` does 2·N·D·M flop (one multiply and one add per term),
 * backward `matmulGrad` does 4·N·D·M (two products of the same size), so
 * GFLOP/s = flop / (time in ns). For 256³: forward 33.6 Mflop, backward
 * 67.1 Mflop; for 1024³: forward 2.15 Gflop, backward 4.29 Gflop.
 *
 * @module
 */
import { matmul, matmulGrad, randn, setBackend } from "@matgrad/core";

setBackend("js");

for (const size of [256, 1024]) {
  // 1024³ takes about a second per call: a few iterations are enough and
  // keep the shared machine usable.
  const iterations = size >= 1024 ? { n: 3, warmup: 1 } : { n: 20, warmup: 5 };
  for (const dtype of ["float32", "float64"] as const) {
    const a = randn([size, size], { seed: 1, dtype });
    const b = randn([size, size], { seed: 2, dtype });
    const dC = randn([size, size], { seed: 3, dtype });
    Deno.bench({
      name: `js matmul ${dtype} ${size}³`,
      group: `forward ${size}`,
      ...iterations,
      fn: () => {
        matmul(a, b);
      },
    });
    Deno.bench({
      name: `js matmulGrad ${dtype} ${size}³`,
      group: `backward ${size}`,
      ...iterations,
      fn: () => {
        matmulGrad(a, b, dC);
      },
    });
  }
}
