import assert from "node:assert/strict";
import { parseCommandLine, UsageError } from "./args.ts";

Deno.test("parseCommandLine: defaults per data set", () => {
  const synth = parseCommandLine([], 2), cars = parseCommandLine(["--data", "cars"], 2);
  assert.ok(synth !== "help" && cars !== "help");
  assert.deepEqual(
    [synth.data, synth.samples, synth.dims, synth.outputs, synth.batchSize, synth.epochs, synth.lr],
    ["synthetic", 8192, 128, 16, 512, 20, 0.02],
  );
  assert.deepEqual([cars.data, cars.batchSize, cars.epochs, cars.lr], ["cars", 32, 100, 0.005]);
  assert.equal(synth.workers, 2);
  assert.equal(synth.dataGiven, false);
  assert.equal(cars.dataGiven, true);
  assert.equal(parseCommandLine(["-h"], 2), "help");
});

Deno.test("parseCommandLine: every bad command line is a UsageError naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--nope"], /^unknown option --nope$/],
    [["extra"], /^unexpected argument "extra"$/],
    [["--lr", "1,5"], /^--lr must be a number, got "1,5"$/],
    [["--lr", "0"], /^--lr must be > 0, got 0$/],
    [["--lr", "Infinity"], /^--lr must be a number/],
    [["--noise=-1"], /^--noise must be ≥ 0, got -1$/],
    [["--samples", "5"], /^--samples must be from 10 to/],
    [["--workers", "-1"], /^option --workers needs a value; write --workers=VALUE/],
    [["--workers=-1"], /^--workers must be a whole number, got "-1"$/],
    [["--optimizer", "rmsprop"], /^--optimizer must be sgd or adam/],
    [["--optimizer", "adam", "--momentum", "0.5"], /^--momentum applies to --optimizer sgd only$/],
    [["--momentum", "1"], /^--momentum must be in \[0, 1\), got 1$/],
    [["--data", "cars", "--csv", "f.csv"], /^use either --data or --csv, not both$/],
    [["--csv", "f.csv"], /^--csv needs --target COL/],
    [["--target", "y"], /^--target applies to --csv data only$/],
    [["--csv", "f.csv", "--target", "a,,b"], /^--target must be a comma-separated list/],
    [["--csv", "f.csv", "--target", "y", "--features", "a,y"], /^column y cannot be both/],
    [["--data", "cars", "--dims", "3"], /^--dims applies to synthetic data only$/],
    [["--save", "a.json", "--load", "b.json"], /^use either --load or --save, not both$/],
    [["--json=yes"], /^option --json does not take an argument/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseCommandLine(args, 2), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      return true;
    });
  }
});
