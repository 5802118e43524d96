// Property-based tests of the safetensors codec (fast-check, seeded so that a
// failure replays): random tensor sets round-trip bit for bit, and random
// corruptions of a valid file either decode to well-formed tensors or throw a
// SafetensorsError, never another error and never a read out of bounds.
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import fc from "fast-check";
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "../mod.ts";
import { randn, tensor, zeros } from "../tensor/constructors.ts";
import { sizeOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";

const SEED = 42;

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

const name = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.constantFrom("layer.0.weight", "layer.0.bias", "constructor", "0", "toString", ""),
).filter((n) => n !== "__metadata__" && n !== "__proto__");

const someTensor = fc.tuple(
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  fc.boolean(),
).chain(([shape, wide]) => {
  const n = sizeOf(shape);
  return (wide
    ? fc.float64Array({ minLength: n, maxLength: n })
    : fc.float32Array({ minLength: n, maxLength: n })).map((data) => new Tensor(data, shape));
});

Deno.test("fuzz: random tensor sets and metadata round-trip bit for bit", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(name, someTensor), { selector: ([n]) => n, maxLength: 6 }),
      fc.option(fc.array(fc.tuple(name, fc.string({ unit: "grapheme" })), { maxLength: 3 })),
      (entries, meta) => {
        const input: Record<string, Tensor> = Object.create(null);
        for (const [n, t] of entries) input[n] = t;
        const metadata = meta === null ? undefined : Object.fromEntries(meta);
        const { tensors, metadata: back } = decodeSafetensors(encodeSafetensors(input, metadata));
        assertEquals(Object.keys(tensors).sort(), Object.keys(input).sort());
        for (const [n, t] of entries) {
          const u = tensors[n]!;
          assertEquals([u.shape, u.dtype], [t.shape, t.dtype]);
          assertEquals(bytesOf(u), bytesOf(t));
        }
        assertEquals({ ...back }, metadata ?? {});
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

// The file every corruption starts from: both dtypes, a scalar, an empty
// tensor and metadata.
const VALID = encodeSafetensors({
  "layer.0.weight": randn([3, 4], { seed: 1 }),
  "layer.0.bias": randn([4], { seed: 2 }),
  w64: randn([2, 2], { seed: 3, dtype: "float64" }),
  scalar: tensor(1.5, [], "float64"),
  empty: zeros([0, 3]),
}, { format: "pt" });
const HEADER_BYTES = new DataView(VALID.buffer).getUint32(0, true);
const HEADER: Record<string, Record<string, unknown>> = JSON.parse(
  new TextDecoder().decode(VALID.subarray(8, 8 + HEADER_BYTES)),
);
const DATA = VALID.subarray(8 + HEADER_BYTES);
const NAMES = Object.keys(HEADER);

type Corruption = (bytes: Uint8Array) => Uint8Array;

/** A new file around header text and data, with its length field (or a given one). */
function assemble(text: string, data: Uint8Array, pad = 0, length?: bigint): Uint8Array {
  const header = new TextEncoder().encode(text + " ".repeat(pad));
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

const byteEdits: fc.Arbitrary<Corruption> = fc.array(
  fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 32, max: 126 }))),
  { minLength: 1, maxLength: 6 },
).map((edits) => (bytes) => {
  const out = bytes.slice();
  for (const [at, value] of edits) if (out.length > 0) out[at % out.length] = value;
  return out;
});

const truncate: fc.Arbitrary<Corruption> = fc.nat().map((n) => (bytes) =>
  bytes.slice(0, n % (bytes.length + 1))
);

const splice: fc.Arbitrary<Corruption> = fc.tuple(
  fc.nat(),
  fc.nat({ max: 16 }),
  fc.uint8Array({ maxLength: 16 }),
).map(([at, remove, insert]) => (bytes) => {
  const i = at % (bytes.length + 1);
  return new Uint8Array([...bytes.subarray(0, i), ...insert, ...bytes.subarray(i + remove)]);
});

const lengthField: fc.Arbitrary<Corruption> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.integer({ min: -24, max: 24 }).map((d) => BigInt(Math.max(0, HEADER_BYTES + d))),
).map((length) => (bytes) => {
  const out = bytes.slice();
  if (out.length >= 8) new DataView(out.buffer).setBigUint64(0, length, true);
  return out;
});

const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(fc.integer({ min: -2, max: 80 }), { maxLength: 4 }),
  fc.constantFrom("F16", "F32", "F64", "BF16", "I64", 2 ** 53, -0, 1.5, null),
);

// Edits the header as JSON, then writes a consistent length: this reaches
// the checks behind the JSON parser, which random bytes rarely get past.
const headerEdit: fc.Arbitrary<Corruption> = fc.record({
  target: fc.constantFrom(...NAMES, "__metadata__", "new"),
  field: fc.constantFrom("dtype", "shape", "data_offsets", "extra", null),
  value: fieldValue,
  duplicate: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
  pad: fc.nat({ max: 9 }),
  extraData: fc.uint8Array({ maxLength: 8 }),
}).map(({ target, field, value, duplicate, pad, extraData }) => () => {
  const header = structuredClone(HEADER);
  if (field === null) header[target] = value as never;
  else header[target] = { ...(header[target] ?? {}), [field]: value };
  let text = JSON.stringify(header);
  // JSON.stringify cannot write a repeated key: splice one in as text.
  if (duplicate) text = text.replace(/^\{/, `{${JSON.stringify(target)}:${JSON.stringify(value)},`);
  return assemble(text, new Uint8Array([...DATA, ...extraData]), pad);
});

// Moves tensors' byte ranges by whole float32 elements, sizes unchanged, and
// grows or shrinks the data to match or not: overlaps, gaps, ranges past the end.
const layoutEdit: fc.Arbitrary<Corruption> = fc.tuple(
  fc.array(
    fc.tuple(
      fc.constantFrom(...NAMES.filter((n) => n !== "__metadata__")),
      fc.integer({
        min: -4,
        max: 4,
      }),
    ),
    { minLength: 1, maxLength: 3 },
  ),
  fc.integer({ min: -2, max: 2 }),
).map(([moves, grow]) => () => {
  const header = structuredClone(HEADER);
  for (const [n, by] of moves) {
    const [begin, end] = header[n]!.data_offsets as [number, number];
    header[n]!.data_offsets = [begin + 4 * by, end + 4 * by];
  }
  const data = new Uint8Array(Math.max(0, DATA.length + 4 * grow));
  data.set(DATA.subarray(0, data.length));
  return assemble(JSON.stringify(header), data);
});

// Rewrites one number of the header in place (same length, so the length
// field stays right): offsets and shapes that no longer fit together.
const digitEdit: fc.Arbitrary<Corruption> = fc.tuple(
  fc.nat(),
  fc.constantFrom(..."0123456789-.e"),
).map(([k, digit]) => (bytes) => {
  const digits: number[] = [];
  const end = Math.min(bytes.length, 8 + HEADER_BYTES);
  for (let i = 8; i < end; i++) if (bytes[i]! >= 0x30 && bytes[i]! <= 0x39) digits.push(i);
  const out = bytes.slice();
  if (digits.length > 0) out[digits[k % digits.length]!] = digit.charCodeAt(0);
  return out;
});

const corruption = fc.array(
  fc.oneof(byteEdits, truncate, splice, lengthField, headerEdit, layoutEdit, digitEdit),
  { minLength: 1, maxLength: 3 },
);

Deno.test("fuzz: corrupted files decode to valid tensors or throw SafetensorsError", () => {
  const outcomes = new Map<string, number>();
  const started = performance.now();
  fc.assert(
    fc.property(corruption, fc.nat({ max: 7 }), (edits, shift) => {
      const corrupt = edits.reduce((bytes, edit) => edit(bytes), VALID as Uint8Array);
      // Place the file at an arbitrary offset of a larger buffer, with
      // sentinel bytes around it: a view must stay inside the file.
      const outer = new Uint8Array(shift + corrupt.length + 8).fill(0xa5);
      outer.set(corrupt, shift);
      const bytes = outer.subarray(shift, shift + corrupt.length);
      let decoded;
      try {
        decoded = decodeSafetensors(bytes);
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw e;
        const kind = e.message.replace(/"[^"]*"|\d+/g, "…").slice(0, 60);
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
        return;
      }
      outcomes.set("decoded", (outcomes.get("decoded") ?? 0) + 1);
      for (const [n, t] of Object.entries(decoded.tensors)) {
        assert(t instanceof Tensor, n);
        assertStrictEquals(t.data.length, sizeOf(t.shape), n);
        if (t.data.buffer === outer.buffer) {
          assert(t.data.byteOffset >= shift + 8, n);
          assert(t.data.byteOffset + t.data.byteLength <= shift + corrupt.length, n);
        }
      }
      for (const v of Object.values(decoded.metadata)) assertStrictEquals(typeof v, "string");
      // The ranges tile the data exactly, as the specification requires.
      const headerBytes = Number(new DataView(bytes.buffer, shift).getBigUint64(0, true));
      const tensorBytes = Object.values(decoded.tensors).reduce((s, t) => s + t.data.byteLength, 0);
      assertStrictEquals(tensorBytes, bytes.length - 8 - headerBytes);
    }),
    { seed: SEED, numRuns: 5000 },
  );
  const seconds = (performance.now() - started) / 1000;
  // The corruptions must reach well past the first checks to mean anything.
  assert((outcomes.get("decoded") ?? 0) > 0, "no corrupted file decoded");
  assert(outcomes.size >= 15, `only ${outcomes.size} outcomes: ${[...outcomes.keys()]}`);
  assert(seconds < 20, `took ${seconds.toFixed(1)} s`);
});
