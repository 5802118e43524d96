/**
 * Memory bandwidth of one thread: GB/s (bytes read plus written) of
 * `TypedArray.set` between two arrays of `--mb` MiB each (default 16, so
 * that both together overflow a 2-core VM's share of L3), median of 7
 * timed runs. `train_bench.ts` runs one alone and two side by side: what
 * two threads gain on work that streams from memory, as its training
 * steps' element-wise ops and large operands do.
 *
 * ```sh
 * npx deno run benchmarks/copy_bandwidth.ts [--mb 16]
 * ```
 *
 * @module
 */

/** GB/s of copying `bytes` between two arrays, median of 7 runs of about 64 MiB each. */
export function copyBandwidth(bytes: number): number {
  const n = Math.floor(bytes / 4);
  const from = new Float32Array(n).fill(1), to = new Float32Array(n);
  for (let i = 0; i < 3; i++) to.set(from);
  const reps = Math.max(1, Math.floor((64 << 20) / bytes));
  const rates: number[] = [];
  for (let r = 0; r < 7; r++) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) to.set(from);
    rates.push((reps * 2 * n * 4) / ((performance.now() - s) * 1e6));
  }
  return rates.sort((a, b) => a - b)[3]!;
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--mb");
  const mb = i < 0 ? 16 : Number(Deno.args[i + 1]);
  if (!(mb > 0)) throw new RangeError(`--mb must be a positive number, got ${Deno.args[i + 1]}`);
  console.log(`copy ${mb} MiB: ${copyBandwidth(mb * 1048576).toFixed(1)} GB/s`);
}
