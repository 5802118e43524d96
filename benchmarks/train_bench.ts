/**
 * Training steps serially and with the pool as the executor (the calling
 * thread and one worker), in samples per second: the linear model of the
 * main benchmark, a two-layer MLP with Adam, and the CLI demo's default
 * model. Every step's loss on the pool must equal the serial one bit for
 * bit, or the run fails. Medians of `--reps` repetitions, each of enough
 * steps to last `--min-rep-ms`, serial and pool interleaved; "pool / serial"
 * is the median of each pool repetition's rate over the serial one just
 * before it. The last two columns are what two threads gave over one just
 * before and after the model ran, on pure arithmetic (`ceiling.ts`) and on
 * copies streaming from memory (`copy_bandwidth.ts`), side by side over
 * alone: the most a pool could gain on the machine at that time, on work
 * bound by either.
 *
 * ```sh
 * npx deno run -A --no-check benchmarks/train_bench.ts [--reps 7] [--min-rep-ms 300] [--workers 1] [--model linear|mlp|demo]
 * ```
 *
 * @module
 */
import {
  adam,
  add,
  type Executor,
  matmul,
  mse,
  type Optimizer,
  randn,
  relu,
  serialExecutor,
  sgd,
  Tensor,
  valueAndGrad,
  withExecutor,
  zeros,
} from "@matgrad/core";
import { createTrainer } from "@matgrad/linear-demo";
import { createPool } from "@matgrad/parallel";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(name);
  return i < 0 ? fallback : Number(Deno.args[i + 1]);
};
const REPS = arg("--reps", 7);
const MIN_REP_MS = arg("--min-rep-ms", 300);
const WORKERS = arg("--workers", 1);

/** One model: makes its state on an executor and returns a step that gives the loss. */
interface Model {
  readonly name: string;
  readonly samples: number;
  make(on: <T>(fn: () => T) => T): () => number;
}

const linear: Model = {
  name: "linear 8192×256→64, float32, SGD",
  samples: 8192,
  make(on) {
    const [x, y, w, b] = on(() => [
      randn([8192, 256], { seed: 1 }),
      randn([8192, 64], { seed: 2 }),
      zeros([256, 64]),
      zeros([64]),
    ]);
    const step = valueAndGrad((w: Tensor, b: Tensor) => mse(add(matmul(x, w), b), y), [0, 1]);
    const opt = sgd({ lr: 0.01 });
    return () =>
      on(() => {
        const r = step(w, b);
        opt.step([w, b], r.grad);
        return r.value.item();
      });
  },
};

const mlp: Model = {
  name: "MLP 8192×256→256 relu→64, float32, Adam",
  samples: 8192,
  make(on) {
    const [x, y, w1, b1, w2, b2] = on(() => [
      randn([8192, 256], { seed: 1 }),
      randn([8192, 64], { seed: 2 }),
      randn([256, 256], { seed: 3, std: 1 / 16 }),
      zeros([256]),
      randn([256, 64], { seed: 4, std: 1 / 16 }),
      zeros([64]),
    ]);
    const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) =>
      mse(add(matmul(relu(add(matmul(x, w1), b1)), w2), b2), y);
    const step = valueAndGrad(loss, [0, 1, 2, 3]);
    const opt: Optimizer = adam({ lr: 1e-3 });
    const params = [w1, b1, w2, b2];
    return () =>
      on(() => {
        const r = step(w1, b1, w2, b2);
        opt.step(params, r.grad);
        return r.value.item();
      });
  },
};

// The demo's defaults: batches of 512 rows of 128 features and 16 outputs, float64, SGD with
// momentum 0.9, through the demo's own trainer (apps/linear-demo), on the pool or serially.
const DEMO = "CLI demo default: batch 512×128→16, float64, SGD momentum";

function demoStep(executor: Executor | undefined): () => Promise<number> {
  const trainer = createTrainer(
    128,
    16,
    { optimizer: "sgd", lr: 0.02, momentum: 0.9 },
    executor as never,
  );
  const xb = trainer.buffer(512 * 128), yb = trainer.buffer(512 * 16);
  xb.set(randn([512 * 128], { seed: 1, dtype: "float64" }).data);
  yb.set(randn([512 * 16], { seed: 2, dtype: "float64" }).data);
  const x = new Tensor(xb, [512, 128]), y = new Tensor(yb, [512, 16]);
  return () => trainer.step(x, y);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Steps of `step` for at least MIN_REP_MS (and 3 steps): the warm-up, and the steps per repetition. */
async function warmUp(step: () => number | Promise<number>, losses: number[]): Promise<number> {
  const t0 = performance.now();
  let steps = 0;
  while (performance.now() - t0 < MIN_REP_MS || steps < 3) {
    losses.push(await step());
    steps++;
  }
  return steps;
}

/**
 * Samples/s of each step function, median of REPS repetitions. The
 * repetitions alternate between the functions, so that a slow stretch of a
 * shared machine falls on both rather than on whichever ran second.
 */
async function timeInterleaved(
  steps: readonly (() => number | Promise<number>)[],
): Promise<{ rate: number; losses: number[] }[]> {
  const losses = steps.map(() => [] as number[]);
  const perRep: number[] = [];
  for (let i = 0; i < steps.length; i++) perRep.push(await warmUp(steps[i]!, losses[i]!));
  const rates = steps.map(() => [] as number[]);
  for (let r = 0; r < REPS; r++) {
    for (let i = 0; i < steps.length; i++) {
      const s = performance.now();
      for (let j = 0; j < perRep[i]!; j++) losses[i]!.push(await steps[i]!());
      rates[i]!.push(perRep[i]! / ((performance.now() - s) / 1000));
    }
  }
  return steps.map((_, i) => ({
    rate: median(rates[i]!),
    // Each repetition against the first function's repetition just before it.
    ratio: median(rates[i]!.map((x, r) => x / rates[0]![r]!)),
    losses: losses[i]!,
  }));
}

/**
 * What two threads give over one on this machine now, side by side over
 * alone: on pure arithmetic (`ceiling.ts`, GFLOP/s) and on copies streaming
 * from memory (`copy_bandwidth.ts`, GB/s). Both move on a shared VM, for
 * seconds at a time; a pool cannot beat them.
 */
async function twoThreadCapacity(): Promise<{ arithmetic: number; memory: number }> {
  const run = async (script: string, figure: RegExp) => {
    const path = new URL(script, import.meta.url).pathname;
    const once = async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-check", path],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const m = new TextDecoder().decode(out.stdout).match(figure);
      if (!out.success || m === null) throw new Error(`${script} gave no figure`);
      return Number(m[1]);
    };
    const alone = await once();
    const [a, b] = await Promise.all([once(), once()]);
    return (a + b) / alone;
  };
  return {
    arithmetic: await run("../packages/core/kernels/wasm/ceiling.ts", /f32x4 ([\d.]+)/),
    memory: await run("./copy_bandwidth.ts", /: ([\d.]+) GB\/s/),
  };
}

const cpu = (() => {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
  } catch {
    return "?";
  }
})();

type Run = [
  string,
  number,
  () => () => number | Promise<number>,
  (pool: Executor) => () => number | Promise<number>,
];
const RUNS: Record<string, Run> = {
  linear: [
    linear.name,
    linear.samples,
    () => linear.make((fn) => withExecutor(serialExecutor, fn)),
    (pool) => linear.make((fn) => withExecutor(pool, fn)),
  ],
  mlp: [
    mlp.name,
    mlp.samples,
    () => mlp.make((fn) => withExecutor(serialExecutor, fn)),
    (pool) => mlp.make((fn) => withExecutor(pool, fn)),
  ],
  demo: [DEMO, 512, () => demoStep(undefined), (pool) => demoStep(pool)],
};

const only = Deno.args.indexOf("--model");
if (only < 0) {
  // Each model in a process of its own, as a user's script would run it: a
  // process that trained float32 models first runs a float64 one on
  // element loops whose type feedback has seen both.
  console.log(
    `${cpu}, ${navigator.hardwareConcurrency} hardware threads; pool: ${WORKERS + 1} threads`,
  );
  console.log(
    `median of ${REPS} repetitions of ≥ ${MIN_REP_MS} ms each, each model in its own process\n`,
  );
  console.log(
    "| model | serial samples/s | pool samples/s | pool / serial | step losses | two threads' arithmetic | two threads' memory |",
  );
  console.log("| --- | ---: | ---: | ---: | --- | ---: | ---: |");
  let failed = false;
  for (const model of Object.keys(RUNS)) {
    const before = await twoThreadCapacity();
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-check",
        new URL(import.meta.url).pathname,
        ...Deno.args,
        "--model",
        model,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    const after = await twoThreadCapacity();
    const both = (f: (c: { arithmetic: number; memory: number }) => number) =>
      `${f(before).toFixed(2)}×, ${f(after).toFixed(2)}×`;
    console.log(`${text} ${both((c) => c.arithmetic)} | ${both((c) => c.memory)} |`);
    if (!out.success) failed = true;
  }
  if (failed) Deno.exit(1);
} else {
  const run = RUNS[Deno.args[only + 1]!];
  if (run === undefined) throw new RangeError(`--model: one of ${Object.keys(RUNS).join(", ")}`);
  const pool = createPool({ workers: WORKERS });
  await pool.ready();
  const [name, samples, serialMake, poolMake] = run;
  const [s, p] = await timeInterleaved([serialMake(), poolMake(pool)]) as [
    { rate: number; losses: number[] },
    { rate: number; ratio: number; losses: number[] },
  ];
  const n = Math.min(s.losses.length, p.losses.length);
  const same = s.losses.slice(0, n).every((v, i) => Object.is(v, p.losses[i]));
  const rate = (r: number) => Math.round(r * samples).toLocaleString("en-US");
  console.log(
    `| ${name} | ${rate(s.rate)} | ${rate(p.rate)} | ${p.ratio.toFixed(2)}× | ${
      same ? `equal, ${n} steps` : "DIFFER"
    } |`,
  );
  pool.close();
  if (!same) Deno.exit(1);
}
