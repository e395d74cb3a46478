/**
 * Numbers typed by a person, with a decimal point or a decimal comma, alone or as rows of a matrix
 * (pasted from a spreadsheet: tab, semicolon or space separated). Pure: no DOM, no store.
 *
 * The rule for commas: a comma is read as a decimal comma wherever it can be one. It separates values only
 * where it cannot be decimal: at the end of a value followed by a space ("1, 2"), or in a line with a
 * decimal point ("1.5,2") or with more than one comma ("1,2,3"), and in every line of a text where one line
 * already reads its commas so (an English-style CSV: "0.5,1" then "1,0"). A line that could be read either
 * way and only the other reading fits the network ("0,5" where two columns are needed) is reported as ambiguous.
 */

const NUMBER = /^[+\-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+\-]?\d+)?$/;
// Minus signs a word processor or a spreadsheet may paste instead of "-".
const MINUS_SIGNS = /[\u2212\u2012\u2013]/g;

/** One number as typed: "0,5", "0.5", "−1", "1e-3"; null for anything else (including "" and "1,2,3"). */
export function parseNumber(text) {
  const trimmed = String(text ?? "").trim().replace(MINUS_SIGNS, "-");
  if (!NUMBER.test(trimmed)) return null;
  const value = Number(trimmed.replace(",", "."));
  return Number.isFinite(value) ? value : null;
}

/** Whether a line (without spaces or semicolons) can only use its commas as separators. */
const commasSeparate = (line) => !/[\s;]/.test(line) && line.includes(",") && (line.includes(".") || (line.match(/,/g) ?? []).length > 1);

/** The cells of one line, and whether a lone comma in it was read as a decimal comma. */
function splitLine(line, csv = false) {
  if (/[\s;]/.test(line)) {
    return { cells: line.split(/[\s;]+/).map((cell) => cell.replace(/,$/, "")).filter(Boolean), commaRead: false };
  }
  const commas = (line.match(/,/g) ?? []).length;
  if (csv || commasSeparate(line)) return { cells: line.split(",").filter(Boolean), commaRead: false };
  return { cells: [line], commaRead: commas === 1 };
}

/**
 * Rows of numbers from text, one row per line. `columns` (optional) is how many values each row needs.
 * Returns {rows} or {error: {rule, params}} with rule "empty", "not_a_number" {row, value}, "ragged"
 * {row, got, want} or "ambiguous_comma" {row, text, value, want, spaced} (row numbers are 1-based lines).
 */
export function parseRows(text, columns = null) {
  const lines = String(text).split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (!lines.length) return { error: { rule: "empty", params: {} } };
  const rows = [];
  const csv = lines.some(commasSeparate); // one line's commas separate: so do every line's
  const split = lines.map((line) => splitLine(line, csv));
  for (const [index, { cells }] of split.entries()) {
    const row = [];
    for (const cell of cells) {
      const value = parseNumber(cell);
      if (value === null) return { error: { rule: "not_a_number", params: { row: index + 1, value: cell } } };
      row.push(value);
    }
    if (rows.length && row.length !== rows[0].length) {
      return { error: { rule: "ragged", params: { row: index + 1, got: row.length, want: rows[0].length } } };
    }
    rows.push(row);
  }
  const ambiguous = columns === 2 && rows[0].length === 1 ? split.findIndex((line) => line.commaRead) : -1;
  if (ambiguous >= 0) {
    const typed = lines[ambiguous];
    return { error: { rule: "ambiguous_comma", params: {
      row: ambiguous + 1, text: typed, value: rows[ambiguous][0], want: columns, spaced: typed.replace(",", " "),
    } } };
  }
  return { rows };
}

/** A matrix (or a vector, one value per line) as editable text: one row per line, values `separator` apart
 * (two spaces; a tab pastes into a spreadsheet's cells), each written by `format` (the page's decimal
 * separator; full precision so a round trip keeps the values). */
export function rowsToText(rows, format = String, separator = "  ") {
  const matrix = Array.isArray(rows[0]) ? rows : rows.map((x) => [x]);
  return matrix.map((row) => row.map((x) => format(x)).join(separator)).join("\n");
}
