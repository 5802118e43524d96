// The safetensors encoder and decoder against the specification: round trips
// of every dtype and shape class, a file spelled out byte by byte, zero-copy
// views, and one test per way a file can be bad.
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotStrictEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "../mod.ts";
import { randn, tensor } from "../tensor/constructors.ts";
import { type DType, Tensor } from "../tensor/tensor.ts";
import { findKeyProblem } from "./json_keys.ts";

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Asserts two tensors have the same shape, dtype and bits (NaN payloads and -0 included). */
function assertSameTensor(actual: Tensor | undefined, expected: Tensor, name: string): void {
  assert(actual instanceof Tensor, `${name} is missing`);
  assertEquals(actual.shape, expected.shape, name);
  assertStrictEquals(actual.dtype, expected.dtype, name);
  assertEquals(bytesOf(actual), bytesOf(expected), name);
}

const SHAPES: [string, number[]][] = [
  ["0-D", []],
  ["empty 1-D", [0]],
  ["empty 3-D", [2, 0, 3]],
  ["1-D", [5]],
  ["2-D", [3, 4]],
  ["batched 3-D", [2, 3, 4]],
  ["batched 4-D", [2, 1, 3, 2]],
];
const DTYPES: DType[] = ["float32", "float64"];

for (const dtype of DTYPES) {
  for (const [what, shape] of SHAPES) {
    Deno.test(`round trip: ${dtype} ${what} ${JSON.stringify(shape)}`, () => {
      const t = randn(shape, { seed: shape.length + 1, dtype });
      const { tensors, metadata } = decodeSafetensors(encodeSafetensors({ "layer.weight": t }));
      assertEquals(Object.keys(tensors), ["layer.weight"]);
      assertSameTensor(tensors["layer.weight"], t, what);
      assertEquals(Object.keys(metadata), []);
    });
  }
}

Deno.test("round trip: every shape class and both dtypes in one file, with metadata", () => {
  const input: Record<string, Tensor> = {};
  for (const dtype of DTYPES) {
    for (const [what, shape] of SHAPES) {
      input[`${dtype}.${what}`] = randn(shape, { seed: 7, dtype });
    }
  }
  const special = [NaN, -NaN, Infinity, -Infinity, -0, 0, 5e-324, 1.7976931348623157e308, 1e-40];
  input["special.f64"] = tensor(special, undefined, "float64");
  input["special.f32"] = tensor(special, undefined, "float32");
  // Names that would misbehave as plain-object keys or in JSON.
  for (
    const name of ["constructor", "toString", "hasOwnProperty", "0", "10", "", 'q"\\', "µ.é😀"]
  ) {
    input[name] = tensor([name.length], undefined, "float64");
  }
  const metadata = { format: "pt", "": "empty key", note: 'quotes " and \\ and 😀\n' };
  const out = decodeSafetensors(encodeSafetensors(input, metadata));
  assertEquals(Object.keys(out.tensors).sort(), Object.keys(input).sort());
  for (const [name, t] of Object.entries(input)) assertSameTensor(out.tensors[name], t, name);
  assertEquals<Record<string, string>>({ ...out.metadata }, metadata);
  assertStrictEquals(Object.getPrototypeOf(out.tensors), null);
  assertStrictEquals(Object.getPrototypeOf(out.metadata), null);
});

Deno.test("round trip: no tensors at all is an 8-byte length and {} padded to 8", () => {
  const bytes = encodeSafetensors({});
  assertEquals([...bytes], [8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode("{}      ")]);
  assertEquals(Object.keys(decodeSafetensors(bytes).tensors), []);
});

// The example file of the specification's layout, spelled out: a float64
// "a.weight" [[0.5, 3]] and a float32 "b" [1, -2] with metadata format=pt.
const HEADER = '{"__metadata__":{"format":"pt"},' +
  '"a.weight":{"dtype":"F64","shape":[1,2],"data_offsets":[0,16]},' +
  '"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}';
const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
const BY_HAND = new Uint8Array([
  ...hex("9800000000000000"), // header length 152 = 150 bytes of JSON + 2 spaces, so data starts at 160
  ...new TextEncoder().encode(HEADER + "  "),
  ...hex("000000000000e03f" + "0000000000000840"), // 0.5, 3 as little-endian float64
  ...hex("0000803f" + "000000c0"), // 1, -2 as little-endian float32
]);

Deno.test("byte-exact: the encoder writes the file built by hand from the specification", () => {
  assertStrictEquals(HEADER.length, 150);
  // Given in another order: the encoder puts float64 first, then sorts by name.
  const bytes = encodeSafetensors(
    { b: tensor([1, -2]), "a.weight": tensor([[0.5, 3]], undefined, "float64") },
    { format: "pt" },
  );
  assertEquals(bytes, BY_HAND);
  assertStrictEquals(bytes.byteOffset, 0);
  assertStrictEquals(bytes.buffer.byteLength, bytes.length);
});

Deno.test("byte-exact: the decoder reads the file built by hand", () => {
  const { tensors, metadata } = decodeSafetensors(BY_HAND);
  assertEquals(Object.keys(tensors), ["a.weight", "b"]);
  assertStrictEquals(tensors["a.weight"]!.dtype, "float64");
  assertEquals(tensors["a.weight"]!.toArray(), [[0.5, 3]]);
  assertStrictEquals(tensors.b!.dtype, "float32");
  assertEquals(tensors.b!.toArray(), [1, -2]);
  assertEquals({ ...metadata }, { format: "pt" });
});

Deno.test("zero copy: tensors view the file's buffer; { copy: true } gives each its own", () => {
  const bytes = encodeSafetensors({
    a: randn([3, 5], { seed: 1 }),
    b: randn([7], { seed: 2, dtype: "float64" }),
  });
  const viewed = decodeSafetensors(bytes).tensors;
  for (const t of Object.values(viewed)) assertStrictEquals(t.data.buffer, bytes.buffer);
  const copied = decodeSafetensors(bytes, { copy: true }).tensors;
  for (const [name, t] of Object.entries(copied)) {
    assertNotStrictEquals(t.data.buffer, bytes.buffer);
    assertSameTensor(t, viewed[name]!, name);
  }
  viewed.a!.data[0] = 42; // a view writes through to the bytes…
  assertStrictEquals(decodeSafetensors(bytes).tensors.a!.data[0], 42);
  assertNotStrictEquals(copied.a!.data[0], 42); // …a copy does not see it
  // An ArrayBuffer is accepted as it is.
  assertSameTensor(decodeSafetensors(bytes.buffer).tensors.b, viewed.b!, "from an ArrayBuffer");
});

Deno.test("zero copy: data unaligned within its buffer is copied, aligned data still viewed", () => {
  const file = encodeSafetensors({
    f64: randn([3], { seed: 3, dtype: "float64" }),
    f32: randn([2, 2], { seed: 4 }),
  });
  const expected = decodeSafetensors(file, { copy: true }).tensors;
  for (const shift of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const big = new Uint8Array(shift + file.length);
    big.set(file, shift);
    const { tensors } = decodeSafetensors(big.subarray(shift));
    for (const name of ["f64", "f32"]) assertSameTensor(tensors[name], expected[name]!, name);
    assertStrictEquals(
      tensors.f64!.data.buffer === big.buffer,
      shift % 8 === 0,
      `f64, shift ${shift}`,
    );
    assertStrictEquals(
      tensors.f32!.data.buffer === big.buffer,
      shift % 4 === 0,
      `f32, shift ${shift}`,
    );
  }
});

/** A file around a header given as text: the 8-byte length (or `length`), the header, the data. */
function file(
  header: string | object,
  data = new Uint8Array(),
  length?: number | bigint,
): Uint8Array {
  const text = new TextEncoder().encode(
    typeof header === "string" ? header : JSON.stringify(header),
  );
  const out = new Uint8Array(8 + text.length + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(length ?? text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: "F32",
  shape,
  data_offsets: [begin, end],
});

Deno.test("decode: a header in any order and an unpadded one whose float64 data is unaligned", () => {
  // F32 first: the F64 tensor starts 4 bytes in, at an odd offset of the file: copied.
  const data = new Uint8Array(new Float32Array([1.5]).buffer.byteLength + 8);
  new DataView(data.buffer).setFloat32(0, 1.5, true);
  new DataView(data.buffer).setFloat64(4, -2.25, true);
  const header = {
    z: { dtype: "F64", shape: [], data_offsets: [4, 12], extra: "ignored" },
    a: f32([1], 0, 4),
    __metadata__: null,
  };
  const { tensors, metadata } = decodeSafetensors(file(header, data));
  assertEquals(Object.keys(tensors), ["a", "z"]); // in data order
  assertEquals(tensors.a!.toArray(), [1.5]);
  assertStrictEquals(tensors.z!.item(), -2.25);
  assertEquals(tensors.z!.shape, []);
  assertEquals({ ...metadata }, {});
});

Deno.test("decode: a huge shape with a zero dimension holds no bytes and is accepted", () => {
  const huge = Number.MAX_SAFE_INTEGER;
  const { tensors } = decodeSafetensors(file({ e: f32([huge, 0, huge], 0, 0) }));
  assertEquals(tensors.e!.shape, [huge, 0, huge]);
  assertStrictEquals(tensors.e!.size, 0);
});

const EIGHT = new Uint8Array(8);
const BAD: [string, Uint8Array, RegExp][] = [
  ["an empty file", new Uint8Array(), /the file is 0 bytes long, too short/],
  ["a 7-byte file", new Uint8Array(7), /the file is 7 bytes long, too short/],
  ["a header length past the end", file("{}", EIGHT, 11), /header length 11 runs past the end/],
  [
    "a header length of 2⁶⁴ − 1",
    file("{}", EIGHT, 2n ** 64n - 1n),
    /header length 18446744073709551615 is over the 100000000-byte limit/,
  ],
  ["a header length just over 100 MB", file("{}", EIGHT, 100_000_001), /over the 100000000-byte/],
  ["a zero header length", file("", EIGHT, 0), /starting with "\{", but it is empty/],
  ["a stray character", file("{\xff}"), /not valid JSON/],
  [
    "invalid UTF-8 bytes",
    (() => {
      const f = file("{ }");
      f[9] = 0xff;
      return f;
    })(),
    /not valid UTF-8/,
  ],
  ["a byte-order mark", file("\ufeff{}"), /starting with "\{", but its first byte is 0xef/],
  ["leading spaces", file("  {}"), /starting with "\{"/],
  ["a header that is an array", file("[]"), /starting with "\{"/],
  ["a header that is not JSON", file('{"a":'), /the header is not valid JSON \(/],
  ["trailing garbage", file("{} x"), /not valid JSON/],
  [
    "a duplicate tensor name",
    file(`{"a":${JSON.stringify(f32([1], 0, 4))},"a":${JSON.stringify(f32([1], 4, 8))}}`, EIGHT),
    /the key "a" appears twice at the top of the header \(a duplicate tensor name\)/,
  ],
  [
    "a duplicate name spelled with an escape",
    file(`{"a":${JSON.stringify(f32([1], 0, 4))},"\\u0061":${JSON.stringify(f32([1], 4, 8))}}`),
    /the key "a" appears twice/,
  ],
  [
    "a duplicate field in an entry",
    file('{"w":{"dtype":"F64","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', EIGHT),
    /the key "dtype" appears twice in the header's "w"/,
  ],
  ["a duplicate metadata key", file('{"__metadata__":{"k":"1","k":"2"}}'), /"k" appears twice/],
  [
    "a __proto__ tensor name",
    file(`{"__proto__":${JSON.stringify(f32([1], 0, 4))}}`, new Uint8Array(4)),
    /refusing the key "__proto__" at the top of the header/,
  ],
  [
    "a __proto__ metadata key",
    file('{"__metadata__":{"__proto__":"x"}}'),
    /refusing the key "__proto__" in the header's "__metadata__"/,
  ],
  [
    "a __proto__ field",
    file('{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4],"__proto__":{}}}'),
    /refusing the key "__proto__" in the header's "w"/,
  ],
  ["an entry that is not an object", file({ w: [1, 2] }), /tensor "w" must be an object/],
  [
    "an entry without a dtype",
    file({ w: { shape: [], data_offsets: [0, 0] } }),
    /tensor "w" has no dtype/,
  ],
  [
    "an F16 tensor",
    file({ "h.weight": { dtype: "F16", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
    /tensor "h\.weight" has dtype F16, which matgrad does not read: it reads F32 .* and F64/,
  ],
  [
    "a BF16 tensor",
    file({ b: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)),
    /tensor "b" has dtype BF16/,
  ],
  [
    "an I64 tensor",
    file({ i: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, EIGHT),
    /tensor "i" has dtype I64/,
  ],
  ["an unknown dtype", file({ w: { dtype: "F17", shape: [], data_offsets: [0, 4] } }), /"F17"/],
  ["a lower-case dtype", file({ w: { dtype: "f32", shape: [], data_offsets: [0, 4] } }), /unknown/],
  ["a shape that is not an array", file({ w: f32(3 as never, 0, 12) }), /shape must be an array/],
  ["a negative dimension", file({ w: f32([2, -1], 0, 0) }), /dimension 1 of its shape .* got -1/],
  ["a fractional dimension", file({ w: f32([1.5], 0, 6) }), /non-negative integer, got 1\.5/],
  ["a string dimension", file({ w: f32(["2"] as never, 0, 8) }), /got "2"/],
  ["a dimension of 2⁵³", file({ w: f32([2 ** 53], 0, 8) }), /got 9007199254740992/],
  ["a size over 2⁵³ bytes", file({ w: f32([2 ** 26, 2 ** 26], 0, 8) }), /more than 2⁵³ bytes/],
  ["one data offset", file({ w: { dtype: "F32", shape: [], data_offsets: [0] } }), /a \[begin, /],
  ["a negative offset", file({ w: f32([1], -4, 0) }), /data_offsets\[0\] must be .* got -4/],
  ["offsets backwards", file({ w: f32([1], 4, 0) }, EIGHT), /\[4, 0\] end before they begin/],
  [
    "a shape that does not fill its bytes",
    file({ w: f32([2, 3], 0, 20) }, new Uint8Array(20)),
    /tensor "w": shape 2×3 of F32 needs 24 bytes, but data_offsets \[0, 20\] hold 20/,
  ],
  [
    "a 0-D tensor of 8 bytes",
    file({ w: f32([], 0, 8) }, EIGHT),
    /shape scalar of F32 needs 4 bytes/,
  ],
  [
    "overlapping tensors",
    file({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, EIGHT),
    /tensor "b"'s data_offsets \[4, 8\] overlap tensor "a"'s/,
  ],
  [
    "two tensors on the same bytes",
    file({ a: f32([1], 0, 4), b: f32([1], 0, 4) }, new Uint8Array(4)),
    /overlap/,
  ],
  [
    "a gap between tensors",
    file({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Uint8Array(12)),
    /the 4 bytes before tensor "b"'s data_offsets \[8, 12\] belong to no tensor/,
  ],
  ["a gap at the start", file({ a: f32([1], 4, 8) }, EIGHT), /4 bytes before tensor "a"/],
  [
    "a tensor past the end (a truncated file)",
    file({ a: f32([1], 0, 4), b: f32([2], 4, 12) }, EIGHT),
    /tensor "b"'s data_offsets \[4, 12\] run past the end of the 8 data bytes/,
  ],
  [
    "bytes after the last tensor",
    file({ a: f32([1], 0, 4) }, EIGHT),
    /the last 4 of the 8 data bytes belong to no tensor/,
  ],
  ["data but no tensors", file({}, EIGHT), /the last 8 of the 8 data bytes/],
  ["metadata that is a string", file({ __metadata__: "x" }), /__metadata__ must be an object/],
  ["metadata that is an array", file({ __metadata__: [] }), /__metadata__ must be an object/],
  [
    "a metadata number",
    file({ __metadata__: { epochs: 3 } }),
    /__metadata__ value "epochs" must be a string, got 3/,
  ],
  [
    "a lone surrogate in a name",
    file(`{"\\ud800":${JSON.stringify(f32([], 0, 4))}}`, new Uint8Array(4)),
    /the name "\\ud800" holds a lone UTF-16 surrogate/,
  ],
  [
    "a lone surrogate in metadata",
    file('{"__metadata__":{"k":"\\udfff"}}'),
    /__metadata__ entry "k" holds a lone UTF-16 surrogate/,
  ],
];

for (const [what, bytes, message] of BAD) {
  Deno.test(`decode refuses ${what} with a SafetensorsError`, () => {
    {
      const e = assertThrows(() => decodeSafetensors(bytes));
      assert(e instanceof SafetensorsError, `${e}`);
      assertStrictEquals(e.name, "SafetensorsError");
      assertMatch(e.message, /^decodeSafetensors: /);
      assertMatch(e.message, message);
    }
  });
}

Deno.test("decode: a long bad name is shortened in the message", () => {
  const name = "x".repeat(10_000);
  {
    const e = assertThrows(() => decodeSafetensors(file({ [name]: f32([1], 0, 8) })));
    assertStrictEquals(
      e instanceof SafetensorsError && e.message.length < 300 && /"x{70,}…"/.test(e.message),
      true,
    );
  }
});

Deno.test("decode: anything but bytes is a TypeError", () => {
  // deno-lint-ignore no-explicit-any
  const decode = decodeSafetensors as (x: any) => unknown;
  assertThrows(() => decode("{}"), TypeError);
  assertThrows(() => decode([8, 0, 0, 0]), TypeError);
  assertThrows(() => decode(new Float32Array(4)), Error, "got a Float32Array");
});

Deno.test("encode refuses what no reader could read back", () => {
  // deno-lint-ignore no-explicit-any
  const encode = encodeSafetensors as (t: any, m?: any) => Uint8Array;
  const t = tensor([1]);
  assertThrows(() => encode(null), TypeError);
  assertThrows(
    () => encode([t]),
    Error,
    "tensors must be an object of named Tensors, got an Array",
  );
  assertThrows(() => encode({ w: new Float32Array(2) }), Error, 'tensor "w" must be a Tensor');
  assertThrows(() => encode({ __metadata__: t }), RangeError);
  assertThrows(
    () => encode(Object.fromEntries([["__proto__", t]])),
    Error,
    '"__proto__" is reserved',
  );
  assertThrows(() => encode({ "a\ud800": t }), Error, "lone UTF-16 surrogate");
  assertThrows(() => encode({ t }, "pt"), Error, "metadata must be an object of strings");
  assertThrows(
    () => encode({ t }, { epochs: 3 }),
    Error,
    'metadata value "epochs" must be a string',
  );
  assertThrows(() => encode({ t }, { k: "\udc00" }), RangeError);
  assertThrows(() => encode({ t }, Object.fromEntries([["__proto__", "x"]])), RangeError);
});

Deno.test("encode: a file too large to allocate is a RangeError naming its size", () => {
  // A stand-in whose data claims 2⁶⁰ bytes: no memory is touched before the allocation fails.
  const fake = Object.create(Tensor.prototype, {
    dtype: { value: "float64" },
    shape: { value: [2 ** 57] },
    data: { value: Object.create(Float64Array.prototype, { byteLength: { value: 2 ** 60 } }) },
  });
  {
    const e = assertThrows(() => encodeSafetensors({ huge: fake }));
    assertStrictEquals(
      e instanceof RangeError && /cannot allocate the 1024 PiB \(\d+ bytes\) file/
        .test(e.message),
      true,
    );
  }
});

Deno.test("findKeyProblem: keys are told from values, escapes and nesting handled", () => {
  assertStrictEquals(findKeyProblem('{"a":"a","b":["a","a"],"c":{"a":1}}'), undefined);
  assertStrictEquals(findKeyProblem('{"a\\"":1,"a":{"x":[{"k":1},{"k":1}]}}'), undefined);
  assertStrictEquals(findKeyProblem('{"s":"{\\"s\\":1}","t":":"}'), undefined);
  assertEquals(findKeyProblem('{"a":{"x":[{"k":1,"k" : 2}]}}'), {
    kind: "duplicate",
    key: "k",
    path: ["a", "x"],
  });
  assertEquals(findKeyProblem('{"\\u005f_proto__":1}'), {
    kind: "__proto__",
    key: "__proto__",
    path: [],
  });
  // Deep nesting is one loop, not recursion.
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  assertStrictEquals(findKeyProblem(`{"a":${deep},"a":1}`)?.key, "a");
});
