/**
 * Timing: after the checked first run and a warm-up, each repetition runs the
 * op enough times to last `minRepMs`, and the median time per op is reported.
 *
 * @module
 */

/** A measurement: milliseconds per op (median over repetitions). */
export interface Timing {
  readonly medianMs: number;
  readonly reps: number;
  /** Ops per repetition. */
  readonly inner: number;
  readonly samplesMs: readonly number[];
}

/**
 * Warms up for `minRepMs` (at least one op: JIT tiers and peers' lazily
 * compiled kernels settle), sizes the repetitions from the last warm-up op,
 * then runs `reps` timed repetitions. `firstMs`, the time of the (untimed,
 * checked) first run, skips the warm-up when that run alone lasted ten
 * repetitions' worth: compilation is then negligible.
 */
export async function measure(
  op: () => void | Promise<void>,
  reps: number,
  minRepMs: number,
  firstMs = 0,
): Promise<Timing> {
  let once = firstMs;
  if (minRepMs === 0 || firstMs < 10 * minRepMs) {
    const warmStart = performance.now();
    do {
      const t0 = performance.now();
      await op();
      once = Math.max(performance.now() - t0, 1e-3);
    } while (performance.now() - warmStart < minRepMs);
  }
  const inner = Math.min(10_000, Math.max(1, Math.ceil(minRepMs / once)));
  const samplesMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    for (let i = 0; i < inner; i++) await op();
    samplesMs.push((performance.now() - start) / inner);
  }
  return { medianMs: median(samplesMs), reps, inner, samplesMs };
}

/** The middle value (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
