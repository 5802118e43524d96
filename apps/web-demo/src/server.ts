/**
 * The demo's static file server: `Deno.serve` on 127.0.0.1, with the headers
 * that make the page cross-origin isolated unless asked not to.
 *
 * @module
 */

/** Options of {@linkcode createHandler}. */
export interface HandlerOptions {
  /** Folder whose files are served (the build output). */
  root: string;
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp`, which Chromium requires
   * before it exposes `SharedArrayBuffer`. Default true.
   */
  isolated?: boolean;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

function extension(path: string): string {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? "" : path.slice(dot);
}

/**
 * A request handler that serves files under `root` (`/` is `index.html`).
 * Paths that try to leave `root` get 404, like missing files.
 *
 * @example
 * ```ts
 * import { createHandler } from "./server.ts";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/index.html`, "<p>hi</p>");
 * const handler = createHandler({ root });
 * const res = await handler(new Request("http://127.0.0.1/"));
 * assertStrictEquals(res.headers.get("cross-origin-embedder-policy"), "require-corp");
 * assertStrictEquals(await res.text(), "<p>hi</p>");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function createHandler(options: HandlerOptions): (req: Request) => Promise<Response> {
  const isolated = options.isolated ?? true;
  const root = options.root.replace(/\/+$/, "");
  return async (req: Request): Promise<Response> => {
    const headers = new Headers({ "Cache-Control": "no-store" });
    if (isolated) {
      headers.set("Cross-Origin-Opener-Policy", "same-origin");
      headers.set("Cross-Origin-Embedder-Policy", "require-corp");
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed", { status: 405, headers });
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url).pathname);
    } catch {
      return new Response("bad request", { status: 400, headers });
    }
    if (path.endsWith("/")) path += "index.html";
    // Dot segments are already resolved by URL; a backslash or NUL is not a file we made.
    if (path.includes("..") || path.includes("\\") || path.includes("\0")) {
      return new Response("not found", { status: 404, headers });
    }
    let body: Uint8Array;
    try {
      body = await Deno.readFile(root + path);
    } catch {
      return new Response("not found", { status: 404, headers });
    }
    headers.set("Content-Type", TYPES[extension(path)] ?? "application/octet-stream");
    return new Response(req.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>, {
      headers,
    });
  };
}

/** Options of {@linkcode startServer}. */
export interface ServeOptions extends HandlerOptions {
  /** TCP port; 0 picks a free one. Default 8000. */
  port?: number;
  /** Called once the server listens, with its URL. */
  onListen?: (url: string) => void;
}

/** A running server: its URL and a way to stop it. */
export interface RunningServer {
  /** Base URL, for example `http://127.0.0.1:8000/`. */
  url: string;
  /** Stops listening and waits for open connections to finish. */
  shutdown(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1 (never on other interfaces).
 *
 * @example
 * ```ts
 * import { startServer } from "./server.ts";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/index.html`, "<p>hi</p>");
 * const server = startServer({ root, port: 0, isolated: false });
 * const res = await fetch(server.url);
 * assertStrictEquals(res.headers.get("cross-origin-opener-policy"), null);
 * assertStrictEquals(await res.text(), "<p>hi</p>");
 * await server.shutdown();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function startServer(options: ServeOptions): RunningServer {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 8000, onListen: () => {} },
    createHandler(options),
  );
  const addr = server.addr;
  const url = `http://127.0.0.1:${addr.port}/`;
  options.onListen?.(url);
  return { url, shutdown: () => server.shutdown() };
}
