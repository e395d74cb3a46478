/**
 * The view in the URL hash, so a link reproduces it: preset, step id, language, merged d, decimals,
 * iteration, and — for an edited network or a later iteration — the whole request (base64url JSON).
 * The language is also remembered in localStorage.
 */
import { LANGS } from "./i18n.js";
import { DECIMALS } from "./core-options.js";

const LANG_KEY = "backprop-explorer.lang";
const MAX_REQUEST_CHARS = 6000; // longer requests stay out of the URL (a link still opens the preset)

// hashFor runs on every step change; the request only changes with a new trace.
const encodedRequests = new WeakMap();

function encodeRequest(request) {
  if (!encodedRequests.has(request)) encodedRequests.set(request, base64urlJson(request));
  return encodedRequests.get(request);
}

function base64urlJson(request) {
  const bytes = new TextEncoder().encode(JSON.stringify(request));
  let binary = "";
  bytes.forEach((byte) => { binary += String.fromCharCode(byte); });
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeRequest(text) {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null; // a damaged link falls back to the preset
  }
}

function intIn(text, low, high) {
  const value = Number.parseInt(text, 10);
  return Number.isInteger(value) && value >= low && value <= high ? value : null;
}

/** What the hash asks for: {presetId, stepId, lang, mergeD, decimals, iteration, request}; missing keys are null. */
export function readHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const lang = params.get("lang");
  const merge = params.get("mergeD");
  return {
    presetId: params.get("preset"),
    stepId: params.get("step"),
    lang: LANGS.includes(lang) ? lang : null,
    mergeD: merge === null ? null : merge === "1",
    decimals: params.has("decimals") ? intIn(params.get("decimals"), DECIMALS.min, DECIMALS.max) : null,
    iteration: params.has("iter") ? intIn(params.get("iter"), 0, 1_000_000) : null,
    request: params.has("req") ? decodeRequest(params.get("req")) : null,
  };
}

/** The hash for a state. The request is included only when the preset alone cannot reproduce it. */
export function hashFor(state) {
  const params = new URLSearchParams();
  if (state.presetId) params.set("preset", state.presetId);
  const step = state.trace?.steps[state.stepIndex];
  if (step) params.set("step", step.id);
  params.set("lang", state.lang);
  params.set("mergeD", state.view.mergeD ? "1" : "0");
  params.set("decimals", String(state.view.decimals));
  if (state.iteration) params.set("iter", String(state.iteration));
  const custom = !state.presetId || state.iteration > 0;
  if (custom && state.request) {
    const encoded = encodeRequest(state.request);
    if (encoded.length <= MAX_REQUEST_CHARS) params.set("req", encoded);
  }
  return `#${params.toString()}`;
}

// replaceState is slow (and rate-limited by browsers): write the hash once stepping pauses.
const HASH_DELAY_MS = 150;

/** Keep the hash in step with the store without adding history entries on every step. */
export function syncHash(store) {
  let timer = 0;
  const write = () => {
    timer = 0;
    const state = store.get();
    if (!state.trace) return;
    const hash = hashFor(state);
    if (hash !== location.hash) history.replaceState(null, "", hash);
  };
  store.subscribe(() => {
    if (!timer) timer = setTimeout(write, HASH_DELAY_MS);
  });
}

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
