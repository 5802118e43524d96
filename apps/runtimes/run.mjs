// Runs suite.mjs under Node or Bun on the packages' built JavaScript (dist/, through package.json
// `exports`); prints deno test's summary line and exits non-zero on a failure.
import { runAll } from "./suite.mjs";

const bun = globalThis.Bun;
const runtime = bun !== undefined ? `Bun ${bun.version}` : `Node ${process.version}`;
const failed = await runAll(runtime);
process.exit(failed === 0 ? 0 : 1);
