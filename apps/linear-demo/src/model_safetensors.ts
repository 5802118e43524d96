/**
 * The saved model as a safetensors file, for PyTorch, JAX and NumPy: the
 * layer as a `torch.nn.Linear` state dict (`linear.weight` out×in, i.e. Wᵀ,
 * and `linear.bias`), everything else as JSON strings in its metadata. Both
 * formats hold the same model and load to the same bits.
 *
 * @module
 */
import { decodeSafetensors, encodeSafetensors, SafetensorsError, transpose } from "@matgrad/core";
import { DataError } from "./dataset.ts";
import { checkModel, FORMAT, type SavedModel } from "./model_file.ts";

/** The tensor names, PyTorch's for a module whose `linear` is an `nn.Linear(D, M)`. */
const WEIGHT = "linear.weight", BIAS = "linear.bias";

/**
 * Serializes a model as safetensors. W (D×M) is stored transposed, as
 * `linear.weight` of shape M×D, because that is `torch.nn.Linear.weight`'s
 * layout: `load_state_dict` takes the file as it is. The layer acts on
 * standardized features and targets when the model has scalers, as in the
 * JSON format; the metadata holds them (`x_scale`, `y_scale`: `{"mean": […],
 * "std": […]}` or `null`), with `features`, `targets`, `data` and `split`,
 * each a JSON string, `format: "pt"` for Hugging Face tools and
 * `matgrad.format` naming this layout.
 *
 * @example
 * ```ts
 * import { modelFromSafetensors, modelToSafetensors } from "@matgrad/linear-demo";
 * import { decodeSafetensors, tensor } from "@matgrad/core";
 * import { assertEquals } from "@std/assert";
 *
 * const model = {
 *   features: ["a", "b"], targets: ["y"], xScale: null, yScale: null,
 *   params: { w: tensor([[2], [3]], undefined, "float64"), b: tensor([1], undefined, "float64") },
 *   data: { kind: "cars" as const }, split: { seed: 1, testFraction: 0.2 },
 * };
 * const bytes = modelToSafetensors(model);
 * assertEquals(decodeSafetensors(bytes).tensors["linear.weight"]!.toArray(), [[2, 3]]);
 * assertEquals(modelFromSafetensors(bytes).params.w.data, model.params.w.data);
 * ```
 */
export function modelToSafetensors(model: SavedModel): Uint8Array<ArrayBuffer> {
  return encodeSafetensors(
    { [WEIGHT]: transpose(model.params.w), [BIAS]: model.params.b },
    {
      format: "pt",
      "matgrad.format": FORMAT,
      features: JSON.stringify(model.features),
      targets: JSON.stringify(model.targets),
      x_scale: JSON.stringify(model.xScale),
      y_scale: JSON.stringify(model.yScale),
      data: JSON.stringify(model.data),
      split: JSON.stringify(model.split),
    },
  );
}

/**
 * Parses and checks a model saved by {@linkcode modelToSafetensors}, with the
 * same checks as the JSON format. `linear.weight` and `linear.bias` may be
 * float32, as PyTorch saves them; they are widened to float64 exactly.
 *
 * @throws {DataError} if the bytes are not a safetensors file, or not a model of this layout.
 */
export function modelFromSafetensors(bytes: Uint8Array, source = "the model file"): SavedModel {
  let decoded;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw new DataError(`${source}: ${e.message.replace(/^decodeSafetensors: /, "")}`);
  }
  const { tensors, metadata } = decoded;
  const bad = (what: string) => new DataError(`${source}: ${what}`);
  if (metadata["matgrad.format"] !== FORMAT) {
    throw bad(`not a linear-demo model (expected the metadata "matgrad.format": "${FORMAT}")`);
  }
  const json = (key: string): unknown => {
    const text = metadata[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw bad(`the metadata ${key} is not JSON`);
    }
  };
  const features = json("features"), targets = json("targets");
  if (!Array.isArray(features) || !Array.isArray(targets)) {
    throw bad("the metadata must list the features and the targets (JSON arrays of names)");
  }
  const d = features.length, m = targets.length;
  const weight = tensors[WEIGHT], bias = tensors[BIAS];
  if (weight?.shape.length !== 2 || weight.shape[0] !== m || weight.shape[1] !== d) {
    throw bad(
      `needs a tensor ${WEIGHT} of shape ${m}×${d} (targets × features), got ${
        weight === undefined ? "none" : weight.toString()
      }`,
    );
  }
  if (bias?.shape.length !== 1 || bias.shape[0] !== m) {
    throw bad(`needs a tensor ${BIAS} of shape ${m}, got ${bias?.toString() ?? "none"}`);
  }
  const w = weight.data;
  return checkModel({
    features,
    targets,
    // linear.weight is Wᵀ: row i of W is column i of it.
    weights: Array.from(
      { length: d },
      (_, i) => Array.from({ length: m }, (_, j) => w[j * d + i]!),
    ),
    bias: [...bias.data],
    xScale: json("x_scale"),
    yScale: json("y_scale"),
    data: json("data"),
    split: json("split"),
  }, source);
}
