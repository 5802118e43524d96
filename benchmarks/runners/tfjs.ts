/**
 * TensorFlow.js 4.22 with its CPU (pure JavaScript) or WebAssembly (XNNPACK)
 * backend. The backward is two matMuls with transpose flags, exactly what
 * tfjs's own MatMul gradient runs (without its forward pass).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Data } from "../inputs.ts";
import { LR } from "../train_reference.ts";
import type { Runner } from "./types.ts";

/** Loads tfjs and sets backend "cpu" or "wasm". */
async function setUp(backend: "cpu" | "wasm"): Promise<void> {
  if (backend === "cpu") {
    await import("@tensorflow/tfjs-backend-cpu");
  } else {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    // The .wasm files sit beside the package's entry point in node_modules.
    const dir = new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm"));
    wasm.setWasmPaths(dir.href);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend("${backend}") failed`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`tfjs runs on ${tf.getBackend()}`);
}

/** Loads tfjs with backend "cpu" or "wasm". */
export async function loadTfjs(backend: "cpu" | "wasm"): Promise<Runner> {
  await setUp(backend);
  return {
    notes: `@tensorflow/tfjs-core ${tf.version_core}, backend "${backend}"; ` +
      "backward = tf.matMul(dC, B, false, true) and tf.matMul(A, dC, true, false)",
    supports: (op, dtype) => op !== "train" && dtype === "float32",
    prepare(c, x) {
      // supports() admits float32 only, so the operands are Float32Arrays.
      const f32 = (d: Data) => d as Float32Array<ArrayBuffer>;
      const a = tf.tensor2d(f32(x.a), [c.n, c.d], "float32");
      const b = tf.tensor2d(f32(x.b), [c.d, c.m], "float32");
      const dC = tf.tensor2d(f32(x.dC), [c.n, c.m], "float32");
      let out: tf.Tensor[] = [];
      const free = () => out.forEach((t) => t.dispose());
      return Promise.resolve({
        run: c.op === "forward"
          ? () => {
            free();
            out = [tf.matMul(a, b)];
          }
          : () => {
            free();
            out = [tf.matMul(dC, b, false, true), tf.matMul(a, dC, true, false)];
          },
        read: () => out.map((t) => t.dataSync() as Float32Array),
        dispose: () => {
          free();
          tf.dispose([a, b, dC]);
        },
      });
    },
    close: () => Promise.resolve(),
  };
}

/**
 * tfjs's own training step of the benchmark's model: `tf.train.sgd(LR).minimize`
 * of `tf.losses.meanSquaredError(T, X·W + b)` with W and b as `tf.variable`s
 * (tfjs then differentiates only with respect to them, as matgrad does).
 */
export async function loadTfjsTrain(backend: "cpu" | "wasm"): Promise<Runner> {
  // tfjs-core alone has no gradient functions: the `@tensorflow/tfjs` package registers them
  // (into the same tfjs-core, which npm installs once).
  await import("@tensorflow/tfjs");
  await setUp(backend);
  return {
    notes: `@tensorflow/tfjs-core ${tf.version_core}, backend "${backend}"; ` +
      "tf.train.sgd({ lr }).minimize(() => tf.losses.meanSquaredError(T, X·W + b))",
    supports: (op, dtype) => op === "train" && dtype === "float32",
    prepare(c, x) {
      const f32 = (d: Data) => d as Float32Array<ArrayBuffer>;
      const X = tf.tensor2d(f32(x.a), [c.n, c.d], "float32");
      const T = tf.tensor2d(f32(x.dC), [c.n, c.m], "float32");
      const W = tf.variable(tf.tensor2d(f32(x.b), [c.d, c.m], "float32"));
      const b = tf.variable(tf.tensor1d(f32(x.bias), "float32"));
      const opt = tf.train.sgd(LR);
      const loss = () => tf.losses.meanSquaredError(T, tf.add(tf.matMul(X, W), b)) as tf.Scalar;
      let last = NaN;
      return Promise.resolve({
        run: () => {
          const cost = opt.minimize(loss, true, [W, b])!;
          last = cost.dataSync()[0]!;
          cost.dispose();
        },
        read: (): Data[] => [
          Float64Array.of(last),
          W.dataSync() as Float32Array,
          b.dataSync() as Float32Array,
        ],
        dispose: () => {
          opt.dispose();
          tf.dispose([X, T, W, b]);
        },
      });
    },
    close: () => Promise.resolve(),
  };
}
