/**
 * Builds the page into one folder: the script bundled by esbuild (from
 * node_modules, see `@matgrad/dev/bundle`) from the workspace packages
 * (uPlot included), the HTML, and the style sheets.
 * Nothing is fetched by the page from anywhere but its own server.
 *
 * @module
 */

import { bundle } from "@matgrad/dev/bundle";

/** Options of {@linkcode build}. */
export interface BuildOptions {
  /** Output folder; created if missing. Default: this app's `dist/`. */
  outDir?: string;
  /** Minify the script. Default true. */
  minify?: boolean;
}

/** What {@linkcode build} wrote. */
export interface BuildResult {
  /** The output folder. */
  outDir: string;
  /** Files written, relative to `outDir`. */
  files: string[];
}

/** A build step that failed, with the bundler's own message. */
export class BuildError extends Error {
  /** Wraps `message`. */
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

const APP_DIR = new URL("../", import.meta.url);

function path(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** Finds `node_modules/<rel>` in this folder or an ancestor, as npm may hoist it. */
async function findInNodeModules(rel: string): Promise<string> {
  let dir = new URL("./", APP_DIR);
  for (;;) {
    const candidate = new URL(`node_modules/${rel}`, dir);
    try {
      await Deno.stat(candidate);
      return path(candidate);
    } catch {
      const parent = new URL("../", dir);
      if (parent.href === dir.href) {
        throw new BuildError(`build: node_modules/${rel} not found; run npm install at the root`);
      }
      dir = parent;
    }
  }
}

/**
 * Bundles `src/app.ts` for the browser and copies the static files.
 *
 * @example
 * ```ts ignore
 * import { build } from "./build.ts";
 * const { outDir } = await build();
 * console.log(`built into ${outDir}`);
 * ```
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const outDir = options.outDir ?? path(new URL("dist/", APP_DIR));
  await Deno.mkdir(outDir, { recursive: true });
  const entries: [string, string][] = [
    ["src/app.ts", "app.js"],
    ["src/train_worker.ts", "train_worker.js"],
  ];
  for (const [entry, name] of entries) {
    try {
      const js = await bundle(path(new URL(entry, APP_DIR)), { minify: options.minify ?? true });
      await Deno.writeTextFile(`${outDir}/${name}`, js);
    } catch (e) {
      throw new BuildError(
        `build: bundling ${entry} failed:\n${e instanceof Error ? e.message : e}`,
      );
    }
  }
  const files = ["app.js", "train_worker.js"];
  for (const name of ["index.html", "style.css"]) {
    await Deno.copyFile(path(new URL(`static/${name}`, APP_DIR)), `${outDir}/${name}`);
    files.push(name);
  }
  // The page fetches cars.json from its own server: vega-datasets' own loader would use a CDN.
  const fromPackages = [
    ["uplot/dist/uPlot.min.css", "uPlot.min.css"],
    ["vega-datasets/data/cars.json", "cars.json"],
  ] as const;
  for (const [rel, name] of fromPackages) {
    await Deno.copyFile(await findInNodeModules(rel), `${outDir}/${name}`);
    files.push(name);
  }
  return { outDir, files };
}
