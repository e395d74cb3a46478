/**
 * What views ask for, turned into commands (commands.js): each helper reads the state, builds one JSON
 * command that carries everything needed to apply it (a new request, never "recompute locally") and
 * dispatches it. Training first asks the API, then dispatches the load of its result.
 */
import { fetchTraining, ApiError } from "./api.js";
import { sameTarget } from "./highlight.js";
import { storeLang } from "./url.js";
import { t } from "./i18n.js";

/** Show `request` as a trace: a `load` command; `fields` are its other fields (presetId, iteration, …). */
export function loadRequest(store, request, fields = {}, options = {}) {
  return store.dispatch({ type: "load", request, ...fields }, options);
}

/** The request of the next iteration: the same network and data, starting from the updated weights. */
export function nextRequest(request, trace) {
  const next = { ...request, weights: trace.updated.W };
  if (trace.spec.bias) next.biases = trace.updated.b;
  return next;
}

/** Run the next forward pass with the weights the update step produced; back to the first step. */
export function nextIteration(store) {
  const { request, trace, presetId, iteration, lossHistory, training } = store.get();
  if (!request || !trace) return Promise.resolve({ ok: false, problems: [] });
  return loadRequest(store, nextRequest(request, trace), {
    reason: "next", presetId, iteration: iteration + 1, lossHistory, training,
  });
}

/** Start a preset from its own request (iteration 0). */
export function choosePreset(store, presetId) {
  const preset = store.get().presets.find((p) => p.id === presetId);
  if (!preset) return Promise.resolve({ ok: false, problems: [] });
  return loadRequest(store, preset.request, { reason: "preset", presetId });
}

/** The request with one number changed: a weight or bias (W2, b1) or a data cell (X, y); null for other ids. */
export function requestWithCell(request, trace, { matrix, row, col, value }) {
  if (!Number.isFinite(value)) return null;
  const param = /^([Wb])(\d+)$/.exec(matrix);
  const copy = (rows) => rows.map((r) => (Array.isArray(r) ? [...r] : r));
  if (param) {
    const k = Number(param[2]) - 1;
    if (param[1] === "W") {
      const weights = copy(request.weights ?? trace.spec.weights).map((m, index) => (index === k ? copy(m) : m));
      if (!weights[k]?.[row] || weights[k][row][col] === undefined) return null;
      weights[k][row][col] = value;
      const next = { ...request, weights };
      if (trace.spec.bias && !next.biases) next.biases = trace.spec.biases;
      return next;
    }
    if (!trace.spec.bias) return null;
    const biases = (request.biases ?? trace.spec.biases).map((b, index) => (index === k ? [...b] : b));
    if (biases[k]?.[col] === undefined) return null;
    biases[k][col] = value;
    return { ...request, weights: request.weights ?? trace.spec.weights, biases };
  }
  if (matrix !== "X" && matrix !== "y") return null;
  const data = copy(request[matrix]);
  if (data[row]?.[col] === undefined) return null;
  data[row][col] = value;
  // keep the weights this trace used, so changing one number changes only that number
  const next = { ...request, [matrix]: data, weights: request.weights ?? trace.spec.weights };
  if (trace.spec.bias) next.biases = request.biases ?? trace.spec.biases;
  return next;
}

/**
 * Change one number of the network or the data and trace again, staying on the current step and iteration.
 * `cell` is {matrix: "W2" | "b1" | "X" | "y", row, col, value}.
 */
export function editCell(store, cell) {
  const { request, trace, iteration, lossHistory, training, stepId } = store.get();
  const next = request && trace ? requestWithCell(request, trace, cell) : null;
  if (!next) return Promise.resolve({ ok: false, problems: [] });
  return loadRequest(store, next, { reason: "edit", presetId: null, iteration, stepId, lossHistory, training });
}

/**
 * Train `epochs` epochs from the current weights on the server, then load the final weights as the
 * next iteration; the loss curve travels in the load command's `training`.
 */
export async function trainEpochs(store, epochs) {
  const { request, presetId, iteration, lossHistory } = store.get();
  if (!request) return { ok: false, problems: [] };
  store.dispatch({ type: "status", status: { loading: true, error: null, training: true } });
  let result;
  try {
    result = await fetchTraining(request, epochs, 0);
  } catch (error) {
    const problems = error instanceof ApiError ? error.problems : [{ field: "", message: String(error.message ?? error) }];
    store.dispatch({ type: "status", status: { loading: false, training: false, error: problems } });
    return { ok: false, problems };
  }
  store.dispatch({ type: "status", status: { training: false } });
  const next = { ...request, weights: result.weights };
  if (result.biases && result.biases.length) next.biases = result.biases;
  // `start` lets a link too short for a long curve carry how to recompute it instead (url.js)
  const training = { epochs: result.epochs, lossHistory: result.loss_history, stoppedAt: result.stopped_at ?? null,
    from: iteration, start: request };
  return loadRequest(store, next, {
    reason: "train", presetId, iteration: iteration + result.epochs, lossHistory, training, warnings: result.warnings ?? [],
  });
}

/**
 * The training result of a restored state: as it is, or — when a link carried only how to recompute a long
 * curve ({start, epochs, replay: true}) — trained again by the server from the same request (training is
 * deterministic), checked to end where it ended before. Returns {training, warning}.
 */
async function restoredTraining(training) {
  if (!training?.replay) return { training, warning: null };
  const rest = { ...training };
  delete rest.replay;
  try {
    const result = await fetchTraining(training.start, training.epochs, 0);
    if (result.epochs !== training.epochs || (result.stopped_at ?? null) !== (training.stoppedAt ?? null)) {
      return { training: null, warning: "share.replayDiffers" };
    }
    return { training: { ...rest, lossHistory: result.loss_history }, warning: null };
  } catch {
    return { training: null, warning: "share.replayFailed" };
  }
}

/**
 * Show a shared state (state.js sharedState's shape, from a link or a state file) exactly: one `load`
 * command with everything in it. `warnings` (texts) are shown with it. Resolves like a load.
 */
export async function restoreState(store, shared, warnings = []) {
  const { training, warning } = await restoredTraining(shared.training);
  const { request, presetId, iteration, stepId, lossHistory, view } = shared;
  return loadRequest(store, request, {
    reason: "restore", presetId: presetId ?? null, iteration: iteration ?? 0, stepId: stepId ?? null,
    lossHistory: lossHistory ?? [], training: training ?? null, view,
    warnings: [...warnings, ...(warning ? [t(warning)] : [])],
  });
}

/** Go to a step by its id (ids are stable across traces of one network; indices are not the wire format). */
export function goToStep(store, stepId) {
  if (stepId && stepId !== store.get().stepId) store.dispatch({ type: "step", stepId });
}

/** Set view options: {mergeD, decimals, showAllRows, dataAfter} (any subset). */
export function setOptions(store, options) {
  store.dispatch({ type: "options", options });
}

/** Switch the language (this page only; a class follower keeps their own), remembered for the next visit. */
export function changeLang(store, lang) {
  store.dispatch({ type: "lang", lang });
  storeLang(store.get().lang);
}

const samePointer = (a, b) => (!a && !b) || sameTarget(a, b);

// The one pair of pointer actions every view uses (tables, data points, neuron view, matrix graph).

/** Point at a cell / row / column / matrix (or null): local, dispatched only when it changes. */
export function hoverTarget(store, target) {
  if (!samePointer(target, store.get().local.hover)) store.dispatch({ type: "hover", target: target ?? null });
}

/** Select a target, or unselect it when it is already the selection: shared (the scalar formula follows it). */
export function toggleSelect(store, target) {
  const current = store.get().view.selected;
  store.dispatch({ type: "select", target: sameTarget(target, current) ? null : target });
}
