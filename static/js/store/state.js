/**
 * The one store every view renders from (shape: docs/contract.md, "Frontend"), changed only by
 * `store.dispatch(command)`: commands are plain JSON (commands.js), so a follower in a class can apply the
 * teacher's commands with the same dispatch, and a link or a state file can restore the shared part.
 * Views never call each other: they read `store.get()` and react to `store.subscribe`.
 */
import { COMMANDS, commandError } from "./commands.js";
import { defaults, sharedState } from "./shared-view.js";

export { sharedState };

/**
 * The state a fresh page starts from, before presets or a trace are loaded. `core`: the core options
 * (core-options.js; the default of shown decimals is the core's).
 */
export function initialState(core) {
  return {
    // the shared view (shared-view.js: what a follower mirrors, a link and a state file restore) and the
    // page's own fields there (lang), at their defaults
    ...defaults(core),
    // derived from the shared part when a command applies: the API's answer and the step's position in it
    trace: null,
    stepIndex: 0,
    // this page only
    presets: [],
    editsOff: null, // a message key saying why training and in-place edits are off (a class with own numbers)
    status: { loading: false, error: null, warnings: [] },
    local: { hover: null, playing: false, speed: 1, draft: null, handcalcOpen: false, answers: {}, gradcheck: null },
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
 * Make a store: `get()` returns the current state; `subscribe(fn)` hears every change as (state, previousState).
 *
 * `dispatch(command, {origin, ...options})` checks the command (a wrong one throws a TypeError naming the field,
 * synchronously), applies it, and only then tells every `onCommand` listener `{command, origin, shared}`:
 * `shared` is sharedState() of the state the command led to. `origin` says who asked: "local" (this page's
 * user or views, the default), "link" (a link or a state file being opened), "class" (a class follower applying
 * the teacher's command); the store passes it through untouched. A synchronous command (`apply`) notifies before
 * dispatch returns. An asynchronous one (`run`: a load waits for its trace) notifies when its result is in the
 * store; a load that fails, or that a later load superseded (the quicker later one wins), changes no shared
 * state and notifies nothing. dispatch returns a promise that resolves after the apply (and the notification)
 * with {ok: true}, or what the command's run resolves to ({ok: false, problems} / {ok: false, stale: true}).
 * `core` (the core options) is what commands are checked against; `store.core` hands it on.
 */
export function createStore(core, initial = initialState(core)) {
  let state = initial;
  const listeners = new Set();
  const commandListeners = new Set();
  const set = (patch) => {
    const previous = state;
    state = mergeState(state, patch);
    for (const fn of [...listeners]) fn(state, previous);
  };
  const tell = (command, origin) => {
    if (!commandListeners.size) return;
    const led = state; // `shared` is read from this state, when a listener asks for it (pointer moves rarely do)
    let shared = null;
    const heard = { command, origin, get shared() { return (shared ??= sharedState(led)); } };
    for (const fn of [...commandListeners]) fn(heard);
  };
  const store = {
    core,
    get: () => state,
    dispatch(command, { origin = "local", ...options } = {}) {
      const problem = commandError(command, core);
      if (problem) throw new TypeError(problem);
      const definition = COMMANDS[command.type];
      if (definition.run) {
        // `applied(patch)` is the command's effect: the patch, then the listeners (intermediate states use `set`)
        const applied = (patch) => {
          if (patch) set(patch);
          tell(command, origin);
        };
        return Promise.resolve(definition.run({ get: () => state, set, applied, core }, command, options));
      }
      const patch = definition.apply(state, command);
      if (patch) set(patch);
      tell(command, origin);
      return Promise.resolve({ ok: true });
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

/** The hovered (local) and the selected (shared) target of a state, for views that mark both alike. */
export function pointers(state) {
  return { hover: state.local.hover, selected: state.view.selected };
}
