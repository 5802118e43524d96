import { assertStrictEquals } from "@std/assert";
import { createHandler } from "./server.ts";

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${root}/index.html`, "<p>page</p>");
    await Deno.writeTextFile(`${root}/app.js`, "export {};");
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("the handler sends COOP/COEP unless told not to", async () => {
  await withRoot(async (root) => {
    const on = await createHandler({ root })(new Request("http://127.0.0.1/app.js"));
    assertStrictEquals(on.headers.get("cross-origin-opener-policy"), "same-origin");
    assertStrictEquals(on.headers.get("cross-origin-embedder-policy"), "require-corp");
    assertStrictEquals(on.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertStrictEquals(await on.text(), "export {};");
    const off = await createHandler({ root, isolated: false })(new Request("http://127.0.0.1/"));
    assertStrictEquals(off.headers.get("cross-origin-opener-policy"), null);
    assertStrictEquals(off.headers.get("cross-origin-embedder-policy"), null);
    assertStrictEquals(await off.text(), "<p>page</p>");
  });
});

Deno.test("the handler serves nothing outside its root", async () => {
  await withRoot(async (root) => {
    const handler = createHandler({ root });
    for (
      const path of ["/missing.js", "/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "/a%5c..%5cb"]
    ) {
      const res = await handler(new Request(`http://127.0.0.1${path}`));
      assertStrictEquals(res.status, 404, path);
      await res.body?.cancel();
    }
    const post = await handler(new Request("http://127.0.0.1/", { method: "POST" }));
    assertStrictEquals(post.status, 405);
    await post.body?.cancel();
  });
});
