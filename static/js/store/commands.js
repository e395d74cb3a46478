/**
 * Every way the page's state changes, as a command: a plain JSON object `{type, ...fields}` (the list with
 * each shape: docs/contract.md, "Commands"). `store.dispatch(command)` (state.js) checks one, applies it, then
 * tells its onCommand listeners.
 *
 * Shared commands change what a class follower mirrors (and what a link restores): network, data, weights,
 * step, iteration, history, view options, selection. Each carries everything needed to apply it the same way
 * on another page — a new network or weights arrive as the request to trace, never as "recompute locally".
 * Their fields come from the shared view's table (shared-view.js). All are small but `restore`, which carries a
 * whole shared state (loss history and training curve included) and is never sent to a class as a frame.
 * Local commands (hover, playing, speed, language, presets, status, editor draft, gradient check) stay on this page.
 *
 * A command is either `apply(state, command) → patch` (synchronous, pure) or `run(store, command, options)`
 * (may wait for the API; store here is {get, set, applied}: `set` shows an intermediate state such as "loading",
 * `applied(patch)` is the command's effect, after which the store tells its onCommand listeners — once, and not
 * at all when the command ends up changing nothing, like a failed or superseded load).
 */
import { fetchTrace, ApiError } from "./api.js";
import { LANGS, setLang, toNumber } from "../i18n/i18n.js";
import { nearestVisible } from "../lib/matrices.js";
import { nextRecord } from "../tools/handcalc.js";
import { SMALL_FIELDS, FIELDS as VIEW_TABLE, isTarget, fieldError, optionsError, viewError, sharedError, withDefaults } from "./shared-view.js";

const SPEEDS = [0.5, 1, 2, 4];

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const orNull = (check) => (value) => value === null || check(value);
const isWarnings = (v) => Array.isArray(v) && v.every((w) => typeof w === "string");

/** A `load` command's shared fields: the table's (shared-view.js) top-level fields that do not grow with a run. */
const LOAD_FIELDS = Object.fromEntries(SMALL_FIELDS.filter((field) => field.path.length === 1).map((field) => [
  field.name === "request" ? field.name : `${field.name}?`, (value, core) => fieldError(field, value, core) ?? true,
]));

/**
 * Fields each command requires or allows, with their checks `(value, core) → true, false or the reason`:
 * `name?` is optional. `core` is the core options (core-options.js) the store was made with.
 */
// The variant a load or restore shows (a student's own field, never part of the shared state it carries)
const VARIANT_FIELD = VIEW_TABLE.find((field) => field.name === "variant");
const isVariant = (value, core) => fieldError(VARIANT_FIELD, value, core) ?? true;
const OWN_FIELD = VIEW_TABLE.find((field) => field.name === "ownNumbers");
const isOwn = (value, core) => fieldError(OWN_FIELD, value, core) ?? true;

const FIELDS = {
  // a new request to trace, with the small shared fields; `continues`: the loss history before `iteration` and
  // the last training result stay (next iteration, an edit), else they start anew (a preset, the editor)
  load: {
    ...LOAD_FIELDS, "view?": (v, core) => viewError(v, core) ?? true, "continues?": (v) => typeof v === "boolean",
    "warnings?": isWarnings, "reason?": (v) => typeof v === "string", "variant?": isVariant, "ownNumbers?": isOwn,
  },
  // a complete shared state from elsewhere (a link, a state file, the class, the end of a training)
  restore: {
    state: (v, core) => sharedError(v, core) ?? true, "warnings?": isWarnings, "reason?": (v) => typeof v === "string", "variant?": isVariant,
    "ownNumbers?": isOwn,
  },
  step: { stepId: (v) => typeof v === "string" },
  options: { options: (v, core) => optionsError(v, core) ?? true },
  select: { target: orNull(isTarget) },
  hover: { target: orNull(isTarget) },
  play: { playing: (v) => typeof v === "boolean" },
  speed: { speed: (v) => SPEEDS.includes(v) },
  lang: { lang: (v) => LANGS.includes(v) },
  presets: { presets: Array.isArray },
  status: { status: isObject },
  // why training and in-place edits are off (a message key: a class in which every student has their own numbers)
  editsOff: { editsOff: (v) => v === null || (typeof v === "string" && v.length <= 64) },
  draft: { draft: orNull(isObject) },
  handcalc: {
    action: (v) => HANDCALC_ACTIONS.includes(v), "stepId?": (v) => typeof v === "string",
    "entries?": (v) => isObject(v) && Object.values(v).every((text) => typeof text === "string" && text.length <= 64),
  },
  gradcheck: {},
};

const HANDCALC_ACTIONS = ["open", "close", "enter", "check", "reveal", "skip", "retry"];

/** Why `command` cannot be applied (a sentence naming the field), or null when it can; `core`: the core options. */
export function commandError(command, core) {
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
    const verdict = check(command[name], core);
    if (verdict !== true) return `${command.type}: ${typeof verdict === "string" ? verdict : `${name} has a wrong value`}`;
  }
  return null;
}

/** A `restore` command that shows the shared state `shared` (state.js sharedState's shape) exactly. */
export function restoreCommand(shared, fields = {}) {
  return { type: "restore", state: shared, ...fields };
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

/**
 * The shared state a `load` or `restore` shows, before the new trace's loss joins the history: a restore's
 * state as it is (defaults for what it leaves out); a load's fields, with the history and training of `before`
 * (the state when its trace arrived) when it continues, else none.
 */
function shownShared(command, before, core) {
  if (command.type === "restore") return withDefaults(command.state, core);
  const kept = command.continues ? before : { lossHistory: [], training: null };
  return {
    request: command.request, presetId: command.presetId ?? null, iteration: command.iteration ?? 0,
    stepId: command.stepId ?? null, lossHistory: kept.lossHistory, training: kept.training, view: command.view ?? {},
  };
}

/** The state after `trace` arrived for a load or restore command: everything follows from the command and the trace. */
function loadedPatch(command, trace, before, core) {
  const shown = shownShared(command, before, core);
  const { iteration } = shown;
  const found = shown.stepId ? trace.steps.findIndex((step) => step.id === shown.stepId) : -1;
  const stepIndex = Math.max(0, found);
  const earlier = shown.lossHistory.filter((point) => point.iteration < iteration);
  const { selected = null, ...options } = shown.view;
  return {
    request: shown.request, trace, presetId: shown.presetId, iteration,
    stepIndex, stepId: trace.steps[stepIndex]?.id ?? null,
    lossHistory: [...earlier, { iteration, loss: toNumber(trace.forward.loss) }],
    training: shown.training,
    view: { ...options, selected },
    variant: command.variant ?? null, // a load or restore that names no variant shows other numbers
    ownNumbers: command.ownNumbers ?? null, // a class student's own numbers, labelled (issue 14)
    local: { hover: null, answers: {} }, // hand-calculation answers belong to the trace they were typed for
    status: { loading: false, error: null, warnings: [...(command.warnings ?? []), ...(trace.warnings ?? [])] },
  };
}

/**
 * POST the command's request (a restore's state's request) to /api/trace and show the answer. Resolves to {ok: true}, {ok: false, problems}
 * or {ok: false, stale: true} when a later load superseded it. Problems land in status.error unless
 * options.quiet (the editor shows them next to its fields instead).
 */
async function runLoad(store, command, { quiet = false } = {}) {
  const load = ++latestLoad;
  store.set({ status: { loading: true, error: null } });
  try {
    const trace = await fetchTrace(command.type === "restore" ? command.state.request : command.request);
    if (load !== latestLoad) return { ok: false, stale: true, problems: [] };
    store.applied(loadedPatch(command, trace, store.get(), store.core));
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
  // carries a whole shared state, the loss history and training curve too: a class never sends it as a frame
  // (it shares the state the command led to by its own path); everything else here is small
  restore: { shared: true, whole: true, run: runLoad },
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
  editsOff: { shared: false, apply: (state, { editsOff }) => ({ editsOff }) },
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
