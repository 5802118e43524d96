import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { decodeSafetensors, encodeSafetensors, tensor } from "@matgrad/core";
import { DataError } from "./dataset.ts";
import { modelFromJson, modelToJson, type SavedModel } from "./model_file.ts";
import { modelFromSafetensors, modelToSafetensors } from "./model_safetensors.ts";

const MODEL: SavedModel = {
  features: ["a", "b", "c"],
  targets: ["y", "z"],
  params: {
    w: tensor([[0.1, -0.2], [0.3, 0.4], [1 / 3, 2 / 3]], undefined, "float64"),
    b: tensor([0.5, -1e-17], undefined, "float64"),
  },
  xScale: { mean: [1, 2, 3], std: [0.5, 1, 2] },
  yScale: { mean: [10, 20], std: [Math.PI, Math.E] },
  data: { kind: "csv", file: "d.csv", targets: ["y", "z"] },
  split: { seed: 7, testFraction: 0.25 },
};

Deno.test("safetensors model: loads to the same model as the JSON format, bit for bit", () => {
  const fromJson = modelFromJson(modelToJson(MODEL));
  const fromSafetensors = modelFromSafetensors(modelToSafetensors(MODEL));
  assertEquals(fromSafetensors, fromJson);
  assertEquals(fromSafetensors.params.w.data, MODEL.params.w.data);
});

Deno.test("safetensors model: nn.Linear's layout, linear.weight M×D = Wᵀ, with metadata", () => {
  const { tensors, metadata } = decodeSafetensors(modelToSafetensors(MODEL));
  assertEquals(Object.keys(tensors).sort(), ["linear.bias", "linear.weight"]);
  assertEquals(tensors["linear.weight"]!.toArray(), [[0.1, 0.3, 1 / 3], [-0.2, 0.4, 2 / 3]]);
  assertEquals(tensors["linear.bias"]!.toArray(), [0.5, -1e-17]);
  assertStrictEquals(metadata.format, "pt");
  assertStrictEquals(metadata["matgrad.format"], "matgrad-linear-demo/1");
  assertEquals(JSON.parse(metadata.x_scale!), MODEL.xScale);
  assertEquals(JSON.parse(metadata.features!), MODEL.features);
});

Deno.test("safetensors model: float32 weights, as PyTorch saves them, are widened exactly", () => {
  const { metadata } = decodeSafetensors(modelToSafetensors(MODEL));
  const bytes = encodeSafetensors({
    "linear.weight": tensor([[0.1, 0.3, 0.5], [-0.2, 0.4, 0.6]], undefined, "float32"),
    "linear.bias": tensor([0.5, 0.25], undefined, "float32"),
  }, { ...metadata });
  const model = modelFromSafetensors(bytes);
  assertStrictEquals(model.params.w.dtype, "float64");
  assertEquals(
    [...model.params.w.data],
    [0.1, -0.2, 0.3, 0.4, 0.5, 0.6].map((v) => Math.fround(v)),
  );
});

Deno.test("safetensors model: files it cannot use are DataErrors naming the file", () => {
  const { tensors, metadata } = decodeSafetensors(modelToSafetensors(MODEL));
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(4), /^m\.safetensors: the file is 4 bytes long/],
    [
      encodeSafetensors(tensors),
      /not a linear-demo model \(expected the metadata "matgrad\.format"/,
    ],
    [
      encodeSafetensors(tensors, { ...metadata, features: "[a" }),
      /the metadata features is not JSON/,
    ],
    [
      encodeSafetensors(tensors, { ...metadata, features: '["a","b"]' }),
      /needs a tensor linear\.weight of shape 2×2 \(targets × features\), got Tensor\(float64, 2×3\)/,
    ],
    [
      encodeSafetensors({ "linear.weight": tensors["linear.weight"]! }, metadata),
      /needs a tensor linear\.bias of shape 2, got none/,
    ],
    [
      encodeSafetensors(tensors, { ...metadata, x_scale: '{"mean":[1]}' }),
      /xScale must have mean and std lists of 3 numbers/,
    ],
  ];
  for (const [bytes, message] of cases) {
    {
      const e = assertThrows(() => modelFromSafetensors(bytes, "m.safetensors"));
      assertStrictEquals(e instanceof DataError && message.test(e.message), true, String(message));
    }
  }
});
