/**
 * Bundles an entry module of this workspace into one self-contained ES
 * module with esbuild from `node_modules` (installed by `npm ci`, so a build
 * fetches nothing). `npm:` specifiers, which esbuild does not know, resolve
 * to the same packages in `node_modules`.
 *
 * Why not `deno bundle`: it downloads its own esbuild binary into the Deno
 * cache on first use and cannot be pointed at an installed one.
 *
 * @module
 */
import * as esbuild from "esbuild";

/** Options of {@linkcode bundle}. */
export interface BundleOptions {
  /** Minify the output. Default true. */
  minify?: boolean;
}

// `npm:name@version/sub/path` → `name/sub/path` (scoped names keep their scope).
const NPM = /^npm:(@[^/@]+\/[^/@]+|[^/@]+)(?:@[^/]+)?(\/.*)?$/;

const npmSpecifiers: esbuild.Plugin = {
  name: "npm-specifiers",
  setup(build) {
    build.onResolve({ filter: /^npm:/ }, async (args) => {
      const m = NPM.exec(args.path);
      if (m === null) return { errors: [{ text: `bad npm specifier ${args.path}` }] };
      const r = await build.resolve(`${m[1]}${m[2] ?? ""}`, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
      });
      return r.errors.length > 0 ? { errors: r.errors } : { path: r.path };
    });
  },
};

/**
 * The bundle of `entry` (a file path) for browsers and workers, as text.
 * The same sources and esbuild version give the same bytes.
 *
 * @throws {Error} with esbuild's messages if the build fails.
 * @example
 * ```ts ignore
 * import { bundle } from "@matgrad/dev/bundle";
 * const js = await bundle("worker_entry.ts");
 * ```
 */
export async function bundle(entry: string, options: BundleOptions = {}): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: options.minify ?? true,
      write: false,
      logLevel: "silent",
      legalComments: "none",
      // The workspace packages' sources (package.json `exports`: `deno`), not their dist/ build.
      conditions: ["deno"],
      plugins: [npmSpecifiers],
    });
    return result.outputFiles[0]!.text;
  } finally {
    await esbuild.stop();
  }
}
