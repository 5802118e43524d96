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
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { gpu, gpuTest } from "./testing/gpu.ts";

gpuTest("setBackend('webgpu') makes ops run on the device; getBackend reports it", async () => {
  await setBackend("webgpu");
  try {
    assertStrictEquals(getBackend(), "webgpu");
    const c = matmul(tensor([[1, 2]]), tensor([[3], [4]]));
    assert(c.onDevice);
    assertEquals(await c.read(), new Float32Array([11]));
  } finally {
    await setBackend("wasm");
  }
  assertStrictEquals(getBackend(), "wasm");
  assertStrictEquals(tensor([1]).onDevice, false);
});

gpuTest(
  "a device tensor's data, toArray() and item() throw a DeviceTensorError naming read()",
  () => {
    const t = tensor([[1, 2], [3, 4]]);
    for (const touch of [() => t.data, () => t.toArray(), () => t.item()]) {
      {
        const error = assertThrows(touch, Error);
        assertStrictEquals(error.name, "DeviceTensorError");
        assertMatch(error.message, /Tensor\(float32, 2×2\) lives on webgpu.*await t\.read\(\)/);
      }
    }
  },
);

gpuTest(
  "a device tensor used by ops on the CPU throws instead of reading stale memory",
  async () => {
    const t = zeros([2, 3]);
    {
      const error = assertThrows(
        () => withExecutor(serialExecutor, () => matmul(t, tensor([[1], [1], [1]]))),
        Error,
      );
      assertStrictEquals(error.name, "DeviceTensorError");
      assertMatch(error.message, /lives on webgpu but ops run on serial/);
    }
    const values = await t.read();
    const copy = withExecutor(serialExecutor, () => tensor(values, t.shape));
    assertEquals(copy.toArray(), [[0, 0, 0], [0, 0, 0]]);
  },
);

gpuTest("float64 tensors cannot live on the device: a DTypeError naming the shape", () => {
  {
    const error = assertThrows(() => zeros([2, 3], "float64"), Error);
    assertStrictEquals(error.name, "DTypeError");
    assertMatch(error.message, /zeros: a float64 tensor of shape 2×3 cannot live on webgpu/);
  }
});

gpuTest("host parameters are never silently left un-updated by the device", () => {
  const p = withExecutor(serialExecutor, () => tensor([1, 2]));
  {
    const error = assertThrows(() => sgd({ lr: 0.1 }).step([p], [tensor([1, 1])]), Error);
    assertStrictEquals(error.name, "DeviceTensorError");
    assertMatch(error.message, /sgd task would write 2 elements of host memory/);
  }
  // Host operands are read fine: uploaded for the dispatch.
  const host = new Tensor(new Float32Array([2, 3]), [1, 2]);
  assert(matmul(host, tensor([[1], [1]])).onDevice);
});

gpuTest("read() waits for queued work and returns a copy; disposed tensors reject", async (g) => {
  const a = tensor([1, 2, 3]);
  const copy = await a.read();
  copy[0] = 99;
  assertEquals(await a.read(), new Float32Array([1, 2, 3]));
  a.dispose();
  {
    const error = await assertRejects(() => a.read(), Error);
    assertStrictEquals(error.name, "ReleasedTensorError");
  }
  assertMatch(g.adapter, /\S/);
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
    assertMatch(
      text,
      /BackendError: setBackend\("webgpu"\): navigator\.gpu\.requestAdapter\(\) returned null.*backend now (wasm|js)/,
      `child said: ${text} ${new TextDecoder().decode(out.stderr)}`,
    );
  },
});

if (typeof gpu === "string") console.warn(`(${gpu})`);
