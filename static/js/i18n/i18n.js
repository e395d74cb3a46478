/**
 * Messages and number formatting for the current language.
 * All UI text lives in the catalogues static/js/i18n/<lang>.js; `t` looks keys up there.
 */
import en from "./en.js";
import ru from "./ru.js";

const CATALOGUES = { en, ru };
/** Languages the page offers, in the order of the switch. */
export const LANGS = Object.freeze(["en", "ru"]);
const DECIMAL_SEPARATOR = { en: ".", ru: "," };
const MINUS = "\u2212"; // a real minus sign: wider than "-", readable on a projector

let current = "en";

/** The current language code ("en" or "ru"). */
export function getLang() {
  return current;
}

/** Switch the language used by `t` and `formatNumber`; unknown codes fall back to English. */
export function setLang(lang) {
  current = LANGS.includes(lang) ? lang : "en";
  if (typeof document !== "undefined") document.documentElement.lang = current;
  return current;
}

/**
 * The message `key` in the current language with `{name}` placeholders replaced from `params`.
 * Falls back to English, then to the key itself, so a missing text is visible but never a crash.
 */
export function t(key, params = {}) {
  const template = CATALOGUES[current][key] ?? CATALOGUES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Whether the catalogues hold `key` (in the current language or in English). */
export function hasText(key) {
  return key in CATALOGUES[current] || key in CATALOGUES.en;
}

/**
 * `t` for a message about `count` things, in the plural form the language's rules pick for it: the
 * catalogue holds `key.one`, `key.few`, `key.many`, `key.other` as the language needs ("1 value", "2 values";
 * "1 число", "2 числа", "5 чисел"); `count` is also a parameter of the text.
 */
export function tn(key, count, params = {}) {
  // The page's language first, by its own plural rules; a catalogue that holds only `key.other` (a wording
  // that needs no plural forms, as Russian's "Строк: 5") uses it for every count rather than English's `key.one`.
  const formIn = (lang) => {
    const form = `${key}.${new Intl.PluralRules(lang).select(count)}`;
    if (form in CATALOGUES[lang]) return form;
    return `${key}.other` in CATALOGUES[lang] ? `${key}.other` : null;
  };
  return t(formIn(current) ?? formIn("en") ?? `${key}.other`, { count, ...params });
}

/** A number as a person would type it in the current language, in full precision: 0.5 → "0,5" in Russian. */
export function typedNumber(x) {
  return String(x).replace(".", DECIMAL_SEPARATOR[current]);
}

/**
 * A number as text with `decimals` digits and the language's decimal separator
 * ("0,413" in Russian). Accepts the API's non-finite strings "NaN", "Infinity", "-Infinity".
 * Negative values use the minus sign U+2212; a value that rounds to zero is shown unsigned.
 */
export function formatNumber(x, decimals = 3) {
  const value = toNumber(x);
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : `${MINUS}∞`;
  const digits = Math.max(0, Math.min(12, Math.round(decimals)));
  let text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return text.replace(".", DECIMAL_SEPARATOR[current]);
  if (Math.abs(value) >= 1e15) text = Math.abs(value).toExponential(digits);
  text = text.replace(".", DECIMAL_SEPARATOR[current]);
  return value < 0 ? MINUS + text : text;
}

/** A trace value as a JS number: numbers pass through, "NaN"/"Infinity"/"-Infinity" become NaN/±Infinity. */
export function toNumber(x) {
  if (typeof x === "number") return x;
  if (x === "Infinity") return Infinity;
  if (x === "-Infinity") return -Infinity;
  if (x === "NaN" || x === null || x === undefined) return NaN;
  const parsed = Number(x);
  return Number.isNaN(parsed) ? NaN : parsed;
}
