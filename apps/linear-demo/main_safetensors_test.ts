// `--save` / `--load` with a .safetensors file, run as a user runs the demo,
// and the file read back in python3 + numpy the way the README shows for
// PyTorch: standardize, multiply by linear.weight transposed, add the bias.
import { assert, assertEquals, assertMatch, assertNotMatch, assertStrictEquals } from "@std/assert";
import { modelFromJson } from "./mod.ts";
import { predictRaw } from "./cli/data.ts";
import { tensor } from "@matgrad/core";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function demo(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-read", "--allow-write", MAIN, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// deno-lint-ignore no-explicit-any
async function json(...args: string[]): Promise<any> {
  const r = await demo("--json", ...args);
  assertStrictEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const TRAIN = ["--data", "cars", "--epochs", "20", "--workers", "0"];

Deno.test("--save model.safetensors then --load evaluates the model the JSON file holds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const trained = await json(...TRAIN, "--save", `${dir}/m.safetensors`);
    await json(...TRAIN, "--save", `${dir}/m.json`); // the same seeded run
    const bytes = await Deno.readFile(`${dir}/m.safetensors`);
    assertStrictEquals(
      new TextDecoder().decode(bytes.subarray(8, 60)).slice(0, 16),
      '{"__metadata__":',
    );
    const fromSafetensors = await json("--load", `${dir}/m.safetensors`);
    const fromJson = await json("--load", `${dir}/m.json`);
    assertStrictEquals(fromSafetensors.testMse, trained.testMse);
    assertStrictEquals(fromSafetensors.trainR2, trained.trainR2);
    assertEquals({ ...fromSafetensors, loaded: "" }, { ...fromJson, loaded: "" });
    const text = await demo("--load", `${dir}/m.safetensors`);
    assertStrictEquals(text.code, 0, text.stderr);
    assertMatch(text.stdout, /evaluated the model in .*m\.safetensors/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--load of a bad .safetensors file: exit 2 and one message naming the file", async () => {
  const file = await Deno.makeTempFile({ suffix: ".safetensors" });
  try {
    await Deno.writeFile(file, new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]));
    const r = await demo("--load", file);
    assertStrictEquals(r.code, 2);
    assertMatch(r.stderr, /^error: \S+\.safetensors: the header length 200 runs past the end/);
    assertNotMatch(r.stderr, /\n\s+at /);
  } finally {
    await Deno.remove(file);
  }
});

async function numpyMissing(): Promise<string | undefined> {
  try {
    const probe = await new Deno.Command("python3", {
      args: ["-c", "import numpy"],
      stdout: "null",
      stderr: "null",
    }).output();
    return probe.success ? undefined : "python3 cannot import numpy";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "python3 is not installed";
    throw e;
  }
}
const SKIP = await numpyMissing();
if (SKIP !== undefined) console.warn(`main_safetensors_test.ts: python test skipped: ${SKIP}`);

// Reads the file by the specification alone (no safetensors package needed)
// and predicts raw targets for the rows given on stdin.
const PREDICT = `
import json, struct, sys
import numpy as np
path, rows = sys.argv[1], json.load(sys.stdin)
buf = open(path, "rb").read()
(n,) = struct.unpack("<Q", buf[:8])
header = json.loads(buf[8:8 + n])
meta = header.pop("__metadata__")
def tensor(name):
    info = header[name]
    begin, end = info["data_offsets"]
    dtype = {"F32": "<f4", "F64": "<f8"}[info["dtype"]]
    return np.frombuffer(buf[8 + n + begin:8 + n + end], dtype=dtype).reshape(info["shape"])
w, b = tensor("linear.weight"), tensor("linear.bias")
xs, ys = json.loads(meta["x_scale"]), json.loads(meta["y_scale"])
x = (np.array(rows) - xs["mean"]) / xs["std"]
y = (x @ w.T + b) * ys["std"] + ys["mean"]
print(json.dumps({"features": json.loads(meta["features"]), "predictions": y.tolist()}))
`;

Deno.test({
  name: "python3 + numpy predict with the demo's .safetensors file as matgrad does",
  ignore: SKIP !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await json(...TRAIN, "--save", `${dir}/m.safetensors`);
      await json(...TRAIN, "--save", `${dir}/m.json`);
      const model = modelFromJson(await Deno.readTextFile(`${dir}/m.json`));
      const rows = [
        [8, 307, 130, 3504, 12, 1970, 0, 0],
        [4, 97, 88, 2130, 14.5, 1971, 0, 1],
        [4, 140, 90, 2264, 15.5, 1982, 1, 0],
      ].map((r) => r.slice(0, model.features.length));
      const child = new Deno.Command("python3", {
        args: ["-c", PREDICT, `${dir}/m.safetensors`],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(JSON.stringify(rows)));
      await writer.close();
      const out = await child.output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      const py = JSON.parse(new TextDecoder().decode(out.stdout));
      assertEquals(py.features, model.features);
      const ours = predictRaw(
        tensor(rows, undefined, "float64"),
        model.params,
        model.xScale,
        model.yScale,
      );
      const expected = ours.toArray() as number[][];
      for (let i = 0; i < rows.length; i++) {
        const [p, q] = [py.predictions[i][0], expected[i]![0]!];
        assert(Math.abs(p - q) <= 1e-9 * Math.abs(q), `row ${i}: python ${p}, matgrad ${q}`);
        assert(q > 5 && q < 60, `row ${i}: ${q} miles per gallon`); // a real car's, roughly
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
