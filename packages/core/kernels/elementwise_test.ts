import { assertStrictEquals } from "@std/assert";
import { Binary, runBinary, runUnary, Unary } from "./elementwise.ts";
import type { BinaryRun, UnaryRun } from "./tasks.ts";

/**
 * Operand layouts over an R×C output that ops make (contiguous, with zero
 * strides on broadcast axes): strides [row, column] and the element count.
 */
const layouts = (r: number, c: number): [string, number[], number][] => [
  ["full", [c, 1], r * c],
  ["row vector", [0, 1], c],
  ["column", [1, 0], r],
  ["scalar", [0, 0], 1],
];

const apply = (op: number, x: number, y: number): number =>
  op === Binary.add
    ? x + y
    : op === Binary.sub
    ? x - y
    : op === Binary.mul
    ? x * y
    : op === Binary.div
    ? x / y
    : x * (y > 0 ? 1 : 0);

Deno.test("binary kernel, 2-D broadcasts: every layout pair, op and split point gives the element-wise result", () => {
  let checked = 0;
  for (const f32 of [false, true]) {
    const make = (values: number[]) => f32 ? Float32Array.from(values) : Float64Array.from(values);
    const zeros = (n: number) => f32 ? new Float32Array(n) : new Float64Array(n);
    for (const [rows, cols] of [[1, 1], [1, 7], [5, 1], [3, 4], [4, 17]] as const) {
      const n = rows * cols;
      for (const [na, sa, la] of layouts(rows, cols)) {
        for (const [nb, sb, lb] of layouts(rows, cols)) {
          if (la === n && lb === n && na === "full" && nb === "full") continue; // the same-shape path
          const a = make(Array.from({ length: la }, (_, i) => (i * 37 % 11) - 5.5));
          const b = make(Array.from({ length: lb }, (_, i) => (i * 13 % 7) - 2.75));
          for (const op of Object.values(Binary)) {
            const expected = zeros(n);
            for (let r = 0; r < rows; r++) {
              for (let c = 0; c < cols; c++) {
                expected[r * cols + c] = apply(
                  op,
                  a[r * sa[0]! + c * sa[1]!]!,
                  b[r * sb[0]! + c * sb[1]!]!,
                );
              }
            }
            // Split at every point, as a pool cuts element ranges mid-row.
            for (let k = 0; k <= n; k++) {
              const out = zeros(n).fill(NaN);
              const t = {
                kind: "binary",
                op,
                shape: [rows, cols],
                a,
                sa,
                b,
                sb,
                out,
                units: n,
                work: n,
              } as unknown as BinaryRun;
              runBinary(t, 0, k);
              runBinary(t, k, n);
              for (let i = 0; i < n; i++) {
                if (!Object.is(out[i], expected[i])) {
                  throw new Error(
                    `${rows}×${cols} ${na} op ${op} ${nb}, split ${k}: element ${i} is ${
                      out[i]
                    }, expected ${expected[i]}`,
                  );
                }
              }
              checked++;
            }
          }
        }
      }
    }
  }
  assertStrictEquals(checked > 3000, true, `checked ${checked}`);
});

Deno.test("relu and step kernels: every sign, zero, infinity and NaN, both dtypes, any split", () => {
  // relu(x) = x for x > 0, else +0 (also for −0, −∞ and NaN); step(x) = 1 for x > 0, else +0.
  const special = [NaN, -NaN, -0, 0, -Infinity, Infinity, 1e-45, -1e-45, 3.5, -2.25];
  const values = [...special, ...Array.from({ length: 90 }, (_, i) => ((i * 7919) % 101) - 50.5)];
  for (const f32 of [false, true]) {
    const x = f32 ? Float32Array.from(values) : Float64Array.from(values);
    for (const [name, op] of [["relu", Unary.relu], ["step", Unary.step]] as const) {
      for (const k of [0, 1, 37, x.length]) {
        const out = f32 ? new Float32Array(x.length).fill(7) : new Float64Array(x.length).fill(7);
        const t: UnaryRun = { kind: "unary", op, x, out, c: 0, units: x.length, work: 0 };
        runUnary(t, 0, k);
        runUnary(t, k, x.length);
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          const expected = v > 0 ? (name === "relu" ? v : 1) : 0;
          if (!Object.is(out[i], expected)) {
            throw new Error(`${name} of ${v} (split ${k}) gave ${out[i]}, expected ${expected}`);
          }
        }
      }
    }
  }
  assertStrictEquals(Object.is(values[2], -0), true);
});
