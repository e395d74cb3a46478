/**
 * The shared state (state.js sharedState) in the URL hash, so a link reproduces the exact view, and in a
 * state file when it is too large for a link. This module is the one place that turns shared state into
 * text and back; restoring is one `restore` command.
 *
 * Hash: the plain parameters of the shared view's table (shared-view.js: `lang`, `preset`, `step`, `mergeD`,
 * `decimals`, `rows=all`, `after=1`, `predict=1`, `sel` = the selection as JSON), plus `s`: the table's packed
 * fields (request, iteration, loss history, training) as JSON, deflate-raw compressed (CompressionStream) and
 * base64url. `s` is left out when the preset alone reproduces the state. A state whose link would pass
 * MAX_URL_CHARS gets `toolong=1` instead: opening such a link says so rather than showing something else.
 * The language is also kept in localStorage.
 */
import { LANGS } from "../i18n/i18n.js";
import { PACKED_FIELDS, writeParams, readParams, sharedError, studentError } from "./shared-view.js";

const LANG_KEY = "backprop-explorer.lang";
/** The longest link the page writes (browsers and chat tools accept this much). */
export const MAX_URL_CHARS = 32_000;
/** What a state file holds: {format, version, state}. */
export const STATE_FORMAT = "backprop-explorer-state";
const STATE_VERSION = 1; // links and files of version 1 pages open as they are: the table kept their text

// --- bytes ⇄ base64url, through the browser's own compression ------------------------------------------

async function compress(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function decompress(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text();
}

function toBase64url(bytes) {
  let binary = "";
  const CHUNK = 0x8000; // String.fromCharCode takes a bounded number of arguments
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A JSON value as compressed base64url text. */
export async function packJson(value) {
  return toBase64url(await compress(JSON.stringify(value)));
}

/** The JSON value packed by packJson, or null for a damaged text. */
export async function unpackJson(text) {
  try {
    return JSON.parse(await decompress(fromBase64url(text)));
  } catch {
    return null;
  }
}

// --- shared state ⇄ hash ---------------------------------------------------------------------------------

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

function intIn(text, low, high) {
  const value = Number.parseInt(text, 10);
  return Number.isInteger(value) && value >= low && value <= high ? value : null;
}

/**
 * Whether the preset alone reproduces `shared` (then the link needs no `s`): its own request, or at iteration 0
 * of an exercise variant `variant=N` (the server draws the same numbers for `preset=` and `variant=` every time).
 */
function presetAlone(shared, presets, variant = null) {
  const preset = presets.find((p) => p.id === shared.presetId);
  const start = shared.iteration === 0 && !shared.training;
  return Boolean(preset && start && (variant || shared.request === preset.request));
}

/**
 * The heavy part of the shared state as it travels in `s`: a long training curve is replaced by how to
 * recompute it (the request trained from and the epochs) when `compact`.
 */
function heavyPart(shared, compact) {
  const part = { v: STATE_VERSION };
  for (const name of PACKED_FIELDS) part[name] = shared[name];
  if (compact && shared.training?.start) {
    part.training = { ...shared.training, replay: true };
    delete part.training.lossHistory;
  }
  return part;
}

// Packing runs when the state's heavy part changes (a new trace), not on every step.
const packed = new WeakMap();

async function packHeavy(shared, compact) {
  const key = shared.request;
  let entry = packed.get(key);
  if (!entry || entry.lossHistory !== shared.lossHistory || entry.training !== shared.training) {
    entry = { lossHistory: shared.lossHistory, training: shared.training, texts: {} };
    packed.set(key, entry);
  }
  const which = compact ? "compact" : "full";
  entry.texts[which] ??= packJson(heavyPart(shared, compact));
  return entry.texts[which];
}

/**
 * The hash for a shared state: {hash, fits, length}. `fits` is false when even the compact form passes
 * MAX_URL_CHARS; the hash then says `toolong=1` and the state needs a file. `base` is the URL before "#".
 */
export async function hashFor(shared, { lang, variant = null, presets = [], base = "" }) {
  const params = new URLSearchParams();
  writeParams(params, { ...shared, lang, variant });
  if (presetAlone(shared, presets, variant)) return { hash: `#${params}`, fits: true, length: base.length + 1 + String(params).length };
  let length = 0;
  for (const compact of [false, true]) {
    if (compact && !shared.training?.start) break;
    const withState = new URLSearchParams(params);
    withState.set("s", await packHeavy(shared, compact));
    const hash = `#${withState}`;
    length = base.length + hash.length;
    if (length <= MAX_URL_CHARS) return { hash, fits: true, length };
  }
  params.set("toolong", "1");
  return { hash: `#${params}`, fits: false, length };
}

/**
 * What a hash asks for: {lang, presetId, stepId, view, iteration, state, damaged, tooLong}. `state` is the
 * heavy part from `s` ({request, iteration, lossHistory, training}) or null; `damaged` when `s` could not
 * be read; `tooLong` when the link was written for a state that needs a file. Older links with `iter` and
 * `req` (plain base64url JSON) still open. `core`: the core options (the range of decimals).
 */
export async function readHash(hash, core) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const { lang, presetId, stepId, view, variant = null } = readParams(params, core);
  const wanted = {
    lang, presetId, stepId, view, variant,
    iteration: params.has("iter") ? intIn(params.get("iter"), 0, 1_000_000) : null,
    state: null, damaged: false, tooLong: params.get("toolong") === "1",
  };
  if (params.has("s")) {
    const state = await unpackJson(params.get("s"));
    if (isObject(state) && state.v === STATE_VERSION && isObject(state.request)) wanted.state = state;
    else wanted.damaged = true;
  } else if (params.has("req")) {
    const request = legacyRequest(params.get("req"));
    if (request) wanted.state = { request, iteration: wanted.iteration ?? 0, lossHistory: [], training: null };
    else wanted.damaged = true;
  }
  return wanted;
}

/**
 * The shared state a read hash stands for (state.js sharedState's shape), with `presets` to start a preset
 * from; null when it names no preset and holds no state (the caller picks the default preset).
 */
export function sharedFromHash(wanted, presets) {
  const preset = presets.find((p) => p.id === wanted.presetId) ?? null;
  const common = { presetId: preset?.id ?? null, stepId: wanted.stepId, view: wanted.view };
  if (wanted.state) {
    const { request, iteration = 0, lossHistory = [], training = null } = wanted.state;
    return { ...common, request, iteration, lossHistory, training };
  }
  if (!preset) return null;
  return { ...common, request: preset.request, iteration: 0, lossHistory: [], training: null };
}

function legacyRequest(text) {
  try {
    const bytes = fromBase64url(text);
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

// replaceState is slow (and rate-limited by browsers): write the hash once stepping pauses.
const HASH_DELAY_MS = 150;

/**
 * Keep the hash in step with the shared state without adding history entries on every step. `onWritten`
 * hears {fits, length, hash} after each write (the share controls show whether the link holds the state).
 */
export function syncHash(store, sharedOf, onWritten = () => {}) {
  let timer = 0;
  let writing = 0;
  const write = async () => {
    timer = 0;
    const state = store.get();
    if (!state.trace) return;
    const ticket = ++writing;
    const base = location.href.split("#")[0];
    const result = await hashFor(sharedOf(state), { lang: state.lang, variant: state.variant, presets: state.presets, base });
    if (ticket !== writing) return; // a newer write started while this one compressed
    if (result.hash !== location.hash) history.replaceState(null, "", result.hash);
    onWritten(result);
  };
  store.subscribe((state, previous) => {
    if (state.local.hover !== previous.local.hover && state.trace === previous.trace && state.variant === previous.variant && state.view === previous.view
      && state.stepId === previous.stepId && state.lang === previous.lang) return;
    if (!timer) timer = setTimeout(write, HASH_DELAY_MS);
  });
  write();
}

// --- state files -------------------------------------------------------------------------------------------

/** A state file's text for a shared state (complete: the training curve included) and the student's own part ({variant}). */
export function stateFileText(shared, student = null) {
  return JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, state: shared, ...(student?.variant ? { student } : {}) });
}

/** The student's own part of a state file ({variant}), or {} when it has none or it is not valid. */
export function readStateFileStudent(text, core) {
  try {
    const student = JSON.parse(text)?.student;
    return isObject(student) && studentError(student, core) === null ? student : {};
  } catch {
    return {};
  }
}

/** The shared state in a state file's text, or null when the text is not one (checked against the table). */
export function readStateFile(text, core) {
  try {
    const file = JSON.parse(text);
    const ok = isObject(file) && file.format === STATE_FORMAT && file.version === STATE_VERSION
      && sharedError(file.state, core) === null;
    return ok ? file.state : null;
  } catch {
    return null;
  }
}

// --- the language ----------------------------------------------------------------------------------------

/** The language the user chose before (localStorage), or null. */
export function storedLang() {
  try {
    const lang = localStorage.getItem(LANG_KEY);
    return LANGS.includes(lang) ? lang : null;
  } catch {
    return null; // storage can be disabled (private mode, file policies)
  }
}

/** Remember the chosen language for the next visit. */
export function storeLang(lang) {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* storage disabled: the URL still carries the language */
  }
}
