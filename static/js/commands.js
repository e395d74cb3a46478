/**
 * Every way the page's state changes, as a command: a plain JSON object `{type, ...fields}` (the list with
 * each shape: docs/contract.md, "Commands"). `store.dispatch(command)` (state.js) checks one and applies it.
 *
 * Shared commands change what a class follower mirrors (and what a link restores): network, data, weights,
 * step, iteration, history, view options, selection. Each carries everything needed to apply it the same way
 * on another page — a new network or weights arrive as the request to trace, never as "recompute locally".
 * Local commands (hover, playing, speed, language, presets, status, editor draft, gradient check) stay on this page.
 *
 * A command is either `apply(state, command) → patch` (synchronous, pure) or `run(store, command, options)`
 * (may wait for the API; store here is {get, set, applied}: `set` shows an intermediate state such as "loading",
 * `applied(patch)` is the command's effect, after which the store tells its onCommand listeners — once, and not
 * at all when the command ends up changing nothing, like a failed or superseded load).
 */
import { fetchTrace, ApiError } from "./api.js";
import { LANGS, setLang, toNumber } from "./i18n.js";
import { nearestVisible } from "./matrices.js";
import { DECIMALS } from "./core-options.js";
import { nextRecord } from "./handcalc.js";

const SPEEDS = [0.5, 1, 2, 4];

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isIndex = (value) => Number.isInteger(value) && value >= 0;
const orNull = (check) => (value) => value === null || value === undefined || check(value);

/** A cell, row, column or whole matrix: {matrix: "W2", row: 0, col: 1}; row / col null for a whole line. */
export function isTarget(value) {
  return isObject(value) && typeof value.matrix === "string" && orNull(isIndex)(value.row) && orNull(isIndex)(value.col);
}

const isHistory = (value) => Array.isArray(value) && value.every((p) => isObject(p) && isIndex(p.iteration));
const isTraining = (value) => isObject(value) && isIndex(value.epochs) && Array.isArray(value.lossHistory) && isIndex(value.from);

const OPTION_RULES = {
  mergeD: [(v) => typeof v === "boolean", "true or false"],
  decimals: [(v) => Number.isInteger(v) && v >= DECIMALS.min && v <= DECIMALS.max, `a whole number from ${DECIMALS.min} to ${DECIMALS.max}`],
  showAllRows: [(v) => typeof v === "boolean", "true or false"],
  dataAfter: [(v) => typeof v === "boolean", "true or false"],
  predictFirst: [(v) => typeof v === "boolean", "true or false"],
};

/** Why view options are wrong ("decimals must be a whole number from 0 to 6, not 9"), or null. */
function optionsError(options, prefix = "options.") {
  if (!isObject(options)) return `${prefix.slice(0, -1)} must be an object`;
  for (const [key, value] of Object.entries(options)) {
    if (!OPTION_RULES[key]) return `${prefix}${key} is not a view option (${Object.keys(OPTION_RULES).join(", ")})`;
    const [ok, rule] = OPTION_RULES[key];
    if (!ok(value)) return `${prefix}${key} must be ${rule}, not ${JSON.stringify(value)}`;
  }
  return null;
}

/** Fields each command requires or allows, with their checks (true, false, or the reason): `name?` is optional. */
const FIELDS = {
  load: {
    request: isObject, "presetId?": orNull((v) => typeof v === "string"), "iteration?": isIndex,
    "stepId?": orNull((v) => typeof v === "string"), "lossHistory?": isHistory, "training?": orNull(isTraining),
    "view?": (v) => (isObject(v) ? checkSharedView(v) : "view must be an object"),
    "warnings?": (v) => Array.isArray(v) && v.every((w) => typeof w === "string"), "reason?": (v) => typeof v === "string",
  },
  step: { stepId: (v) => typeof v === "string" },
  options: { options: (v) => optionsError(v) ?? true },
  select: { target: orNull(isTarget) },
  hover: { target: orNull(isTarget) },
  play: { playing: (v) => typeof v === "boolean" },
  speed: { speed: (v) => SPEEDS.includes(v) },
  lang: { lang: (v) => LANGS.includes(v) },
  presets: { presets: Array.isArray },
  status: { status: isObject },
  draft: { draft: orNull(isObject) },
  handcalc: {
    action: (v) => HANDCALC_ACTIONS.includes(v), "stepId?": (v) => typeof v === "string",
    "entries?": (v) => isObject(v) && Object.values(v).every((text) => typeof text === "string" && text.length <= 64),
  },
  gradcheck: {},
};

const HANDCALC_ACTIONS = ["open", "close", "enter", "check", "reveal", "skip", "retry"];

function checkSharedView(view) {
  const { selected, ...options } = view;
  if (!orNull(isTarget)(selected)) return "view.selected must be null or {matrix, row, col}";
  return optionsError(options, "view.") ?? true;
}

/** Why `command` cannot be applied (a sentence naming the field), or null when it can. */
export function commandError(command) {
  if (!isObject(command)) return "a command is an object {type, ...}";
  const fields = FIELDS[command.type];
  if (!fields) return `unknown command type ${JSON.stringify(command.type)}`;
  for (const [spec, check] of Object.entries(fields)) {
    const optional = spec.endsWith("?");
    const name = optional ? spec.slice(0, -1) : spec;
    if (!(name in command) || command[name] === undefined) {
      if (optional) continue;
      return `${command.type}: ${name} is required`;
    }
    const verdict = check(command[name]);
    if (verdict !== true) return `${command.type}: ${typeof verdict === "string" ? verdict : `${name} has a wrong value`}`;
  }
  return null;
}

/** Whether a command changes shared state (a class sends it to followers) or only this page. */
export function isShared(command) {
  return Boolean(COMMANDS[command?.type]?.shared);
}

// --- load: a request becomes the shown trace ---------------------------------------------------------------

function problemsOf(error) {
  return error instanceof ApiError ? error.problems : [{ field: "", message: String(error.message ?? error) }];
}

// Only the answer to the latest load is shown: a quick second click (another preset) wins over a slower
// first answer that arrives after it.
let latestLoad = 0;

/** The state after `trace` arrived for a load command: everything follows from the command and the trace. */
function loadedPatch(command, trace) {
  const iteration = command.iteration ?? 0;
  const found = command.stepId ? trace.steps.findIndex((step) => step.id === command.stepId) : -1;
  const stepIndex = Math.max(0, found);
  const earlier = (command.lossHistory ?? []).filter((point) => point.iteration < iteration);
  const { selected = null, ...options } = command.view ?? {};
  return {
    request: command.request, trace, presetId: command.presetId ?? null, iteration,
    stepIndex, stepId: trace.steps[stepIndex]?.id ?? null,
    lossHistory: [...earlier, { iteration, loss: toNumber(trace.forward.loss) }],
    training: command.training ?? null,
    view: { ...options, selected },
    local: { hover: null, answers: {} }, // hand-calculation answers belong to the trace they were typed for
    status: { loading: false, error: null, warnings: [...(command.warnings ?? []), ...(trace.warnings ?? [])] },
  };
}

/**
 * POST the command's request to /api/trace and show the answer. Resolves to {ok: true}, {ok: false, problems}
 * or {ok: false, stale: true} when a later load superseded it. Problems land in status.error unless
 * options.quiet (the editor shows them next to its fields instead).
 */
async function runLoad(store, command, { quiet = false } = {}) {
  const load = ++latestLoad;
  store.set({ status: { loading: true, error: null } });
  try {
    const trace = await fetchTrace(command.request);
    if (load !== latestLoad) return { ok: false, stale: true, problems: [] };
    store.applied(loadedPatch(command, trace));
    return { ok: true };
  } catch (error) {
    if (load !== latestLoad) return { ok: false, stale: true, problems: [] };
    const problems = problemsOf(error);
    store.set({ status: { loading: false, error: quiet ? null : problems } });
    return { ok: false, problems };
  }
}

// --- gradcheck: the backward pass against central differences --------------------------------------------

/**
 * Trace the current request again with `gradcheck: true` and keep the answer in local.gradcheck
 * ({request, running, check, dW, db, problems}); the view shows it while state.request is that request.
 */
async function runGradcheck(store) {
  const { request } = store.get();
  if (!request) return { ok: false, problems: [] };
  store.set({ local: { gradcheck: { request, running: true, problems: null } } });
  const settle = (result) => {
    if (store.get().local.gradcheck?.request === request) store.applied({ local: { gradcheck: { request, running: false, ...result } } });
  };
  try {
    const answer = await fetchTrace({ ...request, gradcheck: true });
    settle({ check: answer.gradcheck, dW: answer.backward.dW, db: answer.backward.db, problems: null });
    return { ok: true };
  } catch (error) {
    const problems = problemsOf(error);
    settle({ problems });
    return { ok: false, problems };
  }
}

// --- the catalogue ---------------------------------------------------------------------------------------

export const COMMANDS = {
  load: { shared: true, run: runLoad },
  step: {
    shared: true,
    apply(state, { stepId }) {
      const stepIndex = state.trace ? state.trace.steps.findIndex((step) => step.id === stepId) : -1;
      if (stepIndex < 0 || stepId === state.stepId) return null;
      return { stepId, stepIndex };
    },
  },
  options: {
    shared: true,
    apply(state, { options }) {
      const patch = { view: options };
      if ("mergeD" in options && state.trace) {
        const stepIndex = nearestVisible(state.trace, options.mergeD, state.stepIndex);
        Object.assign(patch, { stepIndex, stepId: state.trace.steps[stepIndex].id });
      }
      return patch;
    },
  },
  select: { shared: true, apply: (state, { target }) => ({ view: { selected: target ?? null } }) },
  hover: { shared: false, apply: (state, { target }) => ({ local: { hover: target ?? null } }) },
  play: { shared: false, apply: (state, { playing }) => ({ local: { playing } }) },
  speed: { shared: false, apply: (state, { speed }) => ({ local: { speed } }) },
  lang: {
    shared: false,
    // messages switch first, so every view re-renders in the new language
    run(store, { lang }) {
      const chosen = setLang(lang);
      store.applied({ lang: chosen });
      return { ok: true };
    },
  },
  presets: { shared: false, apply: (state, { presets }) => ({ presets }) },
  status: { shared: false, apply: (state, { status }) => ({ status }) },
  draft: { shared: false, apply: (state, { draft }) => ({ local: { draft } }) },
  // the learner's own hand calculation: local (a class tallies it separately); "predict first" is a shared option
  handcalc: {
    shared: false,
    apply(state, command) {
      if (command.action === "open" || command.action === "close") return { local: { handcalcOpen: command.action === "open" } };
      const stepId = command.stepId ?? state.stepId;
      if (!stepId) return null;
      const answers = { ...state.local.answers, [stepId]: nextRecord(state.local.answers[stepId], command) };
      return { local: { answers } };
    },
  },
  // local: a follower runs their own check on the request they mirror
  gradcheck: { shared: false, run: runGradcheck },
};
