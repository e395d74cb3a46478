/**
 * Bootstraps the explorer: language (URL, then localStorage, then the browser), presets, the first
 * trace (from the URL hash or the exercise preset), and mounts every view on the one store.
 * Sets body[data-ready="true"] once the first trace is rendered (the browser tests wait for it).
 */
import { store } from "./state.js";
import { setLang } from "./i18n.js";
import { fetchPresets, ApiError } from "./api.js";
import { Player, bindKeys } from "./player.js";
import { readHash, syncHash, storedLang } from "./url.js";
import { loadTrace } from "./actions.js";
import { mountControls } from "./controls.js";
import { mountTimeline } from "./timeline.js";
import { mountStepPanel } from "./step-panel.js";
import { mountCharts } from "./chart.js";
import { mountTraining } from "./training.js";
import { mountEditor } from "./editor.js";
import { mountDataView } from "./data-view.js";

const DEFAULT_PRESET = "exercise";

function browserLang() {
  return (navigator.language || "en").toLowerCase().startsWith("ru") ? "ru" : "en";
}

/** The graph views live in static/js/graph/; a failure there must not take the rest of the page down. */
async function mountGraphViews() {
  // Literal import() paths: the bundler (scripts/bundle.mjs) takes in only what it can see.
  const views = [
    [() => import("./graph/neuron-view.js"), "mountNeuronView", "#neuron-view"],
    [() => import("./graph/matrix-graph.js"), "mountMatrixGraph", "#matrix-graph"],
  ];
  await Promise.all(views.map(async ([load, name, selector]) => {
    try {
      const module = await load();
      module[name](document.querySelector(selector), store);
    } catch (error) {
      console.warn(`graph view ${selector} unavailable:`, error);
    }
  }));
}

async function loadPresets() {
  try {
    return await fetchPresets();
  } catch (error) {
    const problems = error instanceof ApiError ? error.problems : [{ field: "", message: String(error) }];
    store.set({ status: { error: problems } });
    return [];
  }
}

function firstRequest(presets, wanted) {
  if (wanted.request) return { request: wanted.request, presetId: wanted.presetId };
  const preset = presets.find((p) => p.id === wanted.presetId) ?? presets.find((p) => p.id === DEFAULT_PRESET) ?? presets[0];
  return preset ? { request: preset.request, presetId: preset.id } : null;
}

async function start() {
  const wanted = readHash();
  const lang = setLang(wanted.lang ?? storedLang() ?? browserLang());
  store.set({
    lang,
    view: { mergeD: wanted.mergeD ?? false, decimals: wanted.decimals ?? 3 },
  });
  const presetsLoading = loadPresets(); // in flight while the views mount
  const player = new Player(store);
  mountControls(store, player);
  mountTimeline(document.querySelector("#timeline"), store, player);
  mountStepPanel(document.querySelector("#step-panel"), store);
  mountCharts(document.querySelector("#iteration-chart"), document.querySelector("#train-chart"), store);
  mountTraining(document.querySelector("#train-form"), document.querySelector("#train-result"), store);
  mountEditor(document.querySelector("#editor-form"), store);
  mountDataView(document.querySelector("#data-view"), store);
  bindKeys(player);
  await mountGraphViews();

  const presets = await presetsLoading;
  store.set({ presets });
  const first = firstRequest(presets, wanted);
  if (first) {
    await loadTrace(store, first.request, { presetId: first.presetId, iteration: wanted.iteration ?? 0, stepId: wanted.stepId });
  }
  syncHash(store);
  requestAnimationFrame(() => { document.body.dataset.ready = "true"; });
}

start();
