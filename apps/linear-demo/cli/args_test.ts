import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "@std/assert";
import { parseCommandLine, UsageError } from "./args.ts";

Deno.test("parseCommandLine: defaults per data set", () => {
  const synth = parseCommandLine([], 2), cars = parseCommandLine(["--data", "cars"], 2);
  assert(synth !== "help" && cars !== "help");
  assertEquals(
    [synth.data, synth.samples, synth.dims, synth.outputs, synth.batchSize, synth.epochs, synth.lr],
    ["synthetic", 8192, 128, 16, 512, 20, 0.02],
  );
  assertEquals([cars.data, cars.batchSize, cars.epochs, cars.lr], ["cars", 32, 100, 0.005]);
  assertStrictEquals(synth.workers, 2);
  assertStrictEquals(synth.dataGiven, false);
  assertStrictEquals(cars.dataGiven, true);
  assertStrictEquals(parseCommandLine(["-h"], 2), "help");
});

Deno.test("parseCommandLine: every bad command line is a UsageError naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--nope"], /^unknown option --nope$/],
    [["extra"], /^unexpected argument "extra"$/],
    [["--lr", "1,5"], /^--lr must be a number, got "1,5"$/],
    [["--lr", "0"], /^--lr must be > 0, got 0$/],
    [["--lr", "-0.5"], /^--lr must be > 0, got -0\.5$/],
    [["--lr", "Infinity"], /^--lr must be a number, got "Infinity"$/],
    [["--lr", "1e400"], /^--lr must be a finite number, got 1e400$/],
    [["--noise=-1"], /^--noise must be ≥ 0, got -1$/],
    [["--noise", "-1"], /^--noise must be ≥ 0, got -1$/],
    [["--samples", "5"], /^--samples must be a whole number ≥ 10, got 5$/],
    [["--samples", "20000000"], /^--samples must be at most 10000000, got 20000000$/],
    [["--epochs", "-3"], /^--epochs must be a positive whole number, got -3$/],
    [["--epochs=-3"], /^--epochs must be a positive whole number, got -3$/],
    [["--epochs", "0"], /^--epochs must be a positive whole number, got 0$/],
    [["--epochs", "2.5"], /^--epochs must be a positive whole number, got 2\.5$/],
    [["--epochs", "many"], /^--epochs must be a positive whole number, got "many"$/],
    [["--batch", "-1e3"], /^--batch must be a positive whole number, got -1e3$/],
    [["--workers", "-1"], /^--workers must be a whole number ≥ 0, got -1$/],
    [["--workers=-1"], /^--workers must be a whole number ≥ 0, got -1$/],
    [["--seed", "-.5"], /^--seed must be a whole number ≥ 0, got -\.5$/],
    [["--momentum", "-0.1"], /^--momentum must be in \[0, 1\), got -0\.1$/],
    [["--csv", "-f.csv"], /^option --csv needs a value; write --csv=VALUE/],
    [["--epochs", "x".repeat(1000)], /^--epochs must be a positive whole number, got "x{40}…"$/],
    [["--load", "m.json", "--plot", "p.svg"], /^--plot charts a training run; --load trains/],
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
    {
      const e = assertThrows(() => parseCommandLine(args, 2));
      assert(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assertMatch(e.message, message, args.join(" "));
    }
  }
});

Deno.test("parseCommandLine: relative file names resolve against cwd, or --cwd", () => {
  const paths = (args: string[], cwd?: string) => {
    const c = parseCommandLine(args, 2, cwd);
    assert(c !== "help");
    return [c.csv, c.plot, c.save];
  };
  const args = ["--csv", "d.csv", "--target", "y", "--plot", "out/p.svg", "--save", "/abs/m.json"];
  assertEquals(paths(args, "/home/u"), ["/home/u/d.csv", "/home/u/out/p.svg", "/abs/m.json"]);
  assertEquals(paths([...args, "--cwd", "/data"], "/home/u"), [
    "/data/d.csv",
    "/data/out/p.svg",
    "/abs/m.json",
  ]);
  assertEquals(paths([...args, "--cwd", "sub"], "/home/u")[0], "/home/u/sub/d.csv");
  // An empty --cwd (a task line's "$INIT_CWD" with INIT_CWD unset) is no --cwd.
  assertEquals(paths([...args, "--cwd", ""], "/home/u")[0], "/home/u/d.csv");
  // Without a directory, names stay as written (relative to the process's own).
  assertEquals(paths(args), ["d.csv", "out/p.svg", "/abs/m.json"]);
  const load = parseCommandLine(["--load", "m.json", "--cwd", "/x"], 2);
  assert(load !== "help" && load.load === "/x/m.json");
});
