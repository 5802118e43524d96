/**
 * The layering the architecture promises, checked on every source file (as
 * denoland/std's `_tools/check_circular_package_dependencies.ts` checks its
 * packages):
 * - core's kernels import only the kernel room and `dtype.ts`: never
 *   tensors, ops, autograd, executors or optimizers;
 * - core imports no other matgrad package (parallel builds on core, not the
 *   reverse);
 * - no package, app or benchmark reaches into another by a relative path:
 *   they import each other by name;
 * - what is published never imports this development package;
 * - each member's package.json exports the entries its deno.json exports: as
 *   a path, or (the published packages) as conditions — `deno` the source
 *   file, `default` and `types` the JavaScript and declarations that
 *   packages/dev/build_npm.ts writes for it into `dist/`, for Node and Bun.
 */
import { assert, assertEquals, assertStrictEquals } from "@std/assert";

const ROOT = new URL("../../", import.meta.url);
const MEMBERS = [
  "packages/core",
  "packages/parallel",
  "packages/webgpu",
  "packages/dev",
  "apps/linear-demo",
  "apps/web-demo",
  "apps/runtimes",
  "benchmarks",
];
const SKIP = new Set(["node_modules", "_generated", "dist", "results", ".ci-deno-dir"]);

interface Source {
  /** Path from the repository root. */
  readonly path: string;
  /** The member folder it belongs to. */
  readonly member: string;
  /** Its import specifiers. */
  readonly imports: string[];
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

async function sources(): Promise<Source[]> {
  const out: Source[] = [];
  const walk = async (dir: string, member: string) => {
    for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
      if (SKIP.has(entry.name) || entry.name.startsWith(".")) continue;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path, member);
      else if (entry.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(new URL(path, ROOT));
        // Doc comments hold examples that import by name; code imports are what count.
        const code = text.replace(/\/\*\*[\s\S]*?\*\//g, "");
        const imports = [...code.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
        out.push({ path, member, imports });
      }
    }
  };
  for (const m of MEMBERS) await walk(m, m);
  return out;
}

/** Where a relative specifier of `from` points, from the repository root. */
function resolved(from: string, specifier: string): string {
  const url = new URL(specifier, new URL(from, ROOT));
  return decodeURIComponent(url.pathname).slice(decodeURIComponent(ROOT.pathname).length);
}

const files = await sources();
const relative = (s: string) => s.startsWith("./") || s.startsWith("../");
const isTest = (p: string) =>
  /_test\.ts$|_bench\.ts$|\/bench\/|\/testing\/|test_util\.ts$|testing\.ts$/.test(p);

Deno.test("layering: core's kernels import only the kernel room and dtype.ts", () => {
  const bad: string[] = [];
  for (const f of files.filter((f) => f.path.startsWith("packages/core/kernels/"))) {
    if (isTest(f.path)) continue;
    for (const s of f.imports) {
      if (!relative(s)) continue;
      const to = resolved(f.path, s);
      if (!to.startsWith("packages/core/kernels/") && to !== "packages/core/dtype.ts") {
        bad.push(`${f.path} imports ${s}`);
      }
    }
  }
  assertEquals(bad, []);
  assert(
    files.some((f) => f.path === "packages/core/kernels/tasks.ts"),
    "no kernel files found",
  );
});

Deno.test("layering: core imports no other matgrad package", () => {
  const bad = files.filter((f) => f.member === "packages/core").flatMap((f) =>
    f.imports.filter((s) => s.startsWith("@matgrad/") && !s.startsWith("@matgrad/core")).map((s) =>
      `${f.path} imports ${s}`
    )
  );
  assertEquals(bad, []);
});

Deno.test("layering: nothing reaches into another member by a relative path", () => {
  const bad: string[] = [];
  for (const f of files) {
    for (const s of f.imports) {
      if (relative(s) && !resolved(f.path, s).startsWith(`${f.member}/`)) {
        bad.push(`${f.path} imports ${s}`);
      }
    }
  }
  assertEquals(bad, []);
});

Deno.test("layering: published code never imports the development package", () => {
  const bad = files.filter((f) =>
    (f.member === "packages/core" || f.member === "packages/parallel" ||
      f.member === "packages/webgpu") &&
    !isTest(f.path) &&
    !f.path.includes("/scripts/")
  ).flatMap((f) =>
    f.imports.filter((s) => s.startsWith("@matgrad/dev")).map((s) => `${f.path} imports ${s}`)
  );
  assertEquals(bad, []);
});

Deno.test("layering: each member's package.json exports what its deno.json exports", async () => {
  for (const m of MEMBERS) {
    const deno = JSON.parse(await Deno.readTextFile(new URL(`${m}/deno.json`, ROOT)));
    const pkg = JSON.parse(await Deno.readTextFile(new URL(`${m}/package.json`, ROOT)));
    const entries = (e: unknown) =>
      e === undefined ? {} : typeof e === "string" ? { ".": e } : e as Record<string, unknown>;
    const sources: Record<string, unknown> = {};
    for (const [name, target] of Object.entries(entries(pkg.exports))) {
      if (typeof target === "string") {
        sources[name] = target;
        continue;
      }
      const { deno: source, types, default: js, ...rest } = target as Record<string, string>;
      assertEquals(Object.keys(target as object), ["types", "deno", "default"], `${m} ${name}`);
      assertEquals(rest, {});
      const built = String(source).replace(/^\.\//, "./dist/").replace(/\.ts$/, "");
      assertStrictEquals(js, `${built}.js`, `${m} ${name}: default`);
      assertStrictEquals(types, `${built}.d.ts`, `${m} ${name}: types`);
      sources[name] = source;
    }
    assertEquals(sources, entries(deno.exports), m);
  }
});
