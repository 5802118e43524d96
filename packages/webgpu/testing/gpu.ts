/**
 * Test support: the WebGPU executor where an adapter exists, else the
 * reason, printed once, with every device test registered as ignored
 * (reported as skipped, never passing silently).
 *
 * @module
 */
import { setExecutor, type Tensor } from "@matgrad/core";
import { webgpuExecutor } from "../mod.ts";
import type { WebGpuExecutor } from "../executor.ts";

/** The executor, or why there is none. */
export const gpu: WebGpuExecutor | string = await webgpuExecutor().catch((e: Error) => e.message);

if (typeof gpu === "string") {
  console.warn(`webgpu tests SKIPPED (ignored): ${gpu}`);
} else {
  console.log(`webgpu tests on: ${gpu.adapter}`);
  // Tear the device down before the runtime does: lavapipe occasionally
  // corrupted its heap when the process exited with the device alive.
  const device = gpu.gpu;
  globalThis.addEventListener("unload", () => device.destroy());
}

/** Registers a test that runs with the WebGPU executor active, ignored without an adapter. */
export function gpuTest(name: string, fn: (gpu: WebGpuExecutor) => Promise<void> | void): void {
  Deno.test({
    name: typeof gpu === "string" ? `${name} (skipped: no WebGPU adapter)` : name,
    ignore: typeof gpu === "string",
    // Device buffers and mapAsync outlive a test's body by design.
    sanitizeResources: false,
    async fn() {
      const executor = gpu as WebGpuExecutor;
      setExecutor(executor);
      try {
        await fn(executor);
      } finally {
        setExecutor(undefined);
      }
    },
  });
}

/** A tensor's elements as float64, from the device or the host. */
export async function values(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.read());
}

/**
 * Checks `|got − want| ≤ bound[i]` element-wise and throws an error naming
 * the first element outside, with `what` (the case) in the message.
 */
export function assertWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  bound: (i: number) => number,
  what: string,
): void {
  if (got.length !== want.length) {
    throw new Error(`${what}: ${got.length} elements, expected ${want.length}`);
  }
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= bound(i)) && !(Number.isNaN(got[i]!) && Number.isNaN(want[i]!))) {
      throw new Error(
        `${what}: element ${i} is ${got[i]}, expected ${want[i]} within ${bound(i)} (off by ${d})`,
      );
    }
  }
}
