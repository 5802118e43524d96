import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { getBackend, setBackend } from "./backends.ts";
import { registerBackend } from "./backends.ts";
import { type Executor, getExecutor, setExecutor, withExecutor } from "./executor.ts";
import { serialExecutor } from "./serial.ts";
import { matmul } from "../ops/matmul.ts";
import { tensor, zeros } from "../tensor/constructors.ts";
import { storageOf } from "../tensor/tensor.ts";
import type { TensorData } from "../dtype.ts";

/** A pretend device: host memory, but marked as a device, float32 only, counting reads. */
function fakeDevice(): Executor & { reads: number } {
  const fake = {
    name: "fake device",
    threads: 1,
    device: "fake",
    dtypes: ["float32"] as const,
    reads: 0,
    allocate: (dtype: "float32" | "float64", size: number, zero: boolean) => {
      const { data } = serialExecutor.allocate(dtype, size, zero);
      return { data, block: "fake" };
    },
    free: () => {},
    run: (tasks: Parameters<Executor["run"]>[0]) => serialExecutor.run(tasks),
    read(data: TensorData) {
      fake.reads++;
      return Promise.resolve(data.slice());
    },
  };
  return fake;
}

Deno.test("setBackend rejects an unknown or unregistered backend with a BackendError", async () => {
  {
    const error = await assertRejects(() => setBackend("webgpu-unregistered"), Error);
    assertStrictEquals(error.name, "BackendError");
    assertMatch(
      error.message,
      /setBackend\("webgpu-unregistered"\): unknown backend; known: "wasm", "js"/,
    );
  }
  assertThrows(() => registerBackend("wasm", () => Promise.resolve(serialExecutor)), RangeError);
});

Deno.test("a registered device backend: getBackend, read(), data refused, other executors refused", async () => {
  const fake = fakeDevice();
  registerBackend("fake", () => Promise.resolve(fake));
  const before = getBackend();
  await setBackend("fake");
  try {
    assertStrictEquals(getBackend(), "fake");
    assertStrictEquals(getExecutor(), fake);
    const c = matmul(tensor([[1, 2]]), tensor([[3], [4]]));
    assert(c.onDevice);
    {
      const error = assertThrows(() => c.data, Error);
      assertStrictEquals(error.name, "DeviceTensorError");
      assertMatch(error.message, /lives on fake.*read\(\)/);
    }
    {
      const error = assertThrows(() => c.item(), Error);
      assertStrictEquals(error.name, "DeviceTensorError");
    }
    assertEquals(await c.read(), new Float32Array([11]));
    assertStrictEquals(fake.reads, 1);
    {
      const error = assertThrows(() => zeros([2], "float64"), Error);
      assertStrictEquals(error.name, "DTypeError");
      assertMatch(
        error.message,
        /zeros: a float64 tensor of shape 2 cannot live on fake, which holds float32 only/,
      );
    }
    {
      const error = assertThrows(() => withExecutor(serialExecutor, () => storageOf(c)), Error);
      assertStrictEquals(error.name, "DeviceTensorError");
      assertMatch(error.message, /lives on fake but ops run on serial/);
    }
  } finally {
    await setBackend(before === "js" ? "js" : "wasm");
  }
  assertStrictEquals(getExecutor(), serialExecutor);
  const host = tensor([1, 2]);
  assertStrictEquals(host.onDevice, false);
  assertStrictEquals(await host.read(), host.data);
  setExecutor(undefined);
});
