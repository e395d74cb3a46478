/**
 * What views ask for, turned into commands (commands.js): each helper reads the state, builds one JSON
 * command that carries everything needed to apply it (a new request, never "recompute locally") and
 * dispatches it. Training asks the API chunk by chunk, then dispatches the load of the weights it reached.
 */
import { ApiError } from "./api.js";
import { chunkSize, trainInChunks, replayEpochs } from "./train-chunks.js";
import { sameTarget } from "../lib/highlight.js";
import { storeLang } from "./url.js";
import { t, toNumber } from "../i18n/i18n.js";
import { restoreCommand } from "./commands.js";
import { sharedState } from "./shared-view.js";

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
  const { request, trace, presetId, iteration, variant, ownNumbers } = store.get();
  if (!request || !trace) return Promise.resolve({ ok: false, problems: [] });
  const fields = { reason: "next", presetId, iteration: iteration + 1, continues: true, ...(variant ? { variant } : {}),
    ...(ownNumbers ? { ownNumbers } : {}) };
  return loadRequest(store, nextRequest(request, trace), fields);
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
 * `cell` is {matrix: "W2" | "b1" | "X" | "y", row, col, value}; options as for `load` ({quiet}).
 */
export function editCell(store, cell, options = {}) {
  const { request, trace, iteration, stepId, editsOff } = store.get();
  const next = request && trace && !editsOff ? requestWithCell(request, trace, cell) : null;
  if (!next) return Promise.resolve({ ok: false, problems: [] });
  return loadRequest(store, next, { reason: "edit", presetId: null, iteration, stepId, continues: true }, options);
}

/** The loss history with a training run's curve folded in (iteration from + e for epoch e), for the next run. */
export function withTrainingCurve(lossHistory, training) {
  if (!training?.lossHistory) return lossHistory;
  const byIteration = new Map(lossHistory.map((point) => [point.iteration, point]));
  training.lossHistory.forEach((loss, epoch) => {
    if (epoch <= training.epochs) byIteration.set(training.from + epoch, { iteration: training.from + epoch, loss: toNumber(loss) });
  });
  return [...byIteration.values()].sort((a, b) => a.iteration - b.iteration);
}

const lastFinite = (curve) => [...curve].reverse().map(toNumber).find(Number.isFinite) ?? null;

/**
 * Train `epochs` epochs from the current weights in chunks (train-chunks.js). While it runs, status.training
 * holds the progress {done, total, loss, cancelling, from, curve}: the charts draw the curve from it as it
 * grows (a local status update per chunk; loading and redrawing every view per chunk would cost far more than
 * the training). When the run ends — all epochs, cancelTraining after the current chunk, or a non-finite loss
 * (the weights before it are kept) — one `restore` brings the shared state it reached: the weights reached as
 * the iteration they reached, the curve in `training`, the previous run's curve folded into the loss history
 * (a class shares that state whole, never as a command that grows with the run). A load from elsewhere
 * (another preset) while it runs ends it without loading.
 */
export async function trainEpochs(store, epochs) {
  const { request, presetId, iteration: from, lossHistory, training: previous, trace, editsOff } = store.get();
  if (!request || editsOff) return { ok: false, problems: [] };
  const chunk = chunkSize(epochs);
  const progress = (done, loss, curve, cancelling = false) => ({ done, total: epochs, loss, cancelling, from, curve });
  store.dispatch({ type: "status", status: { error: null, training: progress(0, toNumber(trace?.forward.loss), []) } });
  let outcome = { ok: true };
  try {
    const run = await trainInChunks(request, epochs, chunk, async (step) => {
      const now = store.get();
      if (now.request !== request || now.status.training?.cancelling) return false;
      store.dispatch({ type: "status", status: { training: progress(step.done, lastFinite(step.curve), step.curve) } });
      return true;
    });
    const superseded = store.get().request !== request;
    if (!superseded && run.curve.length) {
      const cancelled = run.done < epochs && run.stoppedAt === null;
      const training = { epochs: run.done, requested: epochs, chunk, lossHistory: run.curve, stoppedAt: run.stoppedAt,
        cancelled, from, start: request };
      const now = sharedState(store.get());
      const reached = { ...now, request: run.request, presetId, iteration: from + run.done, stepId: null,
        lossHistory: withTrainingCurve(lossHistory, previous), training, view: { ...now.view, selected: null } };
      const { variant } = store.get(); // a trained variant is still that variant, further on
      outcome = await store.dispatch(restoreCommand(reached, { reason: "train", ...(variant ? { variant } : {}) }));
    }
  } catch (error) {
    const problems = error instanceof ApiError ? error.problems : [{ field: "", message: String(error.message ?? error) }];
    store.dispatch({ type: "status", status: { error: problems } });
    outcome = { ok: false, problems };
  }
  store.dispatch({ type: "status", status: { training: false } });
  return outcome;
}

/** Stop the running training after its current chunk (what it trained so far stays loaded). */
export function cancelTraining(store) {
  const running = store.get().status.training;
  if (running && !running.cancelling) store.dispatch({ type: "status", status: { training: { ...running, cancelling: true } } });
}

/**
 * The training result of a restored state: as it is, or — when a link carried only how to recompute a long
 * curve ({start, epochs, chunk, replay: true}) — trained again by the server from the same request in the
 * same chunks (training is deterministic), checked to end where it ended before. Returns {training, warning}.
 */
async function restoredTraining(training) {
  if (!training?.replay) return { training, warning: null };
  const rest = { ...training };
  delete rest.replay;
  try {
    const run = await trainInChunks(training.start, replayEpochs(training), training.chunk ?? training.epochs);
    if (run.done !== training.epochs || run.stoppedAt !== (training.stoppedAt ?? null)) {
      return { training: null, warning: "share.replayDiffers" };
    }
    return { training: { ...rest, lossHistory: run.curve }, warning: null };
  } catch {
    return { training: null, warning: "share.replayFailed" };
  }
}

/**
 * Show a shared state (state.js sharedState's shape, from a link, a state file or a class) exactly: one
 * `restore` command with everything in it (a training curve a link left out is trained again first).
 * `warnings` (texts) are shown with it; `options` go to dispatch ({origin}). Resolves like a load.
 */
export async function restoreState(store, shared, warnings = [], options = {}, student = {}) {
  const { training, warning } = await restoredTraining(shared.training);
  const state = { ...shared, training: training ?? null };
  const said = [...warnings, ...(warning ? [t(warning)] : [])];
  const variant = student.variant ? { variant: student.variant } : {}; // a link's or a state file's own variant
  return store.dispatch(restoreCommand(state, { reason: "restore", warnings: said, ...variant }), options);
}

/** Go to a step by its id (ids are stable across traces of one network; indices are not the wire format). */
export function goToStep(store, stepId) {
  if (stepId && stepId !== store.get().stepId) store.dispatch({ type: "step", stepId });
}

/**
 * The learner's hand calculation (local): "open" / "close" the inputs, or for step `stepId` "enter" (keep the
 * typed `entries`, {"row,col": text}), "check", "reveal" the answer, "skip" (predict first) or "retry".
 */
export function handcalcAction(store, action, { stepId, entries } = {}) {
  const command = { type: "handcalc", action };
  if (stepId) command.stepId = stepId;
  if (entries) command.entries = entries;
  return store.dispatch(command);
}

/** Set view options: {mergeD, decimals, showAllRows, dataAfter, predictFirst} (any subset). */
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

/** Compare the backward pass's gradients with central differences for the current request (local). */
export function checkGradients(store) {
  return store.dispatch({ type: "gradcheck" });
}
