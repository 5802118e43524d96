/**
 * Finding a WebGPU device: the adapter, its description, and the limits
 * requested (the adapter's own storage-buffer limits, not the 128 MiB
 * default). Every way of failing becomes a `BackendError` saying why.
 *
 * @module
 */
import { BackendError } from "@matgrad/core";

/** A device and what is known about the adapter it came from. */
export interface GpuDevice {
  /** The device. */
  readonly device: GPUDevice;
  /** The adapter's description: vendor, architecture, device, description, fallback. */
  readonly adapter: string;
  /** Whether the adapter is a software or fallback one (llvmpipe, lavapipe, SwiftShader). */
  readonly fallback: boolean;
}

/**
 * Requests an adapter and a device.
 *
 * @throws {BackendError} (as a rejection) without `navigator.gpu`, without an adapter, or when the device cannot start.
 * @example
 * ```ts
 * import { requestGpuDevice } from "@matgrad/webgpu";
 *
 * try {
 *   const { adapter } = await requestGpuDevice();
 *   console.log(adapter);
 * } catch (e) {
 *   console.log((e as Error).message); // e.g. no adapter on this machine
 * }
 * ```
 */
export async function requestGpuDevice(): Promise<GpuDevice> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (gpu === undefined) {
    throw new BackendError(
      "webgpu",
      "navigator.gpu is undefined: this runtime has no WebGPU (Deno ≥ 1.39 has it; browsers need a " +
        "secure context, and headless Chromium --enable-unsafe-webgpu)",
    );
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    throw new BackendError("webgpu", `navigator.gpu.requestAdapter() failed: ${String(e)}`);
  }
  if (adapter === null) {
    throw new BackendError(
      "webgpu",
      "navigator.gpu.requestAdapter() returned null: no GPU adapter on this machine (in Deno on " +
        "Linux install Vulkan drivers, e.g. apt-get install libvulkan1 mesa-vulkan-drivers; " +
        "check DENO_WEBGPU_BACKEND)",
    );
  }
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const fallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const adapterText = describeAdapter(info, fallback);
  const limits = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxStorageBuffersPerShaderStage: Math.min(8, limits.maxStorageBuffersPerShaderStage),
      },
    });
  } catch (e) {
    throw new BackendError("webgpu", `adapter.requestDevice() failed on ${adapterText}: ${e}`);
  }
  return { device, adapter: adapterText, fallback };
}

function describeAdapter(info: GPUAdapterInfo | undefined, fallback: boolean): string {
  if (info === undefined) return fallback ? "unknown adapter (fallback)" : "unknown adapter";
  const parts = [info.vendor, info.architecture, info.device, info.description]
    .filter((p) => typeof p === "string" && p.length > 0);
  const text = parts.length === 0 ? "unnamed adapter" : [...new Set(parts)].join(" / ");
  return fallback ? `${text} (fallback adapter)` : text;
}
