/**
 * jax-js on its WebAssembly device. jax-js runs wasm kernels in a pool of
 * `navigator.hardwareConcurrency` workers, read when the device starts, so the
 * thread count is set before the first import. Both directions are `jit`ted,
 * as a jax user would write them (it halves the dispatch cost of small
 * products); the backward is jax-js's own `vjp` of `np.matmul`, whose unused
 * forward product the tracer drops.
 *
 * @module
 */
import type { Data } from "../inputs.ts";
import type { Runner } from "./types.ts";

/**
 * Loads jax-js with `threads` wasm workers (call at most once per process).
 * jax-js's float64 kernels are scalar (under 1 GFLOP/s here), so only the
 * 1-worker runner measures them, to keep the run short.
 */
export async function loadJax(
  threads: number,
  float64: boolean,
  device: "wasm" | "webgpu" = "wasm",
): Promise<Runner> {
  Object.defineProperty(navigator, "hardwareConcurrency", { value: threads, configurable: true });
  const jax = await import("@jax-js/jax");
  const np = jax.numpy;
  const devices = await jax.init(device);
  if (!devices.includes(device)) throw new Error(`jax-js started only ${devices.join(", ")}`);
  jax.defaultDevice(device);
  type JArray = InstanceType<typeof np.Array>;
  const forward = jax.jit((a: JArray, b: JArray) => np.matmul(a, b));
  const backward = jax.jit((a: JArray, b: JArray, dC: JArray) => {
    const [c, pullback] = jax.vjp((p: JArray, q: JArray) => np.matmul(p, q), [a, b]);
    c.dispose();
    const grads = pullback(dC);
    pullback.dispose();
    return grads;
  });
  return {
    notes: `@jax-js/jax on device "${device}"${
      device === "wasm" ? ` with ${threads} worker(s)` : ""
    }; jit(np.matmul); backward = jit of vjp(np.matmul)'s pullback`,
    supports: (op, dtype) => op !== "train" && (float64 || dtype === "float32"),
    prepare(c, x) {
      const arr = (d: Data, r: number, k: number): JArray =>
        np.array(d as Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>).reshape([r, k]);
      const a = arr(x.a, c.n, c.d), b = arr(x.b, c.d, c.m), dC = arr(x.dC, c.n, c.m);
      let out: JArray[] = [];
      const free = () => out.forEach((t) => t.dispose());
      const step = c.op === "forward"
        ? () => [forward(a.ref, b.ref)]
        : () => backward(a.ref, b.ref, dC.ref) as JArray[];
      return Promise.resolve({
        run: async () => {
          free();
          out = step();
          await jax.blockUntilReady(out);
        },
        read: () => Promise.all(out.map((t) => t.ref.data() as Promise<Data>)),
        dispose: () => {
          free();
          [a, b, dC].forEach((t) => t.dispose());
        },
      });
    },
    close: () => Promise.resolve(),
  };
}
