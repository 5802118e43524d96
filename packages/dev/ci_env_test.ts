/**
 * The TLS and proxy settings reach every task. turbo's strict environment
 * mode passes only the variables listed in turbo.json; a Deno started
 * without them cannot verify the proxy's certificates on a machine whose
 * Deno cache is empty. `.ci/run` names the variables it set in
 * `DENO_MATGRAD_EXPECT_ENV` (which passes as `DENO_*`); each must be here.
 */
import { assert, assertEquals } from "@std/assert";

/** The variables a task needs to reach the network through the proxy, upper and lower case. */
export const NETWORK_ENV = [
  "NODE_EXTRA_CA_CERTS",
  "DENO_CERT",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
];

function read(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env
  }
}

Deno.test({
  name: "the TLS and proxy variables set for CI reach this task",
  ignore: read("DENO_MATGRAD_EXPECT_ENV") === undefined,
  fn() {
    const expected = read("DENO_MATGRAD_EXPECT_ENV")!.split(",").filter(Boolean);
    assert(expected.length > 0, "CI named no variables");
    const missing = expected.filter((name) => read(name) === undefined);
    assertEquals(missing, [], `turbo did not pass ${missing.join(", ")} to the task`);
  },
});

Deno.test("turbo.json passes every TLS and proxy variable, upper and lower case", async () => {
  const turbo = JSON.parse(await Deno.readTextFile(new URL("../../turbo.json", import.meta.url)));
  const passed = new Set<string>(turbo.globalPassThroughEnv);
  const missing = NETWORK_ENV.flatMap((n) => [n, n.toLowerCase()]).filter((n) => !passed.has(n));
  assertEquals(missing, []);
});
