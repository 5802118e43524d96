// The demo run as a user runs it: `deno run` in a subprocess, checked by its
// exit code and output. Numbers are checked against references computed here.
import { assert, assertEquals, assertMatch, assertNotMatch, assertStrictEquals } from "@std/assert";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { splitDataset, synthetic } from "./mod.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const PERMISSIONS = ["--allow-read", "--allow-write"]; // as `deno task demo` grants

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function demo(...args: string[]): Promise<Run> {
  return await output(
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", ...PERMISSIONS, MAIN, ...args],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }),
  );
}

async function output(command: Deno.Command): Promise<Run> {
  const out = await command.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A data error: one line, then the hint, never the usage. */
const ONE_LINE = /^error: [^\n]+\n\(run with --help for usage\)\n$/;

// deno-lint-ignore no-explicit-any
async function json(...args: string[]): Promise<any> {
  const r = await demo("--json", ...args);
  assertStrictEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Least-squares loss from the normal equations [X 1]ᵀ[X 1]·θ = [X 1]ᵀY, by Gaussian elimination. */
function normalEquationsLoss(
  x: Float64Array | Float32Array,
  y: ArrayLike<number>,
  n: number,
  d: number,
  m: number,
) {
  const k = d + 1;
  const a = Array.from({ length: k }, () => new Array<number>(k + m).fill(0));
  const row = (i: number, j: number) => (j < d ? x[i * d + j]! : 1);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      for (let q = 0; q < k; q++) a[p]![q]! += row(i, p) * row(i, q);
      for (let c = 0; c < m; c++) a[p]![k + c]! += row(i, p) * y[i * m + c]!;
    }
  }
  for (let p = 0; p < k; p++) {
    let piv = p;
    for (let r = p + 1; r < k; r++) if (Math.abs(a[r]![p]!) > Math.abs(a[piv]![p]!)) piv = r;
    [a[p], a[piv]] = [a[piv]!, a[p]!];
    for (let r = 0; r < k; r++) {
      if (r === p) continue;
      const f = a[r]![p]! / a[p]![p]!;
      for (let q = p; q < k + m; q++) a[r]![q]! -= f * a[p]![q]!;
    }
  }
  let sse = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      let pred = 0;
      for (let p = 0; p < k; p++) pred += row(i, p) * (a[p]![k + c]! / a[p]![p]!);
      sse += (pred - y[i * m + c]!) ** 2;
    }
  }
  return sse / (n * m);
}

Deno.test("synthetic (the default run): the loss falls ≥ 100× and ends within 1% of the optimum", async () => {
  const r = await json(); // exactly `deno task demo`'s settings
  const [n, d, m] = [8192, 128, 16];
  const data = synthetic({ samples: n, dims: d, outputs: m, noise: 0.1, seed: 1 });
  const { train } = splitDataset(data, { testFraction: 0.2, seed: 1 });
  const best = normalEquationsLoss(train.x.data, train.y.data, train.x.shape[0]!, d, m);
  assert(
    Math.abs(r.leastSquares.fitLoss / best - 1) < 1e-9,
    `${r.leastSquares.fitLoss} vs ${best}`,
  );
  assert(r.initialLoss / r.finalLoss >= 100, `fell only ${r.initialLoss / r.finalLoss}×`);
  assert(r.finalLoss <= 1.01 * best, `final ${r.finalLoss}, optimum ${best}`);
  assert(r.finalLoss >= best * (1 - 1e-12)); // no fit beats least squares
  assert(r.relativeWeightError < 0.01);
  assertStrictEquals(r.stepLosses.length, 20 * Math.ceil(train.x.shape[0]! / 512));
});

Deno.test("--workers 2 reproduces the serial run's loss at every step, bit for bit", async () => {
  const args = [
    "--epochs",
    "3",
    "--samples",
    "2048",
    "--dims",
    "64",
    "--outputs",
    "8",
    "--batch",
    "256",
  ];
  const serial = await json(...args, "--workers", "0");
  // --serial-below 0 sends every product to the workers, however small.
  const parallel = await json(...args, "--workers", "2", "--serial-below", "0");
  assertStrictEquals(parallel.training.onWorkers, true);
  assertStrictEquals(serial.stepLosses.length, 3 * 7);
  assertEquals(parallel.stepLosses, serial.stepLosses);
  assertStrictEquals(parallel.finalLoss, serial.finalLoss);
});

Deno.test("cars: miles per gallon with test R² ≥ 0.82 (measured 0.8227)", async () => {
  const r = await json("--data", "cars", "--workers", "0");
  const path = new URL(import.meta.resolve("vega-datasets"));
  const records: Record<string, unknown>[] = JSON.parse(
    await Deno.readTextFile(new URL("../data/cars.json", path)),
  );
  const incomplete = records.filter((rec) => Object.values(rec).includes(null)).length;
  assertEquals(r.rows, {
    train: Math.round(0.8 * (records.length - incomplete)),
    test: records.length - incomplete - Math.round(0.8 * (records.length - incomplete)),
    dropped: incomplete,
  });
  assert(r.testR2 >= 0.82, `test R² ${r.testR2}`);
  assert(r.trainR2 >= r.leastSquares.trainR2 - 0.002); // close to the best linear fit
});

Deno.test("--csv trains on any CSV; rows with missing values are dropped and counted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = ["name,a,b,y"];
    for (let i = 0; i < 60; i++) {
      const a = Math.sin(i), b = Math.cos(3 * i);
      const y = i % 10 === 3 ? "" : String(2 * a - 3 * b + 1 + 1e-3 * Math.sin(7 * i));
      lines.push(`"car, ${i}",${a},${b},${y}`);
    }
    await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\r\n"));
    const r = await json(
      "--csv",
      `${dir}/d.csv`,
      "--target",
      "y",
      "--epochs",
      "300",
      "--workers",
      "0",
    );
    assertEquals(r.features, ["a", "b"]);
    assertStrictEquals(r.rows.dropped, 6);
    assertStrictEquals(r.rows.train + r.rows.test, 54);
    assert(r.testR2 > 0.999, `test R² ${r.testR2}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--save then --load evaluates the same model on the same data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const trained = await json(
      "--data",
      "cars",
      "--epochs",
      "20",
      "--workers",
      "0",
      "--save",
      `${dir}/m.json`,
    );
    const loaded = await json("--load", `${dir}/m.json`);
    assertStrictEquals(loaded.testMse, trained.testMse);
    assertStrictEquals(loaded.trainR2, trained.trainR2);
    const text = await demo("--load", `${dir}/m.json`);
    assertStrictEquals(text.code, 0);
    assertMatch(text.stdout, /evaluated the model in/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--plot writes a valid SVG with labelled axes and one path per series", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await demo(
      "--epochs",
      "5",
      "--samples",
      "1000",
      "--dims",
      "8",
      "--plot",
      `${dir}/loss.svg`,
    );
    assertStrictEquals(r.code, 0, r.stderr);
    const svg = await Deno.readTextFile(`${dir}/loss.svg`);
    assertStrictEquals(XMLValidator.validate(svg), true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(svg).svg;
    assertStrictEquals(doc["@_xmlns"], "http://www.w3.org/2000/svg");
    // deno-lint-ignore no-explicit-any
    const axis = (name: string) => doc.g.find((g: any) => g["@_class"] === name);
    // deno-lint-ignore no-explicit-any
    const labels = (g: any) => [g.text].flat().map((t: Record<string, unknown>) => t["#text"]);
    const x = labels(axis("x-axis")), y = labels(axis("y-axis"));
    assertEquals(x, [0, 1, 2, 3, 4, 5, "epoch"]); // ticks, then the axis title
    assertStrictEquals(y.at(-1), "loss (MSE), log scale");
    assert(y.length >= 3 && y.slice(0, -1).every((v: unknown) => typeof v === "number"));
    const paths = [doc.path].flat();
    assertEquals(paths.map((p: Record<string, string>) => p["@_data-name"]), ["train", "test"]);
    for (const p of paths) {
      // epochs 0…5: a move and five line segments
      assertStrictEquals((p["@_d"] as string).match(/[ML]/g)?.length, 6);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--help prints the usage and exits 0", async () => {
  const r = await demo("--help");
  assertStrictEquals(r.code, 0);
  assertMatch(r.stdout, /^Usage: deno task demo/);
});

const BAD: [string, string[], RegExp][] = [
  ["an unknown flag", ["--bogus"], /unknown option --bogus/],
  ["a malformed number", ["--lr", "fast"], /--lr must be a number, got "fast"/],
  ["a malformed count", ["--epochs", "2.5"], /--epochs must be a positive whole number, got 2\.5/],
  [
    "a negative count",
    ["--epochs", "-3"],
    /^error: --epochs must be a positive whole number, got -3\n/,
  ],
  [
    "a negative count after =",
    ["--epochs=-3"],
    /^error: --epochs must be a positive whole number, got -3\n/,
  ],
  ["a flag without its value", ["--epochs"], /option --epochs needs a value/],
  ["an unknown data set", ["--data", "iris"], /--data must be synthetic or cars/],
];

for (const [what, args, message] of BAD) {
  Deno.test(`bad command line: ${what} → exit 2, one message and the usage`, async () => {
    const r = await demo(...args);
    assertStrictEquals(r.code, 2);
    assertMatch(r.stderr, message);
    assertMatch(r.stderr, /^error: [^\n]+\n\nUsage:/);
    assertNotMatch(r.stderr, /\n\s+at /); // no stack trace
    assertStrictEquals(r.stdout, "");
  });
}

const BAD_FILES: [string, string[], RegExp][] = [
  [
    "a missing file",
    ["--csv", "no/such.csv", "--target", "y"],
    /cannot read CSV file \/\S*\/no\/such\.csv: no such file/,
  ],
  [
    "a missing model file",
    ["--load", "no/such.json"],
    /cannot read model file \/\S*\/no\/such\.json: no such file/,
  ],
];

for (const [what, args, message] of BAD_FILES) {
  Deno.test(`bad file: ${what} → exit 2, one line and a hint, no usage`, async () => {
    const r = await demo(...args);
    assertStrictEquals(r.code, 2);
    assertMatch(r.stderr, message);
    assertMatch(r.stderr, ONE_LINE);
    assertStrictEquals(r.stdout, "");
  });
}

Deno.test("bad file: a file that is not a saved model → exit 2, one line and a hint", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, '{"format": "something else"}');
    const r = await demo("--load", file);
    assertStrictEquals(r.code, 2);
    assertMatch(
      r.stderr,
      /^error: .*: not a linear-demo model \(expected "format": "matgrad-linear-demo\/1"\)\n/,
    );
    assertMatch(r.stderr, ONE_LINE);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("unwritable outputs fail before anything is computed, and leave no file behind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "");
    const cases: [string[], RegExp][] = [
      [
        ["--plot", `${dir}/no/such/dir/loss.svg`],
        /cannot write plot \S+loss\.svg: no such directory$/m,
      ],
      [["--save", dir], /cannot write model \S+: it is a directory$/m],
      [
        ["--save", `${dir}/file/m.json`],
        /cannot write model \S+m\.json: a part of the path is not/,
      ],
      // The plot could be written, the model not: neither is, and no empty plot is left.
      [["--plot", `${dir}/ok.svg`, "--save", `${dir}/none/m.json`], /cannot write model/],
    ];
    for (const [args, message] of cases) {
      // Before the check, this trained 30 epochs and then failed on the output.
      const r = await demo("--epochs", "30", ...args);
      assertStrictEquals(r.code, 2, args.join(" "));
      assertMatch(r.stderr, message);
      assertMatch(r.stderr, ONE_LINE);
      assertStrictEquals(r.stdout, ""); // not even the data's description
    }
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["file"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const BAD_CSV: [string, string, string[], RegExp][] = [
  [
    "a non-finite cell",
    "a,y\n1,2\n3,4\n1e400,5\n",
    ["--target", "y"],
    /column "a" has a non-finite cell "1e400" on line 4$/m,
  ],
  [
    "a 1 MB cell",
    `a,y\n1,2\n${"x".repeat(2 ** 20)},3\n`,
    ["--target", "y"],
    /column "a" has a non-numeric cell "x{40}…" on line 3$/m,
  ],
  [
    "a missing target column",
    "a,b\n1,2\n",
    ["--target", "y"],
    /no target column "y"; the columns are a, b/,
  ],
  [
    "a missing feature column",
    "a,y\n1,2\n",
    ["--target", "y", "--features", "a,c"],
    /no feature column "c"/,
  ],
  [
    "a non-numeric cell",
    "a,y\n1,2\n3,4\nx1,5\n",
    ["--target", "y"],
    /column "a" has a non-numeric cell "x1" on line 4/,
  ],
  [
    "too few rows",
    "a,y\n1,2\n3,4\n5,\n",
    ["--target", "y"],
    /too few rows: .* has 2 usable rows \(1 dropped for missing values\)/,
  ],
  ["ragged rows", "a,y\n1,2\n3,4,5\n", ["--target", "y"], /Invalid Record Length/],
];

for (const [what, csv, args, message] of BAD_CSV) {
  Deno.test(`bad CSV: ${what} → exit 2, one line and a hint`, async () => {
    const file = await Deno.makeTempFile({ suffix: ".csv" });
    try {
      await Deno.writeTextFile(file, csv);
      const r = await demo("--csv", file, ...args);
      assertStrictEquals(r.code, 2);
      assertMatch(r.stderr, message);
      assertMatch(r.stderr, ONE_LINE);
      assert(r.stderr.length < 400, `${r.stderr.length} characters`);
    } finally {
      await Deno.remove(file);
    }
  });
}

const SMALL = ["--epochs", "3", "--samples", "1000", "--dims", "8", "--outputs", "2"];

Deno.test("without a terminal, progress is one plain line per epoch, with no escape codes", async () => {
  // NO_COLOR unset: output to a pipe has no colour or cursor codes by itself.
  const env = Deno.env.toObject();
  delete env.NO_COLOR;
  const r = await output(
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", ...PERMISSIONS, MAIN, ...SMALL],
      clearEnv: true,
      env,
      stdout: "piped",
      stderr: "piped",
    }),
  );
  assertStrictEquals(r.code, 0, r.stderr);
  assert(!r.stdout.includes("\x1b") && !r.stderr.includes("\x1b"), "no escape codes in a log");
  assertNotMatch(r.stdout + r.stderr, /least-squares fit|scoring|ETA/); // no live output
  const epochs = r.stdout.split("\n").filter((l) => l.startsWith("epoch"));
  assertStrictEquals(epochs.length, 4);
  assertMatch(epochs[0]!, /^epoch 0\/3 {2}train loss \S+ {2}test loss \S+$/);
  assertMatch(epochs[3]!, /^epoch 3\/3 {2}train loss \S+ {2}test loss \S+ {2}[\d,]+ samples\/s$/);
  for (
    const label of [
      "train MSE",
      "test MSE",
      "closed-form least squares",
      "‖W − W\\*‖ / ‖W\\*‖",
      "wall time",
      "samples/s",
    ]
  ) {
    assertMatch(r.stdout, new RegExp(label));
  }
});

const hasScript = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);

Deno.test({
  name: "on a terminal, progress is a live bar with epoch, loss and samples/s",
  ignore: !hasScript, // util-linux's `script` provides the pseudo-terminal
  async fn() {
    const command = [Deno.execPath(), "run", "--no-check", ...PERMISSIONS, MAIN, ...SMALL].join(
      " ",
    );
    const out = await new Deno.Command("script", {
      args: ["-qec", command, "/dev/null"],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assertStrictEquals(out.code, 0, text);
    assertMatch(text, /epoch 3\/3 █+ 100% \| loss \S+ \| [\d,]+ samples\/s/);
    assert(text.includes("\x1b[1G"), "the bar redraws in place");
    assertNotMatch(text, /^epoch 1\/3 {2}train loss/m); // no plain lines
    // A run this short has no meaningful time left to show.
    assertNotMatch(text, /ETA/);
    // The phases outside the training loop show a status line while they run.
    for (const label of ["closed-form least-squares fit", "scoring the trained model"]) {
      assert(text.includes(label), label);
    }
  },
});

Deno.test("the summary's wording: 1 epoch, and a loss that did not fall is not said to fall", async () => {
  const r = await demo("--epochs", "1", "--samples", "200", "--dims", "4", "--lr", "1e-12");
  assertStrictEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /, 1 epoch × 1 step of 160 rows\n/);
  const loss = /training loss +(\S+) → (\S+) +\((.*)\)/.exec(r.stdout);
  assert(loss, r.stdout);
  assertMatch(
    loss[3]!,
    /^(fell by less than 0\.01%|did not fall.*); [\d,.]+× the closed-form optimum$/,
  );
});

Deno.test("deno task demo, run from apps/linear-demo, resolves --csv and --plot there", async () => {
  const here = new URL(".", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ dir: here, prefix: ".task-test-" });
  const rel = dir.slice(dir.lastIndexOf("/") + 1);
  try {
    const lines = ["a,y", ...Array.from({ length: 40 }, (_, i) => `${i},${2 * i + 1}`)];
    await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\n"));
    const r = await output(
      new Deno.Command(Deno.execPath(), {
        args: ["task", "demo", "--csv", `${rel}/d.csv`, "--target", "y", "--epochs", "2"]
          .concat(["--workers", "0", "--plot", `${rel}/loss.svg`]),
        cwd: here,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }),
    );
    assertStrictEquals(r.code, 0, r.stderr);
    assert((await Deno.readTextFile(`${dir}/loss.svg`)).startsWith("<svg"));
    assertMatch(r.stdout, new RegExp(`wrote the loss chart to ${dir}/loss\\.svg`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
