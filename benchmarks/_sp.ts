import { getKernels, useKernelSpace, type GemmArgs } from "@matgrad/core/kernels";
import { heapSpace, heapView, heapAlloc } from "../packages/parallel/heap.ts";
const [m, k, n] = (Deno.args[0] ?? "8192,256,64").split(",").map(Number);
const f64 = Deno.args[1] === "f64";
const es = f64 ? 8 : 4;
const dt = f64 ? "float64" : "float32";
const mk = (len: number) => f64 ? new Float64Array(len) : new Float32Array(len);
const a = mk(m * k), b = mk(k * n), c = mk(m * n);
for (let i = 0; i < a.length; i++) a[i] = Math.random(); for (let i = 0; i < b.length; i++) b[i] = Math.random();
const ha = heapView(dt, heapAlloc(a.length * es), a.length), hb = heapView(dt, heapAlloc(b.length * es), b.length), hc = heapView(dt, heapAlloc(c.length * es), c.length);
ha.set(a); hb.set(b);
const gemm = getKernels().gemm;
const args = (a: any, b: any, c: any, tA = false): GemmArgs => ({ transA: tA, transB: false, m, n, k, a, aOff: 0, lda: k, b, bOff: 0, ldb: n, c, cOff: 0, ldc: n, accumulate: false });
function time(label: string, space: any, x: GemmArgs) {
  useKernelSpace(space);
  for (let i = 0; i < 20; i++) gemm(x);
  const ts: number[] = [];
  for (let r = 0; r < 15; r++) { const s = performance.now(); for (let i = 0; i < 10; i++) gemm(x); ts.push((performance.now() - s) / 10); }
  ts.sort((p, q) => p - q);
  console.log(label, (2 * m * n * k / ts[7] / 1e6).toFixed(1), "GFLOP/s");
}
for (let rep = 0; rep < 2; rep++) {
  time("own memory, plain arrays ", undefined, args(a, b, c));
  time("shared, plain arrays (copy)", heapSpace, args(a, b, c));
  time("shared, heap arrays (in place)", heapSpace, args(ha, hb, hc));
}
