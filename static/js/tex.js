/** Math rendering through the locally served KaTeX (never a CDN: the page must work offline). */
import katex from "/static/vendor/katex/katex.mjs";
import { formatNumber } from "./i18n.js";

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

const SUBSCRIPT = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉" };
const TEX_WORDS = [
  [/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, "$1/$2"],
  [/\\hat\{y\}/g, "ŷ"],
  [/\\(?:mathbf|mathrm|operatorname|text|mathcal)\{([^{}]*)\}/g, "$1"],
  [/\^\{?T\}?/g, "ᵀ"],
  [/\\partial\s*/g, "∂"], [/\\cdot/g, "·"], [/\\odot/g, "⊙"], [/\\oslash/g, "⊘"], [/\\leftarrow/g, "←"],
  [/\\sigma/g, "σ"], [/\\eta/g, "η"], [/\\sum/g, "Σ"], [/\\tanh/g, "tanh"], [/\\log/g, "log"], [/\\ln/g, "ln"],
  [/\\(?:left|right|big|Big|quad|qquad|,|;|!)/g, " "],
  [/'/g, "′"],
];

/** A plain-text reading of a formula for screen readers and titles: "\frac{\partial L}{\partial W_{2}} = O_{1}^T \cdot d" → "∂L/∂W₂ = O₁ᵀ · d". */
export function latexToText(latex) {
  let text = latex.replace(/\\underbrace\{((?:[^{}]|\{[^{}]*\})*)\}_\{[^{}]*\}/g, "$1");
  // subscripts first, so "\frac{\partial L}{\partial W_{2}}" has no nested braces left
  text = text.replace(/_\{?(\d+)\}?/g, (whole, digits) => [...digits].map((d) => SUBSCRIPT[d]).join(""));
  for (const [pattern, replacement] of TEX_WORDS) text = text.replace(pattern, replacement);
  return text.replace(/[{}\\]/g, "").replace(/\s+/g, " ").trim();
}

/** A matrix id as plain text: "W2" → "W₂", "y_hat" → "ŷ", "dL/dW2" → "∂L/∂W₂", "f'(H2)" → "f′(H₂)". */
export function plainLabel(id) {
  return id
    .replace(/^dL\/d/, "∂L/∂")
    .replace("y_hat", "ŷ")
    .replace(/_new$/, "′")
    .replace("'", "′")
    .replace(/\d+/g, (digits) => [...digits].map((d) => SUBSCRIPT[d]).join(""));
}
