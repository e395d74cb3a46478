/**
 * The one store every view renders from (shape: docs/contract.md, "Frontend"), changed only by
 * `store.dispatch(command)`: commands are plain JSON (commands.js), so a follower in a class can apply the
 * teacher's commands with the same dispatch, and a link or a state file can restore the shared part.
 * Views never call each other: they read `store.get()` and react to `store.subscribe`.
 */
import { COMMANDS, commandError } from "./commands.js";
import { DECIMALS } from "./core-options.js";

/** The state a fresh page starts from, before presets or a trace are loaded. */
export function initialState() {
  return {
    // shared: what a follower mirrors and what a link or a state file restores (sharedState below)
    request: null,
    presetId: null,
    iteration: 0,
    stepId: null,
    lossHistory: [],
    training: null,
    view: { mergeD: false, decimals: DECIMALS.default, showAllRows: false, dataAfter: false, selected: null },
    // derived from the shared part when a command applies: the API's answer and the step's position in it
    trace: null,
    stepIndex: 0,
    // this page only
    presets: [],
    lang: "en",
    status: { loading: false, error: null, warnings: [] },
    local: { hover: null, playing: false, speed: 1, draft: null },
  };
}

const NESTED = new Set(["view", "status", "local"]);

function mergeState(state, patch) {
  const next = { ...state };
  for (const [key, value] of Object.entries(patch)) {
    const deep = NESTED.has(key) && value && typeof value === "object";
    next[key] = deep ? { ...state[key], ...value } : value;
  }
  return next;
}

/**
 * Make a store: `get()` returns the current state; `dispatch(command, options)` checks the command, applies
 * it (a command's `apply` returns a patch, its `run` may wait for the API and apply more patches) and
 * notifies subscribers with (state, previousState); `onCommand(fn)` hears every accepted command with
 * `{shared}` — the hook a class connection uses to send the shared ones. Returns what `run` returns
 * (a promise for loads) or {ok: true}.
 */
export function createStore(initial = initialState()) {
  let state = initial;
  const listeners = new Set();
  const commandListeners = new Set();
  const set = (patch) => {
    const previous = state;
    state = mergeState(state, patch);
    for (const fn of [...listeners]) fn(state, previous);
  };
  const store = {
    get: () => state,
    dispatch(command, options = {}) {
      const problem = commandError(command);
      if (problem) throw new TypeError(problem);
      const definition = COMMANDS[command.type];
      for (const fn of [...commandListeners]) fn(command, { shared: definition.shared });
      if (definition.run) return definition.run({ get: () => state, set }, command, options);
      const patch = definition.apply(state, command);
      if (patch) set(patch);
      return { ok: true };
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onCommand(fn) {
      commandListeners.add(fn);
      return () => commandListeners.delete(fn);
    },
  };
  return store;
}

/**
 * The shared part of a state as JSON: network, data and weights (the request), preset, iteration, step,
 * loss history, training result and view options. A `restore` command with it reproduces the view.
 */
export function sharedState(state) {
  const { mergeD, decimals, showAllRows, dataAfter, selected } = state.view;
  return {
    request: state.request, presetId: state.presetId, iteration: state.iteration, stepId: state.stepId,
    lossHistory: state.lossHistory, training: state.training,
    view: { mergeD, decimals, showAllRows, dataAfter, selected },
  };
}

/**
 * Whether the only change from `previous` is where the pointer is (local.hover, view.selected): views that
 * do not show hover marks skip such updates, which come with every mouse move over a table or the graph.
 */
export function pointerOnly(state, previous) {
  if (!previous) return false;
  for (const key of Object.keys(state)) {
    if (key !== "view" && key !== "local" && state[key] !== previous[key]) return false;
  }
  for (const key of Object.keys(state.view)) if (key !== "selected" && state.view[key] !== previous.view[key]) return false;
  for (const key of Object.keys(state.local)) if (key !== "hover" && state.local[key] !== previous.local[key]) return false;
  return true;
}

/** The page's single store (views receive it as an argument; main.js creates nothing else). */
export const store = createStore();

/** The hovered (local) and the selected (shared) target of a state, for views that mark both alike. */
export function pointers(state) {
  return { hover: state.local.hover, selected: state.view.selected };
}
