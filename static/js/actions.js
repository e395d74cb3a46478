/**
 * What the page does that goes beyond one view: load a trace, follow with the next iteration,
 * train N epochs, switch preset or language. Views call these; these talk to the API and the store.
 */
import { fetchTrace, fetchTraining, ApiError } from "./api.js";
import { setLang, toNumber } from "./i18n.js";
import { storeLang } from "./url.js";

function problemsOf(error) {
  return error instanceof ApiError ? error.problems : [{ field: "", message: String(error.message ?? error) }];
}

// Only the answer to the latest request is shown: a quick second click (another preset) wins over a
// slower first answer that arrives after it.
let latestLoad = 0;

/**
 * POST `request` to /api/trace and show the answer. Options: presetId, iteration, stepId (keep the
 * learner on that step when the new trace has it), history (the loss-per-iteration list to keep),
 * warnings (shown with the trace's own, e.g. from training).
 * Returns {ok: true} or {ok: false, problems}; problems also land in state.status.error unless `quiet`
 * (the editor shows them next to its fields instead). A superseded load returns {ok: false, stale: true}.
 */
export async function loadTrace(store, request, { presetId = null, iteration = 0, stepId = null, history = [], warnings = [], quiet = false } = {}) {
  const load = ++latestLoad;
  store.set({ status: { loading: true, error: null } });
  try {
    const trace = await fetchTrace(request);
    if (load !== latestLoad) return { ok: false, stale: true, problems: [] };
    const found = stepId ? trace.steps.findIndex((step) => step.id === stepId) : -1;
    const loss = toNumber(trace.forward.loss);
    store.set({
      request, trace, presetId, iteration,
      stepIndex: Math.max(0, found),
      lossHistory: [...history.filter((point) => point.iteration < iteration), { iteration, loss }],
      view: { selected: null, hover: null },
      status: { loading: false, error: null, warnings: [...warnings, ...(trace.warnings ?? [])] },
    });
    return { ok: true };
  } catch (error) {
    if (load !== latestLoad) return { ok: false, stale: true, problems: [] };
    const problems = problemsOf(error);
    store.set({ status: { loading: false, error: quiet ? null : problems } });
    return { ok: false, problems };
  }
}

/** The request of the next iteration: the same network and data, starting from the updated weights. */
export function nextRequest(request, trace) {
  const next = { ...request, weights: trace.updated.W };
  if (trace.spec.bias) next.biases = trace.updated.b;
  return next;
}

/** Run the next forward pass with the weights the update step produced; back to the first step. */
export function nextIteration(store) {
  const { request, trace, presetId, iteration, lossHistory } = store.get();
  if (!request || !trace) return Promise.resolve({ ok: false, problems: [] });
  return loadTrace(store, nextRequest(request, trace), { presetId, iteration: iteration + 1, history: lossHistory });
}

/** Start a preset from its own request (iteration 0). */
export function choosePreset(store, presetId) {
  const preset = store.get().presets.find((p) => p.id === presetId);
  if (!preset) return Promise.resolve({ ok: false, problems: [] });
  store.set({ training: null });
  return loadTrace(store, preset.request, { presetId });
}

/**
 * Train `epochs` epochs from the current weights on the server, then load the final weights as the
 * next iteration. state.training keeps the loss curve for the chart.
 */
export async function trainEpochs(store, epochs) {
  const { request, presetId, iteration, lossHistory } = store.get();
  if (!request) return { ok: false, problems: [] };
  store.set({ status: { loading: true, error: null }, training: { running: true } });
  try {
    const result = await fetchTraining(request, epochs, 0);
    const training = { running: false, epochs: result.epochs, lossHistory: result.loss_history,
      stoppedAt: result.stopped_at, from: iteration };
    store.set({ training });
    const next = { ...request, weights: result.weights };
    if (result.biases && result.biases.length) next.biases = result.biases;
    return loadTrace(store, next, {
      presetId, iteration: iteration + result.epochs, history: lossHistory, warnings: result.warnings ?? [],
    });
  } catch (error) {
    const problems = problemsOf(error);
    store.set({ training: null, status: { loading: false, error: problems } });
    return { ok: false, problems };
  }
}

/** Switch the language: messages first (so every view re-renders in it), then the store; remembered. */
export function changeLang(store, lang) {
  const chosen = setLang(lang);
  storeLang(chosen);
  store.set({ lang: chosen });
}
