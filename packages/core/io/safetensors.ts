/**
 * The safetensors format (https://github.com/huggingface/safetensors), in
 * which PyTorch, JAX, NumPy and Hugging Face exchange weights:
 * {@linkcode encodeSafetensors} and {@linkcode decodeSafetensors}.
 *
 * A file is an 8-byte little-endian length N, N bytes of JSON header (one
 * entry `{ "dtype", "shape", "data_offsets": [begin, end] }` per tensor and
 * an optional `"__metadata__"` map of strings), then the tensors' raw
 * little-endian bytes, offsets counted from the end of the header.
 *
 * Both functions work on bytes in memory, so they run the same in Deno,
 * Node, Bun and browsers; reading and writing the file is one call in each
 * (`Deno.readFile`, `fs.readFile`, `fetch(url).then((r) => r.bytes())`, …).
 *
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import { describe, type DType, isTensor, Tensor, type TensorData } from "../tensor/tensor.ts";
import { findKeyProblem } from "./json_keys.ts";
import { SafetensorsError } from "./safetensors_error.ts";

/** The tensors of a decoded file and its `__metadata__`. */
export interface DecodedSafetensors {
  /**
   * The tensors by name, in the order of their data in the file (except that
   * JavaScript lists integer-like names such as `"0"` first). A
   * prototype-less object: a tensor may be called `"constructor"`.
   */
  tensors: Record<string, Tensor>;
  /** The file's `__metadata__` (empty when it has none); prototype-less too. */
  metadata: Record<string, string>;
}

/** Options of {@linkcode decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /**
   * Give every tensor its own copy of its data instead of a view into the
   * file's bytes, so that the file's buffer can be freed and writing to one
   * never changes the other. Default: false (views where alignment allows).
   */
  copy?: boolean;
}

/**
 * The readers' header limit, as in the reference implementation: a longer
 * header is refused before it is parsed.
 */
const MAX_HEADER_BYTES = 100_000_000;

const FILE_DTYPE: Record<DType, "F32" | "F64"> = { float32: "F32", float64: "F64" };
const ELEMENT_BYTES = { F32: 4, F64: 8 } as const;

/** The specification's other dtypes, named when refused so a reader can tell "unsupported" from "corrupt". */
const OTHER_DTYPES = new Set([
  "BOOL",
  "U8",
  "I8",
  "U16",
  "I16",
  "F16",
  "BF16",
  "U32",
  "I32",
  "U64",
  "I64",
  "C64",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "F6_E2M3",
  "F6_E3M2",
  "F4",
]);

// Typed arrays use the host's byte order and the format is little-endian.
// Every current JavaScript engine runs little-endian, but on a big-endian host
// the bytes are swapped through a DataView instead of being viewed.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A lone UTF-16 surrogate: JavaScript strings may hold one, UTF-8 and other readers cannot. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Quotes a name for a message, shortened so that a corrupt header cannot flood it. */
function quote(name: string): string {
  const q = JSON.stringify(name);
  return q.length > 80 ? `${q.slice(0, 76)}…"` : q;
}

const hex2 = (byte: number) => byte.toString(16).padStart(2, "0");

function formatBytes(n: number): string {
  const units = [["PiB", 2 ** 50], ["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20]] as const;
  for (const [unit, size] of units) {
    if (n >= size) return `${+(n / size).toFixed(2)} ${unit} (${n} bytes)`;
  }
  return `${n} bytes`;
}

/** Orders strings by their UTF-8 bytes (code points), as Rust's `str` comparison does. */
function compareCodePoints(a: string, b: string): number {
  const x = utf8.encode(a), y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * Serializes named tensors and optional string metadata as a safetensors
 * file that `safetensors.torch.load_file`, `safetensors.numpy.load_file`,
 * `safetensors.flax.load_file` and {@linkcode decodeSafetensors} read.
 *
 * float32 is stored as `F32` and float64 as `F64`, row-major as matgrad holds
 * them. The layout is the reference implementation's: float64 tensors
 * first, then float32, each group sorted by name, and the header padded with
 * spaces so that the data starts at a multiple of 8 bytes; every tensor's
 * data is then aligned to its element size, which lets readers (this one
 * included) view it in place. The header lists the tensors in that order,
 * `__metadata__` first when given (even empty).
 *
 * Names are kept as given, so PyTorch's dotted `layer.weight` style carries
 * over to `model.load_state_dict`. Mind the layouts: matgrad's `X·W` has
 * W of shape in×out, `torch.nn.Linear.weight` is out×in (`transpose` it first).
 *
 * @param tensors The tensors by name (own enumerable string keys).
 * @param metadata Free-form strings stored as `__metadata__`.
 * @returns The whole file; its buffer holds nothing else.
 * @throws {TypeError} if a value is not a Tensor or a metadata value not a string.
 * @throws {RangeError} for a reserved name (`__metadata__`, `__proto__`), a
 * name or metadata string holding a lone UTF-16 surrogate (not valid UTF-8),
 * a header over the readers' 100 MB limit, or a file too large to allocate
 * (the message names its size).
 * @example Saving two tensors with PyTorch-style names
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, tensor } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const bytes = encodeSafetensors(
 *   { "fc.weight": tensor([[1, 2, 3], [4, 5, 6]]), "fc.bias": tensor([0.5, -0.5]) },
 *   { format: "pt" },
 * );
 * // In Deno: await Deno.writeFile("model.safetensors", bytes);
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * assertEquals(tensors["fc.weight"]!.toArray(), [[1, 2, 3], [4, 5, 6]]);
 * assertStrictEquals(metadata.format, "pt");
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array<ArrayBuffer> {
  const fn = "encodeSafetensors";
  if (typeof tensors !== "object" || tensors === null || Array.isArray(tensors)) {
    throw new TypeError(
      `${fn}: tensors must be an object of named Tensors, got ${describe(tensors)}`,
    );
  }
  const checkString = (s: string, what: string) => {
    if (LONE_SURROGATE.test(s)) {
      throw new RangeError(`${fn}: ${what} ${quote(s)} holds a lone UTF-16 surrogate (not UTF-8)`);
    }
  };
  const entries: [string, Tensor][] = [];
  for (const name of Object.keys(tensors)) {
    const t = tensors[name];
    if (!isTensor(t)) {
      throw new TypeError(`${fn}: tensor ${quote(name)} must be a Tensor, got ${describe(t)}`);
    }
    if (name === "__metadata__" || name === "__proto__") {
      throw new RangeError(`${fn}: ${quote(name)} is reserved and cannot name a tensor`);
    }
    checkString(name, "tensor name");
    entries.push([name, t]);
  }
  const header: string[] = [];
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      throw new TypeError(
        `${fn}: metadata must be an object of strings, got ${describe(metadata)}`,
      );
    }
    const pairs: string[] = [];
    for (const key of Object.keys(metadata)) {
      const value = metadata[key];
      if (typeof value !== "string") {
        throw new TypeError(
          `${fn}: metadata value ${quote(key)} must be a string, got ${describe(value)}`,
        );
      }
      if (key === "__proto__") throw new RangeError(`${fn}: metadata key "__proto__" is reserved`);
      checkString(key, "metadata key");
      checkString(value, `metadata ${quote(key)} has the value`);
      pairs.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
    }
    header.push(`"__metadata__":{${pairs.join(",")}}`);
  }
  // Wider elements first keeps every tensor aligned to its element size,
  // given data that starts 8-aligned: all float64 sizes are multiples of 8.
  entries.sort(([a, x], [b, y]) =>
    ELEMENT_BYTES[FILE_DTYPE[y.dtype]] - ELEMENT_BYTES[FILE_DTYPE[x.dtype]] ||
    compareCodePoints(a, b)
  );
  let dataBytes = 0;
  for (const [name, t] of entries) {
    const begin = dataBytes;
    dataBytes += t.data.byteLength;
    // Built as text, not JSON.stringify of an object, which would move
    // integer-like names to the front and lose the order above.
    header.push(
      `${JSON.stringify(name)}:{"dtype":"${FILE_DTYPE[t.dtype]}","shape":${
        JSON.stringify(t.shape)
      },"data_offsets":[${begin},${dataBytes}]}`,
    );
  }
  const json = utf8.encode(`{${header.join(",")}}`);
  const headerBytes = json.length + (8 - json.length % 8) % 8;
  if (headerBytes > MAX_HEADER_BYTES) {
    const size = formatBytes(headerBytes);
    throw new RangeError(
      `${fn}: the header of ${entries.length} tensors would take ${size}, ` +
        `over the ${MAX_HEADER_BYTES}-byte limit that safetensors readers enforce`,
    );
  }
  const total = 8 + headerBytes + dataBytes;
  let out: Uint8Array<ArrayBuffer>;
  try {
    out = new Uint8Array(total);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const size = formatBytes(total);
    throw new RangeError(
      `${fn}: cannot allocate the ${size} file for ${entries.length} tensors: ${e.message}`,
    );
  }
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes, true); // the u64's high half stays 0: headerBytes < 2³²
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const [, t] of entries) {
    writeElements(out, view, at, t.data);
    at += t.data.byteLength;
  }
  return out;
}

function writeElements(out: Uint8Array, view: DataView, at: number, data: TensorData): void {
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
  } else if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i]!, true);
  }
}

/** One header entry after its checks: where its bytes lie, relative to the data. */
interface Entry {
  name: string;
  dtype: "F32" | "F64";
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses a safetensors file, such as one written by `safetensors.torch.save_file`
 * or {@linkcode encodeSafetensors}. `F32` tensors become float32 and `F64`
 * float64; any other dtype (F16, BF16, I64, …) is refused with the tensor's
 * name (convert it first, e.g. `tensor.float()` in PyTorch).
 *
 * The tensors are views into `bytes`' buffer, not copies, wherever their data
 * is aligned to their element size within it (always, for files written by
 * the reference implementation or {@linkcode encodeSafetensors} and read into
 * a buffer of their own); others are copied. A view keeps the whole buffer
 * alive, and writing to it writes into `bytes`: pass `{ copy: true }` for
 * independent tensors.
 *
 * Every check runs before a tensor is made, and nothing outside `bytes` is
 * read. A file is refused when it is shorter than 8 bytes; when its header
 * length runs past its end or over 100 MB (the reference limit); when the
 * header is not UTF-8, does not start with `{` or is not JSON; when any object
 * in it repeats a key (`JSON.parse` would keep the last silently) or has a
 * `__proto__` key; when an entry lacks a string `dtype`, a `shape` of
 * non-negative integers or a `data_offsets` pair; when a shape's size does
 * not fill its byte range; when the tensors' byte ranges overlap, leave a gap
 * or run past the end of the file, or bytes are left after the last one;
 * when `__metadata__` is not a map of strings; or when a name or string is
 * not valid Unicode. Fields other than those three in an entry are ignored,
 * as the reference implementation ignores them.
 *
 * @param bytes The whole file (a Node `Buffer` is a Uint8Array too).
 * @throws {SafetensorsError} naming the problem and the tensor at fault.
 * @throws {TypeError} if `bytes` is not a Uint8Array or ArrayBuffer.
 * @example Reading a file (here, bytes made in memory)
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, randn } from "@matgrad/core";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const w = randn([4, 3], { seed: 1, dtype: "float64" });
 * const bytes = encodeSafetensors({ w }); // or: await Deno.readFile("model.safetensors")
 * const { tensors } = decodeSafetensors(bytes);
 * assertEquals(tensors.w!.data, w.data);
 * assertStrictEquals(tensors.w!.data.buffer, bytes.buffer); // a view, not a copy
 * ```
 */
export function decodeSafetensors(
  bytes: Uint8Array | ArrayBuffer,
  options: DecodeSafetensorsOptions = {},
): DecodedSafetensors {
  const fn = "decodeSafetensors";
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`${fn}: bytes must be a Uint8Array or ArrayBuffer, got ${describe(bytes)}`);
  }
  const fail = (message: string) => new SafetensorsError(`${fn}: ${message}`);
  const size = bytes.length;
  if (size < 8) {
    throw fail(`the file is ${size} bytes long, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw fail(`the header length ${length} is over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerBytes = Number(length);
  if (8 + headerBytes > size) {
    throw fail(
      `the header length ${headerBytes} runs past the end of the ${size}-byte file (truncated?)`,
    );
  }
  let text: string;
  try {
    // TextDecoder refuses views of a SharedArrayBuffer in browsers: copy those.
    const raw = bytes.subarray(8, 8 + headerBytes);
    text = strictUtf8.decode(raw.buffer instanceof ArrayBuffer ? raw : raw.slice());
  } catch {
    throw fail("the header is not valid UTF-8");
  }
  if (!text.startsWith("{")) {
    throw fail(
      `the header must be a JSON object starting with "{", ` +
        (text === "" ? "but it is empty" : `but its first byte is 0x${hex2(bytes[8]!)}`),
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw fail("the header must be a JSON object"); // unreachable after the "{" check; kept for safety
  }
  const problem = findKeyProblem(text);
  if (problem) {
    const where = problem.path.length === 0
      ? "at the top of the header"
      : `in the header's ${problem.path.map(quote).join(" → ")}`;
    throw fail(
      problem.kind === "duplicate"
        ? `the key ${quote(problem.key)} appears twice ${where}` +
          (problem.path.length === 0 ? " (a duplicate tensor name)" : "")
        : `refusing the key "__proto__" ${where}: it could alter objects' prototypes`,
    );
  }

  const metadata: Record<string, string> = Object.create(null);
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (LONE_SURROGATE.test(name)) {
      throw fail(`the name ${quote(name)} holds a lone UTF-16 surrogate (not valid Unicode)`);
    }
    if (name === "__metadata__") {
      readMetadata(info, metadata, fail);
    } else {
      entries.push(readEntry(name, info, fail));
    }
  }

  // Lay the ranges end to end in file order: each must begin where the last
  // ended, and the last must end where the file does.
  entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
  const dataStart = 8 + headerBytes;
  const dataBytes = size - dataStart;
  let at = 0, previous: Entry | undefined;
  for (const e of entries) {
    const range = `data_offsets [${e.begin}, ${e.end}]`;
    if (e.end > dataBytes) {
      throw fail(
        `tensor ${quote(e.name)}'s ${range} run past the end of the ${dataBytes} data bytes ` +
          "(truncated?)",
      );
    }
    if (e.begin < at) {
      throw fail(`tensor ${quote(e.name)}'s ${range} overlap tensor ${quote(previous!.name)}'s`);
    }
    if (e.begin > at) {
      throw fail(
        `the ${e.begin - at} bytes before tensor ${quote(e.name)}'s ${range} belong to no tensor`,
      );
    }
    at = e.end;
    previous = e;
  }
  if (at !== dataBytes) {
    throw fail(`the last ${dataBytes - at} of the ${dataBytes} data bytes belong to no tensor`);
  }

  const tensors: Record<string, Tensor> = Object.create(null);
  for (const e of entries) {
    tensors[e.name] = new Tensor(
      readElements(bytes, dataStart + e.begin, e.end - e.begin, e.dtype, options.copy === true),
      e.shape,
    );
  }
  return { tensors, metadata };
}

type Fail = (message: string) => SafetensorsError;

function readMetadata(value: unknown, into: Record<string, string>, fail: Fail): void {
  if (value === null) return; // the reference implementation reads null as "no metadata"
  if (typeof value !== "object" || Array.isArray(value)) {
    throw fail(`__metadata__ must be an object of strings, got ${describeJson(value)}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw fail(`__metadata__ value ${quote(key)} must be a string, got ${describeJson(v)}`);
    }
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(v)) {
      throw fail(
        `__metadata__ entry ${quote(key)} holds a lone UTF-16 surrogate (not valid Unicode)`,
      );
    }
    into[key] = v;
  }
}

function readEntry(name: string, info: unknown, fail: Fail): Entry {
  const of = `tensor ${quote(name)}`;
  if (typeof info !== "object" || info === null || Array.isArray(info)) {
    throw fail(
      `${of} must be an object of dtype, shape and data_offsets, got ${describeJson(info)}`,
    );
  }
  // Own fields only, so that nothing inherited from Object.prototype is read.
  const field = (key: string) =>
    Object.hasOwn(info, key) ? (info as Record<string, unknown>)[key] : undefined;
  const dtype = field("dtype"), shape = field("shape"), offsets = field("data_offsets");
  if (dtype !== "F32" && dtype !== "F64") {
    if (typeof dtype === "string" && OTHER_DTYPES.has(dtype)) {
      throw fail(
        `${of} has dtype ${dtype}, which matgrad does not read: it reads F32 (float32) and F64 ` +
          "(float64); convert the tensor before saving, e.g. tensor.float() in PyTorch",
      );
    }
    throw fail(
      dtype === undefined
        ? `${of} has no dtype`
        : `${of} has an unknown dtype ${describeJson(dtype)}`,
    );
  }
  const count = (what: string, v: unknown) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw fail(`${of}: ${what} must be a non-negative integer, got ${describeJson(v)}`);
    }
    return v;
  };
  if (!Array.isArray(shape)) {
    throw fail(`${of}: shape must be an array, got ${describeJson(shape)}`);
  }
  const dims = shape.map((d, i) => count(`dimension ${i} of its shape`, d));
  // A zero dimension makes the size 0 however large the others: multiply only without one.
  const elements = dims.includes(0) ? 0 : dims.reduce((a, b) => a * b, 1);
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw fail(`${of}: data_offsets must be a [begin, end] pair, got ${describeJson(offsets)}`);
  }
  const begin = count("data_offsets[0]", offsets[0]), end = count("data_offsets[1]", offsets[1]);
  if (end < begin) throw fail(`${of}'s data_offsets [${begin}, ${end}] end before they begin`);
  const needed = elements * ELEMENT_BYTES[dtype];
  if (!Number.isSafeInteger(needed)) {
    throw fail(`${of}: shape ${formatShape(dims)} of ${dtype} needs more than 2⁵³ bytes`);
  }
  if (needed !== end - begin) {
    throw fail(
      `${of}: shape ${formatShape(dims)} of ${dtype} needs ${needed} bytes, ` +
        `but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape: dims, begin, end };
}

/** A JSON value for a message, shortened. */
function describeJson(v: unknown): string {
  if (v === undefined) return "nothing";
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The elements at `at` (from the start of `bytes`): a view when aligned and wanted, else a copy. */
function readElements(
  bytes: Uint8Array,
  at: number,
  length: number,
  dtype: "F32" | "F64",
  copy: boolean,
): TensorData {
  const width = ELEMENT_BYTES[dtype];
  const make = (buffer: ArrayBufferLike, offset: number, n: number): TensorData =>
    dtype === "F32" ? new Float32Array(buffer, offset, n) : new Float64Array(buffer, offset, n);
  const offset = bytes.byteOffset + at;
  if (HOST_LITTLE_ENDIAN) {
    if (!copy && offset % width === 0) return make(bytes.buffer, offset, length / width);
    return make(bytes.slice(at, at + length).buffer, 0, length / width);
  }
  const out = make(new ArrayBuffer(length), 0, length / width);
  const view = new DataView(bytes.buffer, offset, length);
  for (let i = 0; i < out.length; i++) {
    out[i] = width === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
  }
  return out;
}
