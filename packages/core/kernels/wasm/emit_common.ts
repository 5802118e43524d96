/**
 * What the kernel emitters share: the opcodes that differ between float32
 * and float64, and one multiply-add step of a chain.
 *
 * @module
 */
import { F32, F64, type Fn } from "./encoder.ts";

export const ZERO16: number[] = new Array(16).fill(0);

/** The opcodes that differ between float32 and float64. */
export interface DTypeOps {
  readonly name: "f32" | "f64";
  readonly es: 4 | 8;
  readonly align: 2 | 3;
  readonly lanes: number;
  readonly valType: number;
  readonly loadSplat: number;
  readonly loadLane: number;
  readonly add: number;
  readonly mul: number;
  readonly madd: number;
  readonly load: number;
  readonly store: number;
  readonly zero: number[];
}

export const F32_OPS: DTypeOps = {
  name: "f32",
  es: 4,
  align: 2,
  lanes: 4,
  valType: F32,
  loadSplat: 0x09,
  loadLane: 0x56,
  add: 0xe4,
  mul: 0xe6,
  madd: 0x105,
  load: 0x2a,
  store: 0x38,
  zero: [0x43, 0, 0, 0, 0],
};

export const F64_OPS: DTypeOps = {
  name: "f64",
  es: 8,
  align: 3,
  lanes: 2,
  valType: F64,
  loadSplat: 0x0a,
  loadLane: 0x57,
  add: 0xf0,
  mul: 0xf2,
  madd: 0x107,
  load: 0x2b,
  store: 0x39,
  zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
};

export const V128_LOAD = 0x00;
export const V128_STORE = 0x0b;
export const V128_CONST = 0x0c;

/** `acc = acc + a·b` (two roundings) or `acc = relaxed_madd(a, b, acc)`; `b` pushed by `pushB`. */
export function step(
  f: Fn,
  d: DTypeOps,
  fma: boolean,
  acc: number,
  a: number,
  pushB: () => void,
): void {
  if (fma) {
    f.get(a);
    pushB();
    f.get(acc).simd(d.madd).set(acc);
  } else {
    f.get(acc).get(a);
    pushB();
    f.simd(d.mul).simd(d.add).set(acc);
  }
}
