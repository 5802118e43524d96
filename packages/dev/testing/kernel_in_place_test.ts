/**
 * The WebAssembly kernels over a shared memory (`useKernelSpace`, as the
 * worker pool runs them): operands that live in the memory are read where
 * they lie instead of being copied in. On every shape of the sweep, all four
 * transposes, with and without accumulation, the products must have exactly
 * the bits of the same kernels on their own memory; and operands that end
 * too close to the memory's end for the edge reads must be copied instead,
 * never read out of bounds.
 */
import { assert, assertStrictEquals } from "@std/assert";
import type { DType } from "@matgrad/core";
import {
  type GemmArgs,
  getKernels,
  type KernelSpace,
  type TensorData,
  useKernelSpace,
  wasmFeatures,
} from "@matgrad/core/kernels";
import { setBackend } from "@matgrad/core";
import { shapeClasses } from "./shape_classes.ts";
import { rng } from "./references.ts";

const PAGE = 65536;

/** A shared memory with a bump allocator: blocks from the bottom, scratch from the same top. */
function testSpace(fixed = false): KernelSpace & {
  alloc(dtype: DType, size: number): TensorData;
  reset(): void;
  /** A block of `size` elements ending `gap` bytes before the memory's end. */
  atEnd(dtype: DType, size: number, gap: number): TensorData;
  scratchCalls: number;
} {
  // A fixed memory keeps operands placed at its end there while scratch is reserved.
  const memory = fixed
    ? new WebAssembly.Memory({ initial: 1024, maximum: 1024, shared: true })
    : new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  let top = 64;
  let scratchTop = 0;
  const known = new WeakSet<ArrayBufferLike>();
  const buffer = () => {
    const b = memory.buffer;
    known.add(b);
    return b as unknown as SharedArrayBuffer;
  };
  const grow = (end: number) => {
    while (memory.buffer.byteLength < end) {
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    }
  };
  const space = {
    memory,
    scratchCalls: 0,
    addressOf: (data: TensorData) => known.has(data.buffer) ? data.byteOffset : -1,
    // Scratch lives at 32 MiB and up, apart from the operands.
    scratch(bytes: number) {
      space.scratchCalls++;
      const at = (32 << 20) + scratchTop;
      scratchTop += Math.ceil(bytes / 64) * 64;
      if (fixed) {
        assert(at + bytes < memory.buffer.byteLength - (8 << 20), "scratch reached the operands");
      } else grow(at + bytes);
      return at;
    },
    alloc(dtype: DType, size: number): TensorData {
      const es = dtype === "float32" ? 4 : 8;
      const at = top;
      top = Math.ceil((top + size * es + 8) / 64) * 64;
      assert(top < 32 << 20, "test operands overran their region");
      if (!fixed) grow(top);
      return dtype === "float32"
        ? new Float32Array(buffer(), at, size)
        : new Float64Array(buffer(), at, size);
    },
    reset() {
      top = 64;
    },
    atEnd(dtype: DType, size: number, gap: number): TensorData {
      const es = dtype === "float32" ? 4 : 8;
      const end = memory.buffer.byteLength - gap;
      const at = Math.floor((end - size * es) / es) * es;
      return dtype === "float32"
        ? new Float32Array(buffer(), at, size)
        : new Float64Array(buffer(), at, size);
    },
  };
  return space;
}

function fill(data: TensorData, next: () => number): void {
  for (let i = 0; i < data.length; i++) data[i] = next() * 2 - 1;
}

/** The product with both kinds of memory: own (copies) and the space (in place). */
function both(space: KernelSpace, args: GemmArgs): [TensorData, TensorData] {
  const c0 = args.c.slice();
  const own = args.c.slice();
  const gemm = getKernels().gemm;
  useKernelSpace(undefined);
  gemm({ ...args, c: own });
  useKernelSpace(space);
  args.c.set(c0);
  gemm(args);
  useKernelSpace(undefined);
  return [own, args.c];
}

function sameBits(x: TensorData, y: TensorData): boolean {
  const a = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const b = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const features = wasmFeatures();
const VARIANTS = [
  ...(features.simd ? [{ label: "wasm", fma: false }] : []),
  ...(features.relaxed ? [{ label: "wasm+fma", fma: true }] : []),
];

/** `fn` with each WebAssembly variant active, then the kernels and space as they were. */
function eachVariant(fn: (v: typeof VARIANTS[number]) => void): void {
  const before = getKernels();
  try {
    for (const v of VARIANTS) {
      setBackend("wasm", { fma: v.fma });
      fn(v);
    }
  } finally {
    useKernelSpace(undefined);
    setBackend(before.name as "js" | "wasm", { fma: before.fused });
  }
}

for (const dtype of ["float32", "float64"] as const) {
  Deno.test({
    name: `in-place operands in a shared memory give the own-memory bits, ${dtype}: ${
      VARIANTS.map((v) => v.label).join(", ")
    }`,
    ignore: VARIANTS.length === 0,
    fn() {
      const next = rng(dtype === "float32" ? 71 : 72);
      let checked = 0;
      const failures: string[] = [];
      eachVariant((v) => {
        const space = testSpace();
        let i = 0;
        for (const { m, n, k } of shapeClasses(getKernels().blocking[dtype])) {
          // Operands strided by a pad column, as views of larger tensors are,
          // or A a band of a matrix over twice as wide (a thread's share of
          // a gradient's columns, which the kernel packs where it lies).
          const transA = (i & 1) === 1, transB = (i & 2) === 2;
          const accumulate = (i & 4) === 4;
          i++;
          const [ar, ac] = transA ? [k, m] : [m, k];
          const [br, bc] = transB ? [n, k] : [k, n];
          const pad = i % 3 === 0 ? 1 : i % 3 === 1 ? ac + 1 : 0;
          const lda = ac + pad, ldb = bc, ldc = n;
          space.reset();
          const a = space.alloc(dtype, (ar - 1) * lda + ac);
          const b = space.alloc(dtype, (br - 1) * ldb + bc);
          const c = space.alloc(dtype, m * n);
          fill(a, next);
          fill(b, next);
          fill(c, next);
          const args: GemmArgs = {
            transA,
            transB,
            m,
            n,
            k,
            a,
            aOff: 0,
            lda,
            b,
            bOff: 0,
            ldb,
            c,
            cOff: 0,
            ldc,
            accumulate,
          };
          const [own, shared] = both(space, args);
          checked++;
          if (!sameBits(own, shared)) {
            failures.push(
              `${v.label} ${JSON.stringify({ m, n, k, transA, transB, accumulate, lda })}`,
            );
          }
        }
        assert(space.scratchCalls > 0, "the kernels never asked the space for scratch");
      });
      console.log(`${dtype}: ${failures.length} of ${checked} in-place products differed`);
      assertStrictEquals(failures.length, 0, failures.slice(0, 20).join("\n"));
      assert(checked > 1000);
    },
  });
}

const SHAPES_AT_END: readonly (readonly [number, number, number])[] = [
  [37, 19, 45],
  [130, 70, 300],
  [1, 50, 700],
  [700, 1, 50],
  [5, 3, 1],
];
const TRANSPOSES: readonly (readonly [boolean, boolean])[] = [
  [false, false],
  [true, true],
  [false, true],
  [true, false],
];

Deno.test({
  name: "operands ending at the shared memory's end are copied in, never read past it",
  ignore: VARIANTS.length === 0,
  fn() {
    eachVariant((v) => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const [m, n, k] of SHAPES_AT_END) {
          for (const gap of [0, 8, 200, 4096, 40_000]) {
            for (const [transA, transB] of TRANSPOSES) {
              const space = testSpace(true);
              const next = rng(m * 31 + gap);
              const c = space.alloc(dtype, m * n);
              fill(c, next);
              const a = space.atEnd(dtype, m * k, gap + 8 * n * k + 64);
              const b = space.atEnd(dtype, k * n, gap);
              fill(a, next);
              fill(b, next);
              const args: GemmArgs = {
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff: 0,
                lda: transA ? m : k,
                b,
                bOff: 0,
                ldb: transB ? k : n,
                c,
                cOff: 0,
                ldc: n,
                accumulate: false,
              };
              const [own, shared] = both(space, args);
              assert(sameBits(own, shared), `${v.label} ${dtype} ${m}×${n}×${k} gap ${gap}`);
            }
          }
        }
      }
    });
  },
});

// k, the full width, the band's first column and width m, and n.
const BANDS: readonly (readonly [number, number, number, number, number])[] = [
  [4100, 256, 64, 70, 37],
  [2500, 200, 0, 129, 64],
];

Deno.test({
  name: "a band of a wide transposed A over 1 MiB (a thread's share of dB) gives the copies' bits",
  ignore: VARIANTS.length === 0,
  fn() {
    eachVariant((v) => {
      for (const dtype of ["float32", "float64"] as const) {
        // Xᵀ·dC for columns [first, first + m) of X (k×width): A = that band, transposed.
        for (const [k, width, first, m, n] of BANDS) {
          const es = dtype === "float32" ? 4 : 8;
          assert(k * m * es > 1 << 20, "the band must be over the in-place limit");
          const space = testSpace();
          const next = rng(k + m);
          const x = space.alloc(dtype, k * width);
          const b = space.alloc(dtype, k * n);
          const c = space.alloc(dtype, m * n);
          fill(x, next);
          fill(b, next);
          const args: GemmArgs = {
            transA: true,
            transB: false,
            m,
            n,
            k,
            a: x,
            aOff: first,
            lda: width,
            b,
            bOff: 0,
            ldb: n,
            c,
            cOff: 0,
            ldc: n,
            accumulate: false,
          };
          const [own, shared] = both(space, args);
          const label = `${v.label} ${dtype} ${k}×${width} cols ${first}+${m}, n ${n}`;
          assert(sameBits(own, shared), label);
          // And the product itself, against a float64 sum.
          let worst = 0;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0, mag = 0;
              for (let p = 0; p < k; p++) {
                const t = x[p * width + first + i]! * b[p * n + j]!;
                s += t;
                mag += Math.abs(t);
              }
              worst = Math.max(worst, Math.abs(shared[i * n + j]! - s) / mag);
            }
          }
          assert(
            worst < (dtype === "float32" ? 1e-5 : 1e-13),
            `${label}: relative error ${worst}`,
          );
        }
      }
    });
  },
});
