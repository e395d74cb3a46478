/**
 * Bootstraps the explorer: language (URL, then localStorage, then the browser), presets, the first
 * trace (from the URL hash or the exercise preset), and mounts every view on the one store.
 * Sets body[data-ready="true"] once the first trace is rendered (the browser tests wait for it).
 */
import { createStore, sharedState } from "./store/state.js";
import { readCoreOptions, useCoreOptions } from "./lib/core-options.js";
import { setLang, t } from "./i18n/i18n.js";
import { fetchPresets, ApiError } from "./store/api.js";
import { Player, bindKeys } from "./explorer/player.js";
import { readHash, syncHash, storedLang, sharedFromHash } from "./store/url.js";
import { restoreState } from "./store/actions.js";
import { mountShare } from "./tools/share.js";
import { mountControls } from "./explorer/controls.js";
import { mountTimeline } from "./explorer/timeline.js";
import { mountStepPanel } from "./explorer/step-panel.js";
import { mountCharts } from "./explorer/chart.js";
import { mountTraining } from "./explorer/training.js";
import { mountEditor } from "./explorer/editor.js";
import { mountDataView } from "./explorer/data-view.js";
import { mountGradcheck } from "./tools/gradcheck.js";
import { mountExports } from "./tools/exports.js";
import { Classroom } from "./classroom/classroom.js";
import { mountClassroom } from "./classroom/view.js";
import { labelStartButton, takeKeyFromUrl } from "./classroom/teacher-key.js";
import { mountVariantControls, withVariantRequest } from "./tools/variants.js";
import { mountVariantPrint } from "./tools/variant-print.js";

const DEFAULT_PRESET = "exercise";

// The core options, read from the page once and handed on: to the store (and through it the commands, the
// shared view and the link), and to the views.
const core = readCoreOptions(document.body);
useCoreOptions(core);
/** The page's single store (views receive it as an argument; the browser tests import it from here). */
export const store = createStore(core);

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
    store.dispatch({ type: "status", status: { error: problems } });
    return [];
  }
}

/** The shared state to start from: the link's, else its preset, else the default preset; and what to say about it. */
function firstState(presets, wanted) {
  const warnings = [];
  if (wanted.damaged) warnings.push(t("share.damaged"));
  if (wanted.tooLong) warnings.push(t("share.linkTooLong"));
  if (!wanted.state && wanted.iteration) warnings.push(t("share.linkIncomplete", { n: wanted.iteration + 1 }));
  const shared = sharedFromHash(wanted, presets);
  if (shared) return { shared, warnings };
  const preset = presets.find((p) => p.id === DEFAULT_PRESET) ?? presets[0];
  if (!preset) return null;
  const fallback = { request: preset.request, presetId: preset.id, iteration: 0, stepId: wanted.stepId, lossHistory: [],
    training: null, view: wanted.view };
  return { shared: fallback, warnings };
}

async function start() {
  takeKeyFromUrl(); // first: the teacher key leaves the address before anything reads or shares it
  labelStartButton(document.querySelector("[data-testid=class-start]"));
  const presetsLoading = loadPresets(); // in flight while the hash is read and the views mount
  const wanted = await readHash(location.hash, core);
  store.dispatch({ type: "lang", lang: setLang(wanted.lang ?? storedLang() ?? browserLang()) });
  const player = new Player(store);
  mountControls(store, player);
  mountTimeline(document.querySelector("#timeline"), store, player);
  mountStepPanel(document.querySelector("#step-panel"), store);
  mountCharts(document.querySelector("#iteration-chart"), document.querySelector("#train-chart"), store);
  mountTraining(document.querySelector("#train-form"), document.querySelector("#train-result"), store);
  mountEditor(document.querySelector("#editor-form"), store);
  mountDataView(document.querySelector("#data-view"), store);
  mountExports(document.querySelector("#export-box"), document.querySelector("#handout"), store);
  mountVariantControls(document.querySelector("#variant-controls"), store);
  mountVariantPrint(document.querySelector("#variants-box"), document.querySelector("#variant-sheets"), store);
  mountGradcheck(document.querySelector("#gradcheck-box"), store);
  const share = mountShare(document.querySelector("#share"), store);
  const classroom = new Classroom(store);
  mountClassroom(document.querySelector("#class-bar"), document.querySelector("[data-testid=class-start]"), classroom, store);
  bindKeys(player);
  await mountGraphViews();

  const presets = await presetsLoading;
  store.dispatch({ type: "presets", presets });
  const first = await withVariantRequest(firstState(presets, wanted), wanted);
  if (first) await restoreState(store, first.shared, first.warnings, { origin: "link" }, { variant: first.variant });
  syncHash(store, sharedState, share.linkWritten);
  classroom.resume(location.pathname); // a presenter's reload keeps the room; /join/CODE follows that class
  // a link pasted into this tab changes only the hash (no reload): open it all the same
  window.addEventListener("hashchange", async () => {
    const pasted = await readHash(location.hash, core);
    if (pasted.lang && pasted.lang !== store.get().lang) store.dispatch({ type: "lang", lang: pasted.lang });
    const next = await withVariantRequest(firstState(store.get().presets, pasted), pasted);
    if (next) await restoreState(store, next.shared, next.warnings, { origin: "link" }, { variant: next.variant });
  });
  requestAnimationFrame(() => { document.body.dataset.ready = "true"; });
}

start();
