import { assertEquals, assertMatch, assertNotMatch, assertStrictEquals } from "@std/assert";
import { build } from "./build.ts";

Deno.test("build writes a self-contained page: nothing loaded from another origin", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "web-demo-build-" });
  try {
    const { files } = await build({ outDir });
    assertEquals(files.toSorted(), [
      "app.js",
      "cars.json",
      "index.html",
      "style.css",
      "train_worker.js",
      "uPlot.min.css",
    ]);
    const html = await Deno.readTextFile(`${outDir}/index.html`);
    const refs = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    assertEquals(refs, ["data:,", "uPlot.min.css", "style.css", "app.js"]);
    const js = await Deno.readTextFile(`${outDir}/app.js`);
    // One ES module with no imports left: the workspace packages, uPlot and the worker are inside.
    assertNotMatch(js, /\bimport\s*(?:[{*(]|["']|[\w$]+\s*from\s*["'])|\}\s*from\s*["']/);
    assertNotMatch(js, /cdn\.jsdelivr|unpkg\.com|esm\.sh/);
    assertMatch(js, /uplot/i);
    // The training worker: the same, with the library and the pool's worker inside.
    const worker = await Deno.readTextFile(`${outDir}/train_worker.js`);
    assertNotMatch(worker, /\bimport\s*(?:[{*(]|["']|[\w$]+\s*from\s*["'])|\}\s*from\s*["']/);
    assertMatch(worker, /matgrad-parallel/);
    const cars = JSON.parse(await Deno.readTextFile(`${outDir}/cars.json`));
    assertStrictEquals(cars.length, 406);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
