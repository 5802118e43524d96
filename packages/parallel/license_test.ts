import { assert, assertMatch, assertStrictEquals } from "@std/assert";

// Every workspace member says MIT; the repository carries the text it refers to.
Deno.test("the root LICENSE is the MIT license that every package declares", async () => {
  const root = new URL("../../", import.meta.url);
  const license = await Deno.readTextFile(new URL("LICENSE", root));
  assertMatch(license, /^MIT License\n\nCopyright \(c\) 2026 matgrad contributors\n/);
  assertMatch(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  const { workspace } = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  assert(workspace.length >= 5);
  for (const member of workspace as string[]) {
    const config = JSON.parse(await Deno.readTextFile(new URL(`${member}/deno.json`, root)));
    assertStrictEquals(config.license, "MIT", member);
  }
});
