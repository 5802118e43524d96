// The browser check of the WebGPU backend, run in Deno too (ignored without an adapter).
import { assert, assertEquals } from "@std/assert";
import { releaseWebgpu, webgpuExecutor } from "@matgrad/webgpu";
import { webgpuCheck } from "./webgpu_check.ts";

const reason = await webgpuExecutor().then(() => undefined, (e: Error) => e.message);
if (reason) console.warn(`webgpu_check_test.ts: SKIPPED (ignored): ${reason}`);

Deno.test({
  name: `webgpuCheck agrees with the CPU in Deno${reason ? " (skipped: no WebGPU adapter)" : ""}`,
  ignore: reason !== undefined,
  sanitizeResources: false,
  async fn() {
    const r = await webgpuCheck();
    assertEquals(r.failures, []);
    assert(r.checks > 50, `${r.checks} checks`);
    // Tear the device down before the runtime does (lavapipe has crashed at exit otherwise).
    await releaseWebgpu();
  },
});
