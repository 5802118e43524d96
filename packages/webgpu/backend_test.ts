/**
 * The backend's contract: setBackend/getBackend, device tensors refusing
 * synchronous reads and other executors, float64 refused with a DTypeError,
 * host memory never written by the device, and the no-adapter path (a
 * child Deno with DENO_WEBGPU_BACKEND="" sees no adapter).
 */
import {
  getBackend,
  matmul,
  serialExecutor,
  setBackend,
  sgd,
  Tensor,
  tensor,
  withExecutor,
  zeros,
} from "@matgrad/core";
import assert from "node:assert/strict";
import { gpu, gpuTest } from "./testing/gpu.ts";

gpuTest("setBackend('webgpu') makes ops run on the device; getBackend reports it", async () => {
  await setBackend("webgpu");
  try {
    assert.equal(getBackend(), "webgpu");
    const c = matmul(tensor([[1, 2]]), tensor([[3], [4]]));
    assert.ok(c.onDevice);
    assert.deepEqual(await c.read(), new Float32Array([11]));
  } finally {
    await setBackend("wasm");
  }
  assert.equal(getBackend(), "wasm");
  assert.equal(tensor([1]).onDevice, false);
});

gpuTest(
  "a device tensor's data, toArray() and item() throw a DeviceTensorError naming read()",
  () => {
    const t = tensor([[1, 2], [3, 4]]);
    for (const touch of [() => t.data, () => t.toArray(), () => t.item()]) {
      assert.throws(touch, {
        name: "DeviceTensorError",
        message: /Tensor\(float32, 2×2\) lives on webgpu.*await t\.read\(\)/,
      });
    }
  },
);

gpuTest(
  "a device tensor used by ops on the CPU throws instead of reading stale memory",
  async () => {
    const t = zeros([2, 3]);
    assert.throws(() => withExecutor(serialExecutor, () => matmul(t, tensor([[1], [1], [1]]))), {
      name: "DeviceTensorError",
      message: /lives on webgpu but ops run on serial/,
    });
    const values = await t.read();
    const copy = withExecutor(serialExecutor, () => tensor(values, t.shape));
    assert.deepEqual(copy.toArray(), [[0, 0, 0], [0, 0, 0]]);
  },
);

gpuTest("float64 tensors cannot live on the device: a DTypeError naming the shape", () => {
  assert.throws(() => zeros([2, 3], "float64"), {
    name: "DTypeError",
    message: /zeros: a float64 tensor of shape 2×3 cannot live on webgpu/,
  });
});

gpuTest("host parameters are never silently left un-updated by the device", () => {
  const p = withExecutor(serialExecutor, () => tensor([1, 2]));
  assert.throws(() => sgd({ lr: 0.1 }).step([p], [tensor([1, 1])]), {
    name: "DeviceTensorError",
    message: /sgd task would write 2 elements of host memory/,
  });
  // Host operands are read fine: uploaded for the dispatch.
  const host = new Tensor(new Float32Array([2, 3]), [1, 2]);
  assert.ok(matmul(host, tensor([[1], [1]])).onDevice);
});

gpuTest("read() waits for queued work and returns a copy; disposed tensors reject", async (g) => {
  const a = tensor([1, 2, 3]);
  const copy = await a.read();
  copy[0] = 99;
  assert.deepEqual(await a.read(), new Float32Array([1, 2, 3]));
  a.dispose();
  await assert.rejects(a.read(), { name: "ReleasedTensorError" });
  assert.match(g.adapter, /\S/);
});

Deno.test({
  name: "without an adapter setBackend('webgpu') rejects with a BackendError saying why",
  ignore: typeof Deno.Command !== "function",
  async fn() {
    const code = `
      import "${new URL("./mod.ts", import.meta.url).href}";
      import { setBackend, getBackend } from "@matgrad/core";
      try { await setBackend("webgpu"); console.log("started"); }
      catch (e) { console.log(e.name + ": " + e.message + " | backend now " + getBackend()); }
    `;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", code],
      env: { DENO_WEBGPU_BACKEND: "" },
      stdout: "piped",
      stderr: "piped",
      cwd: new URL(".", import.meta.url),
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.match(
      text,
      /BackendError: setBackend\("webgpu"\): navigator\.gpu\.requestAdapter\(\) returned null.*backend now (wasm|js)/,
      `child said: ${text} ${new TextDecoder().decode(out.stderr)}`,
    );
  },
});

if (typeof gpu === "string") console.warn(`(${gpu})`);
