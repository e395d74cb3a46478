/**
 * The CSV convention, in one place: `,` and a decimal point in English; `;` and a decimal comma in Russian (what
 * its spreadsheets read); CRLF lines and a BOM so that spreadsheets read the file as UTF-8. Typed text is quoted
 * as needed, and text a spreadsheet would run as a formula (=, +, -, @ first) is kept as text.
 */
const SEPARATORS = { en: ",", ru: ";" };
const FORMULA = /^[=+\-@\t\r]/;

/** The field separator of `lang`'s CSV. */
export function csvSeparator(lang) {
  return SEPARATORS[lang] ?? SEPARATORS.en;
}

/** A number in full precision with `lang`'s decimal mark: 0.5 → "0,5" in Russian. */
export function csvNumber(x, lang) {
  return lang === "ru" ? String(x).replace(".", ",") : String(x);
}

/** One field: a number in the language's convention; text quoted when it holds a separator, a quote or a line
 * break, and a leading formula character escaped with an apostrophe. */
export function csvField(value, lang) {
  if (typeof value === "number") return csvNumber(value, lang);
  let text = String(value ?? "");
  if (FORMULA.test(text) && Number.isNaN(Number(text))) text = `'${text}`; // "-0.5" and "-Infinity" stay numbers
  return /[",;\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line of fields. */
export function csvLine(fields, lang) {
  return fields.map((value) => csvField(value, lang)).join(csvSeparator(lang));
}

/** A whole file from its blocks of lines (a blank line between blocks). */
export function csvFile(blocks) {
  return `\uFEFF${blocks.map((lines) => lines.join("\r\n")).join("\r\n\r\n")}\r\n`;
}
