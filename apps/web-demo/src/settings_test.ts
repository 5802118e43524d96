import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { parseSettings, SettingsError } from "./settings.ts";

const good = {
  dataset: "synthetic",
  workers: "2",
  optimizer: "sgd",
  learningRate: "0.1",
  epochs: "10",
  batchSize: "64",
  seed: "3",
};

Deno.test("parseSettings reads a valid form", () => {
  assertEquals(parseSettings(good, 2), {
    dataset: "synthetic",
    workers: 2,
    optimizer: "sgd",
    learningRate: 0.1,
    epochs: 10,
    batchSize: 64,
    seed: 3,
  });
  assertStrictEquals(parseSettings({ ...good, workers: "0" }, 2).workers, 0);
  assertStrictEquals(parseSettings({ ...good, learningRate: " 1e-3 " }, 2).learningRate, 0.001);
});

Deno.test("parseSettings names the field and the value at fault", () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [
      { learningRate: "-0.1" },
      "learningRate",
      /^Learning rate must be a positive number, got -0.1$/,
    ],
    [{ learningRate: "0" }, "learningRate", /positive number, got 0$/],
    [{ learningRate: "abc" }, "learningRate", /^Learning rate must be a number, got "abc"$/],
    [{ learningRate: "" }, "learningRate", /must be a number, got ""$/],
    [{ learningRate: "Infinity" }, "learningRate", /must be a number/],
    [{ workers: "3" }, "workers", /^Workers must be a whole number from 0 to 2, got 3$/],
    [{ workers: "-1" }, "workers", /from 0 to 2, got -1$/],
    [{ workers: "1.5" }, "workers", /got 1.5$/],
    [{ epochs: "0" }, "epochs", /^Epochs must be a whole number from 1 to 10000, got 0$/],
    [{ seed: "-4" }, "seed", /^Seed must be a whole number from 0 to 4294967295, got -4$/],
    [{ dataset: "iris" }, "dataset", /^Data set must be "synthetic" or "cars", got "iris"$/],
    [{ optimizer: "lbfgs" }, "optimizer", /^Optimizer must be "sgd" or "adam", got "lbfgs"$/],
    [
      { batchSize: "0" },
      "batchSize",
      /^Batch size must be a whole number from 1 to 1000000, got 0$/,
    ],
  ];
  for (const [change, field, message] of cases) {
    {
      const e = assertThrows(() => parseSettings({ ...good, ...change }, 2));
      assertStrictEquals(
        e instanceof SettingsError && e.field === field && message.test(e.message),
        true,
        JSON.stringify(change),
      );
    }
  }
});
