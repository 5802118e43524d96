/**
 * matgrad's own kernels through the public API, with one backend forced by
 * `setBackend` (a backend that does not exist yet makes loading throw).
 *
 * @module
 */
import { type DType, getBackend, matmul, matmulGrad, setBackend, Tensor } from "@matgrad/core";

const zerosOf = (dtype: DType, n: number) =>
  dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
import type { Prepared, Runner } from "./types.ts";

/** Loads matgrad with the kernel backend `name` ("js", "wasm", ...). */
export async function loadMatgrad(name: string): Promise<Runner> {
  // Typed loosely on purpose: backends land over time and may take options or be async.
  await (setBackend as (name: string) => unknown)(name);
  if (getBackend() !== name) {
    throw new Error(`setBackend(${JSON.stringify(name)}) left getBackend() = ${getBackend()}`);
  }
  return {
    notes: `@matgrad/core, setBackend("${name}"); backward = matmulGrad (dA and dB in one call)`,
    supports: (op) => op !== "train",
    prepare(c, x) {
      const a = new Tensor(x.a, [c.n, c.d]);
      const b = new Tensor(x.b, [c.d, c.m]);
      let prepared: Prepared;
      if (c.op === "forward") {
        const out = new Tensor(zerosOf(c.dtype, c.n * c.m), [c.n, c.m]);
        prepared = {
          run: () => void matmul(a, b, { out }),
          read: () => [out.data],
          dispose: () => {},
        };
      } else {
        const dC = new Tensor(x.dC, [c.n, c.m]);
        const outA = new Tensor(zerosOf(c.dtype, c.n * c.d), [c.n, c.d]);
        const outB = new Tensor(zerosOf(c.dtype, c.d * c.m), [c.d, c.m]);
        prepared = {
          run: () => void matmulGrad(a, b, dC, { outA, outB }),
          read: () => [outA.data, outB.data],
          dispose: () => {},
        };
      }
      return Promise.resolve(prepared);
    },
    close: () => Promise.resolve(),
  };
}
