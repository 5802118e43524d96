/**
 * What a pool call costs besides arithmetic, in two tables:
 *
 * 1. Round trips to a worker: an empty message, one carrying
 *    SharedArrayBuffer views, and one sent after the calling thread computed
 *    alone for a while (so the other core may have gone idle).
 * 2. Allocating and writing 1 MB and 8 MB: a new SharedArrayBuffer (fresh
 *    pages, so a page fault per 4 KiB page on first write), a new ArrayBuffer
 *    (the allocator hands back freed memory, zeroed), and one reused
 *    SharedArrayBuffer.
 * 3. Copying 16 MB between two reused typed arrays (`set`), as core's
 *    WebAssembly kernels copy an operand into their memory.
 *
 *     deno run overhead_bench.ts
 *
 * @module
 */

const echo = "self.onmessage = (e) => self.postMessage(e.data);";
const url = URL.createObjectURL(new Blob([echo], { type: "text/javascript" }));
const worker = new Worker(url, { type: "module" });
URL.revokeObjectURL(url);

const roundTrip = (message: unknown) =>
  new Promise<void>((resolve) => {
    worker.onmessage = () => resolve();
    worker.postMessage(message);
  });
const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms) { /* the calling thread computing alone */ }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const shared = Array.from({ length: 5 }, () => new Float32Array(new SharedArrayBuffer(1 << 20)));

const cases: [string, () => unknown, () => unknown][] = [
  ["empty message, back to back", () => 0, () => {}],
  ["5 SharedArrayBuffer views, back to back", () => shared, () => {}],
  ["empty message after 12 ms of computing", () => 0, () => busy(12)],
  ["empty message after 12 ms asleep", () => 0, () => sleep(12)],
];

for (let i = 0; i < 100; i++) await roundTrip(0); // warm-up
console.log("| round trip | min | median |\n| --- | --- | --- |");
for (const [name, message, before] of cases) {
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    await before();
    const m = message();
    const t0 = performance.now();
    await roundTrip(m);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  console.log(`| ${name} | ${us(times[0]!)} | ${us(times[50]!)} |`);
}
worker.terminate();

const MB = 1 << 20;
console.log("\n| allocate and write | min | median |\n| --- | --- | --- |");
// 8 MB: dA of the 8192×256×64 backward pass.
for (const size of [MB, 8 * MB]) {
  const reused = new Float32Array(new SharedArrayBuffer(size));
  const writes: [string, () => Float32Array][] = [
    ["new SharedArrayBuffer", () => new Float32Array(new SharedArrayBuffer(size))],
    ["new ArrayBuffer", () => new Float32Array(size / 4)],
    ["reused SharedArrayBuffer", () => reused],
  ];
  const keep: Float32Array[] = []; // a few live buffers, as results in use would be
  for (const [name, make] of writes) {
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      make().fill(i);
      times.push(performance.now() - t0);
      keep.push(make());
      if (keep.length > 4) keep.shift();
    }
    times.sort((x, y) => x - y);
    const label = `${name}, ${size / MB} MB`;
    console.log(`| ${label} | ${times[0]!.toFixed(3)} ms | ${times[50]!.toFixed(3)} ms |`);
  }
}

const big = new Float32Array(4 << 20).fill(1);
const into = new Float32Array(4 << 20);
const copies: number[] = [];
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  into.set(big);
  copies.push(performance.now() - t0);
}
copies.sort((x, y) => x - y);
console.log(
  `\n| copy 16 MB (TypedArray.set) | min | median |\n| --- | --- | --- |\n` +
    `| reused arrays | ${copies[0]!.toFixed(3)} ms | ${copies[15]!.toFixed(3)} ms |`,
);
