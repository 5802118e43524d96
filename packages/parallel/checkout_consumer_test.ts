import { assert, assertEquals, assertStrictEquals } from "@std/assert";

// The root README's "From a checkout" import map, as a reader copies it: a
// script in its own folder next to the clone, outside this workspace.
Deno.test("the README's import map for a checkout runs a script outside the workspace", async () => {
  const root = new URL("../../", import.meta.url);
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const install = readme.slice(readme.indexOf("## Install"));
  const block = /```json\n([\s\S]*?)\n```/.exec(install.slice(0, install.indexOf("\n## ", 3)));
  assert(block, "README.md: no JSON block in the Install section");
  const map = JSON.parse(block[1]!);
  assertEquals(Object.keys(map.imports).sort(), [
    "@matgrad/core",
    "@matgrad/core/backend",
    "@matgrad/core/kernels",
    "@matgrad/parallel",
  ]);
  const dir = await Deno.makeTempDir({ prefix: "matgrad_checkout_" });
  try {
    await Deno.symlink(decodeURIComponent(root.pathname), `${dir}/matgrad`);
    await Deno.mkdir(`${dir}/script`);
    // comlink from the clone's node_modules, so that the test needs no registry.
    map.imports["npm:comlink@4.4.2"] = "../matgrad/node_modules/comlink/dist/esm/comlink.mjs";
    map.imports["npm:comlink@4.4.2/dist/esm/node-adapter.mjs"] =
      "../matgrad/node_modules/comlink/dist/esm/node-adapter.mjs";
    await Deno.writeTextFile(`${dir}/script/deno.json`, JSON.stringify(map));
    await Deno.writeTextFile(
      `${dir}/script/main.ts`,
      `import { matmulGrad, randn } from "@matgrad/core";
import { createPool } from "@matgrad/parallel";

const a = randn([40, 30], { seed: 1 }), b = randn([30, 20], { seed: 2 });
const dC = randn([40, 20], { seed: 3 });
await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
const { dA, dB } = await pool.matmulGrad(a, b, dC);
const s = matmulGrad(a, b, dC);
const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
  x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));
console.log(same(dA.data, s.dA.data) && same(dB.data, s.dB.data) ? "bitwise equal" : "MISMATCH");
`,
    );
    // No permissions, nothing fetched: the map's files and the bundled worker are all it needs.
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--cached-only", "main.ts"],
      cwd: `${dir}/script`,
      env: { NO_COLOR: "1" },
    }).output();
    assertStrictEquals(code, 0, new TextDecoder().decode(stderr));
    assertStrictEquals(new TextDecoder().decode(stdout), "bitwise equal\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
