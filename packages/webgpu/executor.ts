/**
 * The WebGPU executor: core's ops allocate their tensors here and hand it
 * their tasks; each task becomes a compute dispatch, recorded into one
 * command encoder and submitted in batches (at the latest when the calling
 * code yields, or when something is read). Tensors live in device buffers;
 * the typed arrays core sees are placeholders that map to them.
 *
 * A placeholder starts "pending": what the host writes into it before its
 * first use (a constructor's values, autograd's seed) is uploaded when a
 * kernel first reads it; a kernel that only writes it skips the upload.
 * Host tensors that ops read are uploaded for the dispatch; ops may not
 * write host memory here (an optimizer's parameter made on the CPU, an
 * `out` on the CPU): that throws a `DeviceTensorError`.
 *
 * @module
 */
import { DeviceTensorError, type DType } from "@matgrad/core";
import type { Allocation, Executor } from "@matgrad/core/backend";
import type { Task, TensorData } from "@matgrad/core/kernels";
import type { GpuDevice } from "./device.ts";
import { type Dispatch, encodeTask } from "./encode.ts";

interface Slot {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
  /** The placeholder holds the values (not yet uploaded). */
  pending: boolean;
}

const STORAGE = 0x80; // GPUBufferUsage.STORAGE
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
// Dispatches recorded before a submit without waiting for the caller to yield.
const BATCH = 128;
// Free device memory kept for reuse.
const KEEP_BYTES = 512 << 20;

/** Runs core's tasks as WebGPU compute dispatches; see the module doc. */
export class WebGpuExecutor implements Executor {
  /** For messages: `"webgpu"`. */
  readonly name = "webgpu";
  /** One queue. */
  readonly threads = 1;
  /** Tensors live on the device. */
  readonly device = "webgpu";
  /** float32 only: WGSL has no float64. */
  readonly dtypes: readonly DType[] = ["float32"];
  /** The adapter's description (vendor / architecture / device / description). */
  readonly adapter: string;
  /** Whether it is a software or fallback adapter. */
  readonly fallback: boolean;
  /** The device. */
  readonly gpu: GPUDevice;
  readonly #slots = new WeakMap<TensorData, Slot>();
  readonly #free = new Map<number, GPUBuffer[]>();
  #kept = 0;
  // Freed while recorded commands may use them: reusable after the next submit.
  #retiring: Slot[] = [];
  // Destroyed after the next submit.
  #temps: GPUBuffer[] = [];
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  #recorded = 0;
  #flushQueued = false;
  readonly #errors: string[] = [];
  readonly #maxBinding: number;

  /** Wraps a device from {@linkcode requestGpuDevice}. */
  constructor({ device, adapter, fallback }: GpuDevice) {
    this.gpu = device;
    this.adapter = adapter;
    this.fallback = fallback;
    this.#maxBinding = device.limits.maxStorageBufferBindingSize;
    device.addEventListener?.("uncapturederror", (e) => {
      this.#errors.push(String((e as GPUUncapturedErrorEvent).error?.message ?? e));
    });
  }

  /** Device storage behind a placeholder of `size` elements. */
  allocate(dtype: DType, size: number, zero: boolean): Allocation {
    const bytes = Math.max(16, Math.ceil((size * 4) / 16) * 16);
    if (bytes > this.#maxBinding) {
      throw new RangeError(
        `webgpu: ${size} float32 elements need ${bytes} bytes, more than this device's ` +
          `maxStorageBufferBindingSize of ${this.#maxBinding}`,
      );
    }
    let buffer = this.#free.get(bytes)?.pop();
    if (buffer === undefined) {
      buffer = this.gpu.createBuffer({ size: bytes, usage: STORAGE | COPY_SRC | COPY_DST });
    } else {
      this.#kept -= bytes;
      if (zero) {
        this.#endPass();
        this.#commands().clearBuffer(buffer);
      }
    }
    // Fresh buffers are zeros; host writes after a zero-filled allocation are not expected.
    const slot: Slot = { buffer, bytes, pending: !zero };
    const data = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
    this.#slots.set(data, slot);
    return { data, block: slot };
  }

  /** Takes a buffer back, for reuse once the commands recorded so far are submitted. */
  free(block: unknown): void {
    this.#retiring.push(block as Slot);
  }

  /** Records each task as a dispatch; submitted in batches. */
  run(tasks: readonly Task[]): void {
    for (const task of tasks) {
      const d = encodeTask(task);
      if (d !== undefined) this.#record(task, d);
    }
    if (this.#recorded >= BATCH) this.flush();
    else if (this.#recorded > 0 && !this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.flush();
      });
    }
  }

  /** Submits what was recorded. */
  flush(): void {
    this.#endPass();
    if (this.#encoder !== undefined) {
      this.gpu.queue.submit([this.#encoder.finish()]);
      this.#encoder = undefined;
    }
    this.#recorded = 0;
    for (const b of this.#temps) b.destroy();
    this.#temps = [];
    for (const slot of this.#retiring) this.#keep(slot);
    this.#retiring = [];
  }

  /**
   * Submits what was recorded and resolves once the device has run it all
   * (for timing; `read()` waits by itself).
   *
   * @example
   * ```ts
   * import { webgpuExecutor } from "@matgrad/webgpu";
   *
   * const gpu = await webgpuExecutor().catch(() => undefined);
   * await gpu?.sync();
   * ```
   */
  async sync(): Promise<void> {
    this.flush();
    await this.gpu.queue.onSubmittedWorkDone();
  }

  /** A host copy of a placeholder's elements once every recorded task has run. */
  async read(data: TensorData): Promise<TensorData> {
    const slot = this.#slots.get(data);
    if (slot === undefined) return data;
    if (slot.pending) return data.slice();
    const bytes = Math.max(4, data.length * 4);
    const staging = this.gpu.createBuffer({
      size: Math.ceil(bytes / 4) * 4,
      usage: MAP_READ | COPY_DST,
    });
    this.#endPass();
    this.#commands().copyBufferToBuffer(slot.buffer, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.flush();
    await staging.mapAsync(1 /* GPUMapMode.READ */);
    const values = new Float32Array(staging.getMappedRange().slice(0, data.length * 4));
    staging.unmap();
    staging.destroy();
    if (this.#errors.length > 0) {
      const errors = this.#errors.splice(0).join("; ");
      throw new Error(`webgpu: the device reported errors: ${errors}`);
    }
    return data instanceof Float32Array ? values : Float64Array.from(values);
  }

  #keep(slot: Slot): void {
    if (this.#kept + slot.bytes > KEEP_BYTES) {
      slot.buffer.destroy();
      return;
    }
    const list = this.#free.get(slot.bytes);
    if (list === undefined) this.#free.set(slot.bytes, [slot.buffer]);
    else list.push(slot.buffer);
    this.#kept += slot.bytes;
  }

  #commands(): GPUCommandEncoder {
    this.#encoder ??= this.gpu.createCommandEncoder();
    return this.#encoder;
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = undefined;
  }

  #pipeline(wgsl: string): GPUComputePipeline {
    let p = this.#pipelines.get(wgsl);
    if (p === undefined) {
      const module = this.gpu.createShaderModule({ code: wgsl });
      p = this.gpu.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      this.#pipelines.set(wgsl, p);
    }
    return p;
  }

  // The device buffer of a binding: a placeholder's (uploading pending host
  // values it reads), or a temporary upload of host memory.
  #buffer(task: Task, data: TensorData, reads: boolean, writes: boolean): GPUBuffer {
    const slot = this.#slots.get(data);
    if (slot !== undefined) {
      if (slot.pending) {
        if (reads) this.gpu.queue.writeBuffer(slot.buffer, 0, f32(data));
        slot.pending = false;
      }
      return slot.buffer;
    }
    if (data.length === 0) return this.#temp(16);
    if (writes) {
      throw new DeviceTensorError(
        `webgpu: a ${task.kind} task would write ${data.length} elements of host memory, which ` +
          "the device cannot update; make parameters and out tensors after " +
          '`await setBackend("webgpu")` (e.g. tensor(x.data, x.shape)) so that they live on it',
      );
    }
    const buffer = this.#temp(Math.max(16, Math.ceil((data.length * 4) / 16) * 16));
    this.gpu.queue.writeBuffer(buffer, 0, f32(data));
    return buffer;
  }

  #temp(bytes: number): GPUBuffer {
    const b = this.gpu.createBuffer({ size: bytes, usage: STORAGE | COPY_SRC | COPY_DST });
    this.#temps.push(b);
    return b;
  }

  #record(task: Task, d: Dispatch): void {
    const buffers = d.bindings.map((b) => this.#buffer(task, b.data, b.reads, b.writes));
    // A buffer bound for writing may not be bound again: read a copy instead.
    for (let i = 0; i < buffers.length; i++) {
      for (let j = 0; j < buffers.length; j++) {
        if (i === j || buffers[i] !== buffers[j] || !d.bindings[j]!.writes) continue;
        if (d.bindings[i]!.writes) continue;
        const copy = this.#temp(buffers[i]!.size);
        this.#endPass();
        this.#commands().copyBufferToBuffer(buffers[i]!, 0, copy, 0, buffers[i]!.size);
        buffers[i] = copy;
      }
    }
    const metaBytes = Math.max(16, Math.ceil((d.meta.length * 4) / 16) * 16);
    const meta = this.gpu.createBuffer({ size: metaBytes, usage: STORAGE, mappedAtCreation: true });
    new Uint32Array(meta.getMappedRange()).set(d.meta);
    meta.unmap();
    this.#temps.push(meta);
    const pipeline = this.#pipeline(d.wgsl);
    const entries = [...buffers, meta].map((buffer, binding) => ({
      binding,
      resource: { buffer },
    }));
    const group = this.gpu.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.#pass ??= this.#commands().beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, group);
    this.#pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
    this.#recorded++;
  }
}

function f32(data: TensorData): Float32Array<ArrayBuffer> {
  if (data instanceof Float32Array && data.buffer instanceof ArrayBuffer) {
    return data as Float32Array<ArrayBuffer>;
  }
  return Float32Array.from(data);
}
