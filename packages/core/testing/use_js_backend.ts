/**
 * Preloaded by the second `deno test` run of core's `test` script
 * (`deno test --preload testing/use_js_backend.ts`), so that every test
 * module runs once on the default backend (WebAssembly where available) and
 * once on the JavaScript kernels.
 *
 * @module
 */
import { setBackend } from "../kernels/backend.ts";

setBackend("js");
