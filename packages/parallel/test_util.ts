/**
 * Helpers for this package's tests (not exported).
 *
 * @module
 */
import { assertEquals, assertStrictEquals, fail } from "@std/assert";
import { type BackendName, setBackend, type Tensor } from "@matgrad/core";
import { getKernels } from "@matgrad/core/kernels";

/** Asserts that two tensors have the same shape, dtype and bits (NaN payloads and -0 included). */
export function assertSameBits(actual: Tensor, expected: Tensor, what = "tensor"): void {
  assertEquals(actual.shape, expected.shape, `${what}: shapes differ`);
  assertStrictEquals(actual.dtype, expected.dtype, `${what}: dtypes differ`);
  const x = bits(actual);
  const y = bits(expected);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      fail(
        `${what}: element ${i} differs: ${show(actual.data[i]!)} vs ${
          show(expected.data[i]!)
        } (serial)`,
      );
    }
  }
}

const show = (x: number): string => Object.is(x, -0) ? "-0" : String(x);

function bits(t: Tensor): Uint32Array | BigUint64Array {
  const { buffer, byteOffset, length } = t.data;
  return t.dtype === "float32"
    ? new Uint32Array(buffer, byteOffset, length)
    : new BigUint64Array(buffer, byteOffset, length);
}

/**
 * `op(A)·op(B)` for 2-D operands by a plain triple loop, each step rounded
 * to float32 when `f32` (core's kernel contract), in float64 otherwise.
 */
export function naiveMatmul(
  a: Tensor,
  b: Tensor,
  transA: boolean,
  transB: boolean,
  f32: boolean,
): number[] {
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const n = transB ? br : bc;
  const round = f32 ? Math.fround : (v: number) => v;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a.data[p * ac + i]! : a.data[i * ac + p]!;
        const y = transB ? b.data[j * bc + p]! : b.data[p * bc + j]!;
        acc = round(acc + round(x * y));
      }
      out.push(acc);
    }
  }
  return out;
}

/** A kernel backend that core offers on this engine. */
export interface BackendChoice {
  /** For test names. */
  readonly label: string;
  /** Makes it the active backend. */
  readonly use: () => void;
}

/** The backends to run a bitwise test under: "js", and "wasm" with and without FMA where available. */
export function backends(): BackendChoice[] {
  const all: BackendChoice[] = [
    { label: "js", use: () => setBackend("js") },
    { label: "wasm", use: () => setBackend("wasm", { fma: false }) },
    { label: "wasm+fma", use: () => setBackend("wasm", { fma: true }) },
  ];
  const { name, fused } = getKernels();
  try {
    return all.filter((b) => {
      try {
        b.use();
        return true;
      } catch {
        return false; // not on this engine
      }
    });
  } finally {
    setBackend(name as BackendName, { fma: fused });
  }
}

/** Runs `fn` with `choice` as the active backend, then restores the previous one. */
export async function withBackend(choice: BackendChoice, fn: () => Promise<void>): Promise<void> {
  const { name, fused } = getKernels();
  choice.use();
  try {
    await fn();
  } finally {
    setBackend(name as BackendName, { fma: fused });
  }
}
