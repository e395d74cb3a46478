/**
 * Plain-Unicode labels for the graph views (pure, no DOM).
 * The graph draws its labels as SVG text, not typeset math: text stays crisp at every zoom level, costs
 * nothing to lay out, and doubles as the accessible name. The trace gives LaTeX, so this file turns the
 * small LaTeX vocabulary of app/core/notation.py into Unicode ("\frac{\partial H_{2}}{\partial W_{2}} =
 * O_{1}^T" → "∂H₂/∂W₂ = O₁ᵀ").
 */

const SUBSCRIPT = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉",
  "+": "₊", "-": "₋", "(": "₍", ")": "₎", ",": ",", k: "ₖ", i: "ᵢ", j: "ⱼ", n: "ₙ", m: "ₘ", t: "ₜ" };
const SUPERSCRIPT = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹",
  "+": "⁺", "-": "⁻", "(": "⁽", ")": "⁾", T: "ᵀ", k: "ᵏ", n: "ⁿ", i: "ⁱ", "'": "′" };

const COMMANDS = {
  partial: "∂", odot: "⊙", oslash: "⊘", cdot: "·", times: "×", top: "ᵀ", sigma: "σ", eta: "η", sum: "Σ",
  leftarrow: "←", to: "→", prime: "′", left: "", right: "", quad: " ", ",": " ", ";": " ", "!": "",
  mathbf: "", mathrm: "", text: "", operatorname: "", boldsymbol: "",
};

/** Digits and a few letters as Unicode subscripts ("12" → "₁₂"); null when a character has none. */
export function toSubscript(text) {
  return mapScript(String(text), SUBSCRIPT);
}

/** The same as superscripts ("2" → "²", "T" → "ᵀ"); null when a character has none. */
export function toSuperscript(text) {
  return mapScript(String(text), SUPERSCRIPT);
}

function mapScript(text, table) {
  let out = "";
  for (const ch of text) {
    if (!(ch in table)) return null;
    out += table[ch];
  }
  return out;
}

/** The neuron-view label of weight w^k_ij: "w²₁₂" (indices above 9 are separated: "w³₁₂,₁₆"). */
export function weightText(k, i, j) {
  const sep = i > 9 || j > 9 ? "," : "";
  return `w${toSuperscript(k)}${toSubscript(`${i}${sep}${j}`)}`;
}

/** The label of bias b^k_j: "b²₁". */
export function biasText(k, j) {
  return `b${toSuperscript(k)}${toSubscript(j)}`;
}

/** A shape [rows, cols] as "[4×2]". */
export function shapeText(shape) {
  return Array.isArray(shape) && shape.length === 2 ? `[${shape[0]}×${shape[1]}]` : "";
}

/**
 * A LaTeX formula from the trace as readable Unicode text. Covers the notation's vocabulary
 * (\frac, \partial, \hat, _{…}, ^{…}, ^T, \odot, \cdot, f'); unknown commands keep their name.
 */
export function texToText(latex) {
  let text = String(latex ?? "");
  text = replaceGroups(text, /\\hat\{([^{}]*)\}/g, (body) => `${body}\u0302`);
  text = replaceFrac(text);
  text = text.replace(/\\([A-Za-z]+|[,;!])/g, (whole, name) => (name in COMMANDS ? COMMANDS[name] : name));
  text = text.replace(/∂\s+/g, "∂"); // the space that ended "\partial" is not part of the formula
  text = text.replace(/([_^])\{([^{}]*)\}/g, (whole, mark, body) => script(mark, body));
  text = text.replace(/([_^])([A-Za-z0-9'])/g, (whole, mark, body) => script(mark, body));
  text = text.replace(/[{}]/g, "").replace(/'/g, "′").replace(/ - /g, " − ");
  return text.replace(/\s+/g, " ").trim();
}

function script(mark, body) {
  const mapped = mark === "_" ? toSubscript(body) : toSuperscript(body);
  if (mapped !== null) return mapped;
  return mark === "_" ? `_${body}` : `^(${body})`;
}

function replaceGroups(text, pattern, build) {
  let previous;
  do {
    previous = text;
    text = text.replace(pattern, (whole, body) => build(body));
  } while (text !== previous);
  return text;
}

/** \frac{a}{b} → a/b, innermost first so nested braces (subscripts) stay intact. */
function replaceFrac(text) {
  const frac = /\\frac\{((?:[^{}]|\{[^{}]*\})*)\}\{((?:[^{}]|\{[^{}]*\})*)\}/g;
  let previous;
  do {
    previous = text;
    text = text.replace(frac, (whole, top, bottom) => `${top}/${bottom}`);
  } while (text !== previous);
  return text;
}
