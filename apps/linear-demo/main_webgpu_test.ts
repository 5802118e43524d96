// `--backend webgpu` as a user runs it: the demo trained on the GPU reaches
// the CPU's final loss (float32 there, float64 here), and without an adapter
// it exits 2 saying why. Ignored, with the reason printed, where this machine
// has no WebGPU adapter.
import { assert, assertMatch, assertStrictEquals } from "@std/assert";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

const gpu = (navigator as { gpu?: GPU }).gpu;
const adapter = gpu === undefined ? null : await gpu.requestAdapter().catch(() => null);
const noAdapter = adapter === null ? "no WebGPU adapter on this machine" : undefined;
if (noAdapter) console.warn(`main_webgpu_test.ts: SKIPPED (ignored): ${noAdapter}`);

async function demo(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-read", "--allow-write", MAIN, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const ARGS = ["--json", "--epochs", "3", "--samples", "2048", "--dims", "64", "--outputs", "8"];

Deno.test({
  name: `--backend webgpu reaches the CPU's final loss${
    noAdapter ? ` (skipped: ${noAdapter})` : ""
  }`,
  ignore: noAdapter !== undefined,
  async fn() {
    const cpu = await demo([...ARGS, "--workers", "0"]);
    const gpu = await demo([...ARGS, "--backend", "webgpu"]);
    assertStrictEquals(cpu.code, 0, cpu.stderr);
    assertStrictEquals(gpu.code, 0, gpu.stderr);
    const [c, g] = [JSON.parse(cpu.stdout), JSON.parse(gpu.stdout)];
    assertStrictEquals(g.training.backend, "webgpu");
    assertStrictEquals(g.stepLosses.length, c.stepLosses.length);
    assert(g.finalLoss < g.initialLoss / 1.5, `${g.initialLoss} → ${g.finalLoss}`);
    const rel = Math.abs(g.finalLoss - c.finalLoss) / c.finalLoss;
    assert(rel < 1e-3, `final loss ${g.finalLoss} on the GPU, ${c.finalLoss} on the CPU`);
  },
});

Deno.test("--backend webgpu without an adapter exits 2 saying why", async () => {
  const r = await demo([...ARGS, "--backend", "webgpu"], { DENO_WEBGPU_BACKEND: "" });
  assertStrictEquals(r.code, 2, r.stdout + r.stderr);
  assertMatch(
    r.stderr,
    /^error: setBackend\("webgpu"\): navigator\.gpu\.requestAdapter\(\) returned null/,
  );
});

Deno.test("--backend takes cpu or webgpu only", async () => {
  const r = await demo(["--backend", "tpu"]);
  assertStrictEquals(r.code, 2);
  assertMatch(r.stderr, /--backend must be cpu or webgpu, got "tpu"/);
});
