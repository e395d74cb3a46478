/**
 * The one store every view renders from (shape: docs/contract.md, "Frontend").
 * Views never call each other: they read `store.get()` and react to `store.subscribe`.
 */

import { DECIMALS } from "./core-options.js";

/** The state a fresh page starts from, before presets or a trace are loaded. */
function initialState() {
  return {
    request: null,
    trace: null,
    presets: [],
    presetId: null,
    iteration: 0,
    stepIndex: 0,
    lang: "en",
    view: {
      mergeD: false,
      decimals: DECIMALS.default,
      showAllRows: false,
      playing: false,
      speed: 1,
      selected: null,
      hover: null,
    },
    status: { loading: false, error: null, warnings: [] },
    lossHistory: [],
    training: null,
  };
}

/**
 * Make a store: `get()` returns the current state, `set(patch)` merges `patch` shallowly
 * (a `view` or `status` patch is merged one level deeper, so `set({view: {hover}})` keeps the
 * other view options) and notifies subscribers with (state, previousState).
 */
function createStore(initial = initialState()) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      const previous = state;
      state = mergeState(state, patch);
      for (const fn of [...listeners]) fn(state, previous);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

const NESTED = new Set(["view", "status"]);

function mergeState(state, patch) {
  const next = { ...state };
  for (const [key, value] of Object.entries(patch)) {
    const deep = NESTED.has(key) && value && typeof value === "object";
    next[key] = deep ? { ...state[key], ...value } : value;
  }
  return next;
}

const POINTER_KEYS = new Set(["hover", "selected"]);

/**
 * Whether the only change from `previous` is where the pointer is (view.hover / view.selected): views that
 * do not show hover marks skip such updates, which come with every mouse move over a table or the graph.
 */
export function pointerOnly(state, previous) {
  if (!previous || state.view === previous.view) return false;
  for (const key of Object.keys(state)) if (key !== "view" && state[key] !== previous[key]) return false;
  for (const key of Object.keys(state.view)) {
    if (!POINTER_KEYS.has(key) && state.view[key] !== previous.view[key]) return false;
  }
  return true;
}

/** The page's single store (views receive it as an argument; main.js creates nothing else). */
export const store = createStore();
