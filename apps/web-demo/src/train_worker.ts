/**
 * The page's training thread (bundled into dist/train_worker.js): runs
 * {@linkcode train} off the page's main thread, where the pool may block
 * while its workers finish each op and the page stays responsive. The page
 * posts `{ type: "train", settings, cars }` and `{ type: "stop" }`; this
 * posts `{ type: "epoch", progress }`, then `{ type: "done", result }` or
 * `{ type: "error", message }`.
 *
 * @module
 */
import type { Settings } from "./settings.ts";
import { type EpochProgress, train, type TrainResult } from "./training.ts";

/** Messages from the page. */
export type ToTrainer =
  | { readonly type: "train"; readonly settings: Settings; readonly cars?: unknown }
  | { readonly type: "stop" };

/** Messages to the page. */
export type FromTrainer =
  | { readonly type: "epoch"; readonly progress: EpochProgress }
  | { readonly type: "done"; readonly result: TrainResult }
  | { readonly type: "error"; readonly message: string };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ToTrainer>) => void) | null;
  postMessage(message: FromTrainer): void;
};

let controller: AbortController | undefined;

scope.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "stop") {
    controller?.abort();
    return;
  }
  controller = new AbortController();
  try {
    const result = await train(message.settings, {
      ...(message.cars === undefined ? {} : { cars: message.cars }),
      signal: controller.signal,
      onEpoch: (progress) => scope.postMessage({ type: "epoch", progress }),
    });
    scope.postMessage({ type: "done", result });
  } catch (e) {
    scope.postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
  } finally {
    controller = undefined;
  }
};
