/**
 * Runs op-level tests on the JavaScript kernel and on the backend chosen at
 * load time (if that is another one), so the op logic is checked on the
 * reference kernel whatever the default is. Not exported from the package.
 *
 * @module
 */
import { type BackendName, getBackend, setBackend } from "../kernels/backend.ts";

/** Calls `fn` once per backend with that backend active, then restores the initial one. */
export function forEachBackend(fn: (name: BackendName) => void): void {
  const initial = getBackend();
  const names: BackendName[] = initial === "js" ? ["js"] : ["js", initial];
  try {
    for (const name of names) {
      setBackend(name);
      fn(name);
    }
  } finally {
    setBackend(initial);
  }
}
