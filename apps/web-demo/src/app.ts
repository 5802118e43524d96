/// <reference lib="dom" />
/**
 * The page's script (bundled into dist/app.js): wires the form, the Train and
 * Stop buttons, the live chart and the metrics to a training run in a
 * dedicated worker (`train_worker.ts`). The page only draws, so it stays
 * responsive, and the pool may block that worker while its own finish.
 *
 * @module
 */
import { LossChart } from "./chart.ts";
import {
  cliDefaults,
  type DatasetName,
  type OptimizerName,
  parseSettings,
  SettingsError,
} from "./settings.ts";
import type { EpochProgress, TrainResult } from "./training.ts";
import type { FromTrainer, ToTrainer } from "./train_worker.ts";

/** What the page exposes on `window.matgradDemo` for tests and the console. */
export interface DemoHandle {
  /** The last finished (or stopped) run, `undefined` before the first. */
  lastResult?: TrainResult;
  /** The last error shown on the page. */
  lastError?: string;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`web-demo: the page has no #${id}`);
  return el;
}

const form = $("settings") as HTMLFormElement;
const trainButton = $("train") as HTMLButtonElement;
const stopButton = $("stop") as HTMLButtonElement;
const errorBox = $("error");
const state = $("state");
const handle: DemoHandle = {};
(globalThis as unknown as { matgradDemo: DemoHandle }).matgradDemo = handle;

const cores = navigator.hardwareConcurrency || 1;
const sharedMemory = typeof SharedArrayBuffer === "function";

type State = "idle" | "running" | "done" | "stopped" | "error";

function setState(name: State, text: string = name): void {
  state.dataset.state = name;
  state.textContent = text;
}

function showError(message: string): void {
  handle.lastError = message;
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (e instanceof ErrorEvent) return e.message || "a worker failed to start";
  return String(e);
}

function setFormEnabled(enabled: boolean): void {
  for (const el of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) {
    el.disabled = !enabled;
  }
  trainButton.disabled = !enabled;
  stopButton.disabled = enabled;
}

function showIsolation(): void {
  const note = $("isolation");
  if (crossOriginIsolated && sharedMemory) {
    note.textContent = "Cross-origin isolated: SharedArrayBuffer is available, so the " +
      "training worker and the pool's workers share every op of a step in shared memory.";
    note.className = "note";
  } else {
    note.textContent = "Not cross-origin isolated (no COOP/COEP headers): SharedArrayBuffer is " +
      "unavailable, so runs train on one thread (the training worker) instead.";
    note.className = "note warn";
  }
  const workers = form.elements.namedItem("workers") as HTMLInputElement;
  // The training worker computes a share of every op: one pool worker per other core.
  workers.value = String(Math.max(1, cores - 1));
  workers.max = String(cores);
  if (Number(workers.value) > cores) workers.value = String(cores);
  $("workers-range").textContent = `(0–${cores})`;
}

function showResult(result: TrainResult): void {
  const body = $("metrics");
  body.replaceChildren();
  for (const [label, value] of result.metrics) {
    const row = document.createElement("tr");
    const th = document.createElement("th");
    const td = document.createElement("td");
    th.textContent = label;
    td.textContent = value;
    row.append(th, td);
    body.append(row);
  }
  $("results").hidden = false;
}

let carsRecords: Promise<unknown> | undefined;

/** vega-datasets' cars.json, copied next to the page by the build; fetched once. */
function loadCars(): Promise<unknown> {
  carsRecords ??= fetch("cars.json").then((res) => {
    if (!res.ok) throw new Error(`could not load cars.json: HTTP ${res.status}`);
    return res.json();
  }).catch((e) => {
    carsRecords = undefined; // let the next Train retry
    throw e;
  });
  return carsRecords;
}

const chart = new LossChart($("chart"));
let controller: AbortController | undefined;

/** One run in a fresh training worker: its epochs as they come, then its result. */
function trainInWorker(
  settings: ToTrainer & { type: "train" },
  signal: AbortSignal,
  onEpoch: (p: EpochProgress) => void,
): Promise<TrainResult> {
  const worker = new Worker("train_worker.js", { type: "module", name: "matgrad-training" });
  return new Promise<TrainResult>((resolve, reject) => {
    const stop = () => worker.postMessage({ type: "stop" } satisfies ToTrainer);
    signal.addEventListener("abort", stop);
    worker.addEventListener("message", (event: MessageEvent<FromTrainer>) => {
      const m = event.data;
      if (m.type === "epoch") onEpoch(m.progress);
      else if (m.type === "done") resolve(m.result);
      else reject(new Error(m.message));
    });
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      reject(new Error(event.message || "the training worker failed to start"));
    });
    worker.postMessage(settings);
  }).finally(() => worker.terminate());
}

async function run(): Promise<void> {
  clearError();
  const raw: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) raw[key] = String(value);
  let settings;
  try {
    settings = parseSettings(raw, cores);
  } catch (e) {
    if (e instanceof SettingsError) {
      const field = form.elements.namedItem(e.field);
      if (field instanceof Element) field.setAttribute("aria-invalid", "true");
    }
    showError(describe(e));
    setState("error");
    return;
  }
  controller = new AbortController();
  setFormEnabled(false);
  setState("running", "training…");
  chart.reset();
  $("results").hidden = true;
  $("fallback").hidden = true;
  for (const id of ["epoch", "loss", "rate"]) $(id).textContent = "–";
  try {
    const cars = settings.dataset === "cars" ? await loadCars() : undefined;
    const result = await trainInWorker(
      { type: "train", settings, ...(cars === undefined ? {} : { cars }) },
      controller.signal,
      (p) => {
        $("epoch").textContent = `${p.epoch} / ${settings!.epochs}`;
        $("loss").textContent = p.loss.toPrecision(6);
        $("rate").textContent = Math.round(p.samplesPerSecond).toLocaleString("en-US");
        chart.push(p.epoch, p.loss, p.testLoss);
      },
    );
    handle.lastResult = result;
    showResult(result);
    if (result.fallback) {
      $("fallback").textContent = `This run: ${result.fallback}.`;
      $("fallback").hidden = false;
    }
    setState(result.stopped ? "stopped" : "done");
  } catch (e) {
    showError(`Training failed: ${describe(e)}`);
    setState("error");
  } finally {
    controller = undefined;
    setFormEnabled(true);
  }
}

/** Puts the CLI's defaults for the chosen data set and optimizer into the form. */
function applyDefaults(): void {
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const d = cliDefaults(
    field("dataset").value as DatasetName,
    field("optimizer").value as OptimizerName,
  );
  field("learningRate").value = String(d.learningRate);
  field("epochs").value = String(d.epochs);
  field("batchSize").value = String(d.batchSize);
}

for (const name of ["dataset", "optimizer"]) {
  (form.elements.namedItem(name) as HTMLSelectElement).addEventListener("change", applyDefaults);
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!controller) void run();
});
stopButton.addEventListener("click", () => controller?.abort());
addEventListener(
  "error",
  (event) => showError(`Unexpected error: ${describe(event.error ?? event)}`),
);
addEventListener("unhandledrejection", (event) => {
  showError(`Unexpected error: ${describe(event.reason)}`);
});

showIsolation();
setFormEnabled(true);
setState("idle");
