/**
 * The one LaTeX → plain-text reading of the trace's formulas (pure, no DOM), for SVG labels, tooltips,
 * aria-labels and screen-reader announcements: it covers the LaTeX vocabulary of app/core/notation.py and
 * app/core/steps.py ("\frac{\partial L}{\partial \hat{y}} = \hat{y} - y" → "∂L/∂ŷ = ŷ − y",
 * "\sum_{i,j} (y_{ij} - \hat{y}_{ij})^2" → "Σᵢⱼ (yᵢⱼ − ŷᵢⱼ)²").
 */

const SUBSCRIPT = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉",
  "+": "₊", "-": "₋", "(": "₍", ")": "₎", ",": ",", a: "ₐ", e: "ₑ", h: "ₕ", i: "ᵢ", j: "ⱼ", k: "ₖ", l: "ₗ",
  m: "ₘ", n: "ₙ", o: "ₒ", p: "ₚ", r: "ᵣ", s: "ₛ", t: "ₜ", u: "ᵤ", v: "ᵥ", x: "ₓ" };
const SUPERSCRIPT = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹",
  "+": "⁺", "-": "⁻", "(": "⁽", ")": "⁾", T: "ᵀ", k: "ᵏ", n: "ⁿ", i: "ⁱ", "'": "′" };

const COMMANDS = {
  partial: "∂", odot: "⊙", oslash: "⊘", cdot: "·", times: "×", top: "ᵀ", sigma: "σ", eta: "η", sum: "Σ",
  leftarrow: "←", to: "→", prime: "′", infty: "∞", log: "log", ln: "ln", tanh: "tanh", dots: "…", ldots: "…",
  left: "", right: "", big: "", Big: "", bigg: "", quad: " ", qquad: " ", ",": " ", ";": " ", "!": "",
  mathbf: "", mathrm: "", text: "", operatorname: "", boldsymbol: "",
};
const PRECOMPOSED_HAT = { y: "ŷ", x: "x̂" };

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

/** A LaTeX formula from the trace as readable Unicode text; unknown commands keep their name. */
export function texToText(latex) {
  let text = String(latex ?? "");
  text = text.replace(/\\underbrace\{((?:[^{}]|\{[^{}]*\})*)\}_\{[^{}]*\}/g, "$1"); // the shape under a factor
  text = repeat(text, /\\hat\{([^{}]*)\}/g, (whole, body) => PRECOMPOSED_HAT[body] ?? `${body}\u0302`);
  text = text.replace(/\\([A-Za-z]+|[,;!])/g, (whole, name) => (name in COMMANDS ? COMMANDS[name] : name));
  text = text.replace(/∂\s+/g, "∂"); // the space that ended "\partial" is not part of the formula
  text = repeat(text, /([_^])\{([^{}]*)\}/g, (whole, mark, body) => script(mark, body));
  text = text.replace(/([_^])([A-Za-z0-9'])/g, (whole, mark, body) => script(mark, body));
  text = repeat(text, /frac\{((?:[^{}]|\{[^{}]*\})*)\}\{((?:[^{}]|\{[^{}]*\})*)\}/g,
    (whole, top, bottom) => `${grouped(top)}/${grouped(bottom)}`);
  text = text.replace(/[{}]/g, "").replace(/'/g, "′");
  text = text.replace(/(^|[\s(=])-(?=\S)/g, "$1−").replace(/ - /g, " − ");
  return text.replace(/([([])\s+/g, "$1").replace(/\s+([)\]])/g, "$1").replace(/\s+/g, " ").trim();
}

/** A fraction's part as written after "/": in parentheses when it is more than one term or factor. */
function grouped(part) {
  const text = part.trim();
  return /[\s+\-−·⊙]/.test(text) && !/^\(.*\)$/.test(text) ? `(${text})` : text;
}

/** A sub- or superscript in Unicode: "i,j" → "ᵢⱼ" (single-letter indices need no comma); else _x or ^(x). */
function script(mark, body) {
  const indices = /^[a-z0-9](,[a-z0-9])+$/.test(body) ? body.replace(/,/g, "") : body;
  const mapped = mark === "_" ? toSubscript(indices) : toSuperscript(indices);
  if (mapped !== null) return mapped;
  return mark === "_" ? `_${body}` : `^(${body})`;
}

function repeat(text, pattern, build) {
  let previous;
  do {
    previous = text;
    text = text.replace(pattern, build);
  } while (text !== previous);
  return text;
}
