/**
 * Sizes are checked before anything is allocated: each case runs in its own
 * process with a 1 GiB cap on its data memory (prlimit) and a time limit, so
 * a check that came after the allocation would crash or hang the process
 * instead of printing the RangeError.
 */
import { assertStrictEquals } from "@std/assert";

const CASES: [string, string][] = [
  [
    "zeros([2 ** 20, 2 ** 20, 2 ** 20])",
    "zeros: the result 1048576×1048576×1048576 float32 needs 4 EiB, more than the 2 GiB limit " +
    "(see setMaxTensorBytes)",
  ],
  [
    'matmul(zeros([65536, 1], "float64"), zeros([1, 65536], "float64"))',
    "matmul: the result 65536×65536 float64 needs 32 GiB, more than the 2 GiB limit " +
    "(see setMaxTensorBytes)",
  ],
  [
    "matmul(zeros([65535, 1, 1, 1]), zeros([1, 65535, 1, 1]))",
    "matmul: the result 65535×65535×1×1 float32 needs 16 GiB, more than the 2 GiB limit " +
    "(see setMaxTensorBytes)",
  ],
  [
    "matmul(zeros([65535, 1, 0, 1]), zeros([1, 65535, 1, 1]))",
    "matmul: the batch index of 65535×65535 float64 needs 32 GiB, more than the 2 GiB limit " +
    "(see setMaxTensorBytes)",
  ],
  [
    "add(zeros([1, 65536]), zeros([65536, 1]))",
    "add: the result 65536×65536 float32 needs 16 GiB, more than the 2 GiB limit " +
    "(see setMaxTensorBytes)",
  ],
  [
    "(setMaxTensorBytes(1024), ones([16, 17]))",
    "ones: the result 16×17 float32 needs 1.06 KiB, more than the 1 KiB limit (see setMaxTensorBytes)",
  ],
];

const prlimit = (() => {
  try {
    return new Deno.Command("prlimit", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

for (const [expr, message] of CASES) {
  Deno.test({
    name: `size checked before allocating: ${expr}`,
    ignore: !prlimit,
    async fn() {
      const mod = new URL("../mod.ts", import.meta.url).href;
      const script = `import { add, matmul, ones, setMaxTensorBytes, zeros } from "${mod}";
try { ${expr}; console.log("no error"); } catch (e) { console.log(e.name + ": " + e.message); }`;
      const { code, stdout, stderr } = await new Deno.Command("prlimit", {
        args: [`--data=${2 ** 30}`, Deno.execPath(), "eval", "--no-check", script],
        env: { NO_COLOR: "1" },
        signal: AbortSignal.timeout(20_000),
      }).output();
      assertStrictEquals(code, 0, new TextDecoder().decode(stderr));
      assertStrictEquals(new TextDecoder().decode(stdout).trim(), `RangeError: ${message}`);
    },
  });
}

if (!prlimit) {
  console.log("limits_test: prlimit is missing, so the capped-process cases are skipped");
}
