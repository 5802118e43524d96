// matgrad's safetensors against an independent reader and writer: a short
// Python script that knows only the specification (stdlib json and struct,
// numpy.frombuffer), not the safetensors package. The bytes travel through
// stdin and stdout, so the test needs --allow-run=python3 and nothing else;
// without it, or without python3 and numpy, the tests are skipped and say so.
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { decodeSafetensors, encodeSafetensors, randn, type Tensor, tensor } from "../mod.ts";

/** Why the Python tests cannot run here, or undefined when they can. */
async function skipReason(): Promise<string | undefined> {
  const run = await Deno.permissions.query({ name: "run", command: "python3" });
  if (run.state !== "granted") {
    return "python3 is not on the PATH, or the run lacks --allow-run=python3";
  }
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

const SKIP = await skipReason();
if (SKIP !== undefined) console.warn(`safetensors_python_test.ts: skipped: ${SKIP}`);

/** Why the reference implementation cannot be run, or undefined when it can. */
async function skipReferenceReason(): Promise<string | undefined> {
  if (SKIP !== undefined) return SKIP;
  const probe = await new Deno.Command("python3", {
    args: ["-c", "import safetensors.numpy"],
    stdout: "null",
    stderr: "null",
  }).output();
  return probe.success ? undefined : "the safetensors Python package is not installed";
}

const SKIP_REFERENCE = await skipReferenceReason();
if (SKIP_REFERENCE !== undefined && SKIP === undefined) {
  console.warn(`safetensors_python_test.ts: reference test skipped: ${SKIP_REFERENCE}`);
}

async function python(script: string, stdin: Uint8Array): Promise<string> {
  const child = new Deno.Command("python3", {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(stdin);
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  assert(out.success, `python3 failed:\n${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

// Reads a file from stdin by the specification and prints, per tensor, its
// dtype, shape, values (as Python floats: exact for float32 and float64) and
// raw bytes, checking the layout on the way.
const READER = `
import json, struct, sys
import numpy as np
buf = sys.stdin.buffer.read()
(n,) = struct.unpack("<Q", buf[:8])
header = json.loads(buf[8:8 + n].decode("utf-8"))
assert (8 + n) % 8 == 0, "data must start 8-aligned"
assert buf[8:8 + n].rstrip(b" ").endswith(b"}"), "padding must be spaces"
metadata = header.pop("__metadata__", {})
out, at = {}, 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    begin, end = info["data_offsets"]
    assert begin == at, name
    dtype = {"F32": "<f4", "F64": "<f8"}[info["dtype"]]
    count = int(np.prod(info["shape"], dtype=np.int64))
    a = np.frombuffer(buf, dtype=dtype, count=count, offset=8 + n + begin).reshape(info["shape"])
    assert a.nbytes == end - begin, name
    out[name] = {"dtype": info["dtype"], "shape": list(a.shape), "bytes": a.tobytes().hex(),
                 "values": [float(v) for v in a.ravel()] if np.isfinite(a).all() else None}
    at = end
assert 8 + n + at == len(buf), "bytes after the last tensor"
print(json.dumps({"metadata": metadata, "tensors": out}))
`;

Deno.test({
  name: "python3 + numpy read a matgrad file: every name, shape, value and byte agrees",
  ignore: SKIP !== undefined,
  async fn() {
    const input: Record<string, Tensor> = {
      "linear.weight": randn([3, 4], { seed: 1 }),
      "linear.bias": randn([3], { seed: 2 }),
      "block.0.attn": randn([2, 3, 4], { seed: 3, dtype: "float64" }),
      "batched.4d": randn([2, 1, 2, 3], { seed: 4 }),
      scalar: tensor(0.1, [], "float64"),
      empty: randn([0, 5], { seed: 5 }),
      special: tensor([NaN, Infinity, -Infinity, -0, 1e-45], undefined, "float32"),
      "ünïcødé.😀": tensor([1, 2], undefined, "float64"),
    };
    const metadata = { format: "pt", source: "matgrad ✓" };
    const read = JSON.parse(await python(READER, encodeSafetensors(input, metadata)));
    assertEquals(read.metadata, metadata);
    assertEquals(Object.keys(read.tensors).sort(), Object.keys(input).sort());
    for (const [name, t] of Object.entries(input)) {
      const r = read.tensors[name];
      assertStrictEquals(r.dtype, t.dtype === "float32" ? "F32" : "F64", name);
      assertEquals(r.shape, t.shape, name);
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      assertStrictEquals(
        r.bytes,
        Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""),
      );
      if (name !== "special") assertEquals(r.values, Array.from(t.data), name);
    }
  },
});

// Writes a file by hand as another program might: Python's default JSON
// separators, tensors in name order (so a float64 follows a float32), no
// padding (so the data is not 8-aligned), and the expected values alongside.
const WRITER = `
import json, struct, sys
import numpy as np
rng = np.random.default_rng(7)
tensors = {
    "a.bias": rng.standard_normal(3).astype("<f4"),
    "b.weight": rng.standard_normal((3, 2)).astype("<f8"),
    "c.scalar": np.array(2.5, dtype="<f4"),
    "d.batched": rng.standard_normal((2, 2, 3)).astype("<f4"),
    "e.empty": np.zeros((0, 4), dtype="<f8"),
}
header, data = {"__metadata__": {"written_by": "python"}}, b""
for name, a in tensors.items():
    header[name] = {"dtype": "F32" if a.dtype == np.float32 else "F64", "shape": list(a.shape),
                    "data_offsets": [len(data), len(data) + a.nbytes]}
    data += a.tobytes()
text = json.dumps(header).encode("utf-8")
sys.stdout.buffer.write(json.dumps({
    "file": (struct.pack("<Q", len(text)) + text + data).hex(),
    "tensors": {k: {"shape": list(a.shape), "values": [float(v) for v in a.ravel()]}
                for k, a in tensors.items()},
}).encode())
`;

Deno.test({
  name: "matgrad reads a file written by hand in python3 (unpadded, name-ordered)",
  ignore: SKIP !== undefined,
  async fn() {
    const written = JSON.parse(await python(WRITER, new Uint8Array()));
    const bytes = Uint8Array.from(written.file.match(/../g), (h: string) => parseInt(h, 16));
    const { tensors, metadata } = decodeSafetensors(bytes);
    assertEquals({ ...metadata }, { written_by: "python" });
    assertEquals(Object.keys(tensors), [
      "a.bias",
      "b.weight",
      "c.scalar",
      "d.batched",
      "e.empty",
    ]);
    for (
      const [name, expected] of Object.entries<{ shape: number[]; values: number[] }>(
        written.tensors,
      )
    ) {
      const t = tensors[name]!;
      assertEquals(t.shape, expected.shape, name);
      assertEquals(Array.from(t.data), expected.values, name);
    }
    assertStrictEquals(tensors["b.weight"]!.dtype, "float64");
    assertStrictEquals(tensors["a.bias"]!.dtype, "float32");
  },
});

// Where the reference implementation is installed (pip install safetensors),
// it must accept matgrad's file and, saving the same tensors, write the same
// bytes. One metadata key: it keeps metadata in a hash map, in no set order.
const REFERENCE = `
import sys
from safetensors.numpy import load, save
buf = sys.stdin.buffer.read()
sys.stdout.buffer.write(save(load(buf), metadata={"format": "pt"}))
`;

Deno.test({
  name: "the reference implementation reads a matgrad file and writes it back byte for byte",
  ignore: SKIP_REFERENCE !== undefined,
  async fn() {
    const ours = encodeSafetensors({
      "linear.weight": randn([3, 4], { seed: 1 }),
      "linear.bias": randn([3], { seed: 2 }),
      "0": tensor(0.25, [], "float64"),
      empty: randn([2, 0], { seed: 3, dtype: "float64" }),
      "batched.é": randn([2, 2, 1, 3], { seed: 4 }),
    }, { format: "pt" });
    const child = new Deno.Command("python3", {
      args: ["-c", REFERENCE],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(ours);
    await writer.close();
    const out = await child.output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    assertEquals(out.stdout, ours);
  },
});
