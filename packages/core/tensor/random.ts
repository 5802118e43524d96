/**
 * A small seeded generator (xoshiro128**) so that `randn` is reproducible
 * on every platform: it uses only 32-bit integer arithmetic.
 *
 * @module
 */

/** A stream of uniform numbers in [0, 1) from a 32-bit seed. */
export class Xoshiro128 {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /** Seeds the state with splitmix32 so that nearby seeds give unrelated streams. */
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** A uniform float64 in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * A standard normal sample (Marsaglia's polar method, both halves used in
   * turn). It uses only +, −, ×, ÷ and `Math.sqrt`, which IEEE 754 rounds
   * exactly, and its own {@linkcode log}: `Math.log`, `Math.sin` and
   * `Math.cos` differ in the last bit between engines (Deno and Chromium
   * disagree on about 0.1% of inputs), which would give a seed different data
   * in a browser.
   */
  nextNormal(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.nextFloat() - 1;
      v = 2 * this.nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * log(s)) / s);
    this.#spare = v * f;
    return u * f;
  }

  #spare: number | undefined = undefined;
}

const LN2 = 0.6931471805599453;
const SQRT2 = 1.4142135623730951;

/**
 * The natural logarithm of a positive finite number from exactly rounded
 * arithmetic alone, so it gives the same bits on every engine: x = m·2^e with
 * m in [√½, √2), then ln m = 2·atanh((m−1)/(m+1)) by its series.
 */
export function log(x: number): number {
  let m = x;
  let e = 0;
  // Scaling by powers of two is exact.
  while (m >= SQRT2) {
    m *= 0.5;
    e++;
  }
  while (m < SQRT2 / 2) {
    m *= 2;
    e--;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  // |z| ≤ 0.1716, so terms past z^27 are below 2^-60 of the sum.
  let term = z;
  let sum = 0;
  for (let k = 1; k <= 27; k += 2) {
    sum += term / k;
    term *= z2;
  }
  return 2 * sum + e * LN2;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
