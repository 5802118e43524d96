/**
 * Builds each published package's `dist/` the way JSR's npm compatibility
 * layer does, so that Node and Bun resolve the packages from a checkout
 * through their package.json `exports`: every module transpiled on its own
 * from TypeScript to an ES module (esbuild's transform, from node_modules)
 * with a declaration file beside it (TypeScript's `transpileDeclaration`,
 * which the packages' explicit types — JSR's "no slow types" — allow),
 * relative `.ts` specifiers rewritten to `.js`, `npm:name@version/path` to
 * `name/path`, and the workspace's `@matgrad/…` imports kept bare.
 *
 * Usage: `deno run --allow-read --allow-write --allow-env --allow-run packages/dev/build_npm.ts [package folder…]`
 * (default: packages/core and packages/parallel).
 *
 * @module
 */
import * as esbuild from "esbuild";
import ts from "typescript";

const ROOT = new URL("../../", import.meta.url);
const PACKAGES = ["packages/core", "packages/parallel"];
// Not part of what is published (tests, benchmarks, scripts and their helpers).
const SKIP_DIRS = new Set(["node_modules", "dist", "bench", "testing", "scripts", ".turbo"]);
const SKIP_FILE = /(_test|_bench)\.ts$|^test_util\.ts$|\.d\.ts$/;
// Development tools inside published folders (each package's deno.json excludes them from publishing).
const SKIP_PATHS = new Set(["kernels/wasm/ceiling.ts"]);

/** `npm:name@version/sub` → `name/sub`; `./x.ts` → `./x.js`; anything else as is. */
export function rewriteSpecifier(specifier: string): string {
  const npm = /^npm:(@[^/@]+\/[^/@]+|[^/@]+)(?:@[^/]+)?(\/.*)?$/.exec(specifier);
  if (npm !== null) return `${npm[1]}${npm[2] ?? ""}`;
  if ((specifier.startsWith("./") || specifier.startsWith("../")) && specifier.endsWith(".ts")) {
    return `${specifier.slice(0, -3)}.js`;
  }
  return specifier;
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"']+)\2/g;

/** `code` with every import and export specifier rewritten. */
export function rewriteImports(code: string): string {
  return code.replace(
    SPECIFIER,
    (_, lead: string, quote: string, spec: string) =>
      `${lead}${quote}${rewriteSpecifier(spec)}${quote}`,
  );
}

/**
 * TypeScript 5.9's `transpileDeclaration` declares a class method keyed by a
 * well-known symbol twice, as a property and as a method (`[Symbol.asyncDispose]`,
 * `static [Symbol.hasInstance]`), which a consumer's type check rejects as a
 * duplicate: the property form is dropped where the method form exists.
 */
export function dedupeSymbolMembers(dts: string): string {
  const lines = dts.split("\n");
  return lines.filter((line) => {
    const m = /^\s*(static )?\[Symbol\.(\w+)\]: \(.*\) => .*;$/.exec(line);
    if (m === null) return true;
    const method = `${m[1] ?? ""}[Symbol.${m[2]}](`;
    return !lines.some((other) => other.trimStart().startsWith(method));
  }).join("\n");
}

async function* modules(dir: URL, rel = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(rel, dir))) {
    if (entry.isDirectory) {
      if (!SKIP_DIRS.has(entry.name)) yield* modules(dir, `${rel}${entry.name}/`);
    } else if (
      entry.name.endsWith(".ts") && !SKIP_FILE.test(entry.name) &&
      !SKIP_PATHS.has(`${rel}${entry.name}`)
    ) {
      yield `${rel}${entry.name}`;
    }
  }
}

/** Builds `pkg` (a folder from the repository root) into its `dist/`; returns the module count. */
export async function buildPackage(pkg: string): Promise<number> {
  const dir = new URL(`${pkg}/`, ROOT);
  const dist = new URL("dist/", dir);
  await Deno.remove(dist, { recursive: true }).catch(() => {});
  const problems: string[] = [];
  let count = 0;
  for await (const rel of modules(dir)) {
    const source = await Deno.readTextFile(new URL(rel, dir));
    const js = await esbuild.transform(source, {
      loader: "ts",
      format: "esm",
      target: "es2022",
      sourcefile: rel,
    });
    const dts = ts.transpileDeclaration(source, {
      fileName: rel,
      reportDiagnostics: true,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        isolatedDeclarations: true,
        strict: true,
      },
    });
    for (const d of dts.diagnostics ?? []) {
      // Tensor's brand getter, keyed by a registry symbol, is left out of the declarations:
      // the type stays structural, as the brand lets tensors of two copies of core mix.
      if (d.code === 9038 && rel === "tensor/tensor.ts") continue;
      problems.push(`${pkg}/${rel}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    }
    const out = new URL(rel.replace(/\.ts$/, ".js"), dist);
    await Deno.mkdir(new URL(".", out), { recursive: true });
    await Deno.writeTextFile(out, rewriteImports(js.code));
    await Deno.writeTextFile(
      new URL(rel.replace(/\.ts$/, ".d.ts"), dist),
      rewriteImports(dedupeSymbolMembers(dts.outputText)),
    );
    count++;
  }
  if (problems.length > 0) {
    throw new Error(`build_npm: declarations of ${pkg} failed:\n${problems.join("\n")}`);
  }
  return count;
}

if (import.meta.main) {
  const targets = Deno.args.length > 0 ? Deno.args : PACKAGES;
  try {
    for (const pkg of targets) {
      const n = await buildPackage(pkg);
      console.log(`build_npm: ${pkg}/dist: ${n} modules (.js and .d.ts)`);
    }
  } finally {
    await esbuild.stop();
  }
}
