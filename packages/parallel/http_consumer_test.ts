import { assertStrictEquals } from "@std/assert";

// The package as a consumer meets it: served over HTTP, imported by a script
// outside this workspace (so no workspace import map), with an import map
// that names matgrad's packages only, not comlink. The consumer's own
// node_modules holds comlink (linked to the one `npm ci` installed), so its
// `npm:` import resolves there and nothing is fetched from a registry.
Deno.test("a script outside the workspace imports @matgrad/parallel over HTTP and runs matmulGrad", async () => {
  const packages = new URL("../", import.meta.url);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = decodeURIComponent(new URL(request.url).pathname);
      if (path.includes("..") || !path.endsWith(".ts")) return new Response(null, { status: 404 });
      try {
        const body = await Deno.readFile(new URL(`.${path}`, packages));
        return new Response(body, { headers: { "content-type": "application/typescript" } });
      } catch {
        return new Response(null, { status: 404 });
      }
    },
  );
  const dir = await Deno.makeTempDir({ prefix: "matgrad_consumer_" });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        nodeModulesDir: "manual",
        imports: {
          "@matgrad/parallel": `${base}/parallel/mod.ts`,
          "@matgrad/core": `${base}/core/mod.ts`,
          "@matgrad/core/backend": `${base}/core/backend.ts`,
          "@matgrad/core/kernels": `${base}/core/kernels/mod.ts`,
        },
      }),
    );
    await Deno.mkdir(`${dir}/node_modules`);
    await Deno.symlink(await installed("comlink"), `${dir}/node_modules/comlink`);
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { createPool } from "@matgrad/parallel";
import { matmulGrad, randn } from "@matgrad/core";

const a = randn([130, 70], { seed: 1 });
const b = randn([70, 90], { seed: 2 });
const dC = randn([130, 90], { seed: 3 });
await using pool = createPool({ workers: 2, serialBelowFlops: 0 });
const { dA, dB } = await pool.matmulGrad(a, b, dC);
const s = matmulGrad(a, b, dC);
const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
  x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));
console.log(import.meta.resolve("@matgrad/parallel"));
console.log(same(dA.data, s.dA.data) && same(dB.data, s.dB.data) ? "bitwise equal" : "MISMATCH");
`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", `--allow-import=127.0.0.1:${server.addr.port}`, "main.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
    }).output();
    const out = new TextDecoder().decode(stdout);
    assertStrictEquals(code, 0, new TextDecoder().decode(stderr));
    assertStrictEquals(out, `${base}/parallel/mod.ts\nbitwise equal\n`);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The folder `npm ci` installed package `name` into (node_modules here or above). */
async function installed(name: string): Promise<string> {
  for (let dir = new URL("./", import.meta.url);; dir = new URL("../", dir)) {
    const candidate = new URL(`node_modules/${name}`, dir);
    try {
      return await Deno.realPath(candidate);
    } catch {
      if (new URL("../", dir).href === dir.href) throw new Error(`${name} is not installed`);
    }
  }
}
