import { assert, assertNotMatch } from "@std/assert";

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, "").replace(/\s/g, "-");

// Cross-references inside the README are links to its own headings, so a
// reference to a section that is gone fails here instead of misleading a reader.
Deno.test("README.md: every link to a section of it names a heading that exists", async () => {
  const text = await Deno.readTextFile(new URL("README.md", import.meta.url));
  const anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
  const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  assert(links.length > 0);
  for (const link of links) assert(anchors.has(link), `#${link}: no such heading`);
  assertNotMatch(
    text,
    /\b(see|in) the [\w -]+ (below|above)\b/i,
    "a reference without a link",
  );
});
