/** Math rendering through the locally served KaTeX (never a CDN: the page must work offline). */
import katex from "/static/vendor/katex/katex.mjs";
import { formatNumber } from "../i18n/i18n.js";

/**
 * Typeset `latex` into `el` (its content is replaced). `display: true` centres it as a block.
 * A formula KaTeX cannot parse is shown as its source in red instead of throwing.
 */
export function renderTex(el, latex, { display = false } = {}) {
  const key = `${display ? "D" : "I"}${latex}`;
  let html = typeset.get(key);
  if (html === undefined) {
    html = katex.renderToString(latex, KATEX_OPTIONS[display ? "display" : "inline"]);
    if (typeset.size >= TYPESET_CACHE_SIZE) typeset.clear();
    typeset.set(key, html);
  }
  el.innerHTML = html; // KaTeX's own markup (trust: false), never text a user typed
}

const KATEX_BASE = { throwOnError: false, output: "htmlAndMathml", strict: "ignore", trust: false };
const KATEX_OPTIONS = {
  display: { ...KATEX_BASE, displayMode: true },
  inline: { ...KATEX_BASE, displayMode: false },
};
// Stepping back and forth shows the same formulas again: typesetting is the costly part, so keep the markup.
const TYPESET_CACHE_SIZE = 2000;
const typeset = new Map();

/**
 * A number for use inside LaTeX, in the current language's format: the decimal comma is
 * wrapped as `{,}` (otherwise TeX treats it as punctuation and adds a space after it),
 * and the minus sign becomes TeX's `-`, which renders as a proper minus.
 */
export function texNumber(x, decimals = 3) {
  return formatNumber(x, decimals).replace(",", "{,}").replace("\u2212", "-").replace("∞", "\\infty ");
}

/** `texNumber`, in parentheses when negative, for use as a factor: 0{,}41\cdot(-0{,}03). */
export function texFactor(x, decimals = 3) {
  const text = texNumber(x, decimals);
  return text.startsWith("-") ? `(${text})` : text;
}
