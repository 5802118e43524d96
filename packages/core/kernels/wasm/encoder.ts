/**
 * A minimal WebAssembly binary encoder: just enough to emit the kernels'
 * module (one memory, functions on i32/f32/f64/v128 locals, exports) byte by
 * byte, so that the instruction order written by the generator is the order
 * V8 compiles. Only the generator uses it.
 *
 * @module
 */

/** Value types. */
export const I32 = 0x7f;
/** 64-bit float. */
export const F64 = 0x7c;
/** 32-bit float. */
export const F32 = 0x7d;
/** 128-bit vector. */
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit range). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/**
 * A function body under construction. Locals are declared up front by type;
 * `op` appends raw opcodes, the helpers append the common ones.
 */
export class Fn {
  readonly code: number[] = [];
  readonly locals: number[] = [];
  constructor(readonly params: number[], readonly results: number[] = []) {}

  /** Declares a local of `type` and returns its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }
  /** Appends raw bytes. */
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  /** A SIMD (0xfd-prefixed) instruction. */
  simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(n: number): this {
    return this.op(0x41, ...sleb(n));
  }
  /** `local[i] += n`. */
  addTo(i: number, n: number): this {
    return this.get(i).i32(n).op(0x6a).set(i);
  }
  /** `local[i] += local[j]`. */
  addLocal(i: number, j: number): this {
    return this.get(i).get(j).op(0x6a).set(i);
  }
  /** A memory argument: alignment exponent and constant offset. */
  mem(align: number, offset: number): number[] {
    return [...uleb(align), ...uleb(offset)];
  }
  /** `block … end` with an empty block type. */
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `loop … end`; `br 0` inside repeats. */
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `if … (else …) end` on the i32 on the stack. */
  if(then: () => void, otherwise?: () => void): this {
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  /**
   * `for (; local[i] < local[end]; local[i] += step) body()`, as a guarded
   * block + loop (the body runs zero times when the bound is already met).
   */
  forLt(i: number, end: number, step: number | { local: number }, body: () => void): this {
    return this.block(() => {
      this.get(i).get(end).op(0x4e).op(0x0d, 0); // i >= end (signed): exit
      this.loop(() => {
        body();
        if (typeof step === "number") this.addTo(i, step);
        else this.addLocal(i, step.local);
        this.get(i).get(end).op(0x48).op(0x0d, 0); // i < end: repeat
      });
    });
  }
}

/** An exported function of the module. */
export interface ExportedFn {
  name: string;
  fn: Fn;
}

/**
 * Encodes a module with one exported memory (`mem`, `minPages` pages at
 * least) and the given functions, all exported, in order.
 */
export function encodeModule(fns: readonly ExportedFn[], minPages: number): Uint8Array {
  const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
  const types = fns.map((
    { fn },
  ) => [0x60, ...vec(fn.params.map((t) => [t])), ...vec(fn.results.map((t) => [t]))]);
  const funcs = fns.map((_, i) => uleb(i));
  const memory = [[0x00, ...uleb(minPages)]];
  const exports = [
    [...name("mem"), 0x02, 0x00],
    ...fns.map(({ name: n }, i) => [...name(n), 0x00, ...uleb(i)]),
  ];
  const codes = fns.map(({ fn }) => {
    // Group consecutive locals of one type, as the format wants.
    const groups: number[][] = [];
    for (const t of fn.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]!++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([n, t]) => [...uleb(n!), t!])), ...fn.code, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs)),
    ...section(5, vec(memory)),
    ...section(7, vec(exports)),
    ...section(10, vec(codes)),
  ]);
}
