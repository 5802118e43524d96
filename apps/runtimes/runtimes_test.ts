/**
 * The cross-runtime suite under Deno, on the TypeScript sources. The bit-exact test checks
 * the hashes against expected_bits.json, which Node and Bun check too (`run.mjs`);
 * `MATGRAD_UPDATE_BITS=1` rewrites the file instead.
 *
 * @module
 */
import { checkHashes, computeHashes, copyTests, EXPECTED_URL, faultTests } from "./suite.mjs";

Deno.test("pool results are the serial bits, and their hashes expected_bits.json's", async () => {
  const hashes = await computeHashes();
  if (Deno.env.get("MATGRAD_UPDATE_BITS") === "1") {
    await Deno.writeTextFile(EXPECTED_URL, JSON.stringify(hashes, null, 2) + "\n");
  } else {
    await checkHashes(hashes);
  }
});

for (const [name, fn] of [...faultTests, ...copyTests] as [string, () => Promise<void>][]) {
  Deno.test(name, fn);
}
