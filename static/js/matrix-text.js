/**
 * Numbers and matrices as a person types or pastes them (pure, no DOM): "0,5" and "0.5" are both one half,
 * "−0,25" uses the real minus sign, and a block copied from a spreadsheet is rows of cells separated by
 * tabs, semicolons or spaces. Used by the in-place cell editor, the hand-calculation check and the editor's
 * weight matrices.
 */

const MINUS_SIGNS = /[\u2212\u2012\u2013]/g;

/** One number: point or comma decimal, ASCII or typographic minus, optional exponent; null when it is not one. */
export function parseNumberText(text) {
  const cleaned = String(text ?? "").trim().replace(MINUS_SIGNS, "-").replace(/\s+/g, "");
  if (!/^[+-]?(\d+([.,]\d*)?|[.,]\d+)(e[+-]?\d+)?$/i.test(cleaned)) return null;
  const value = Number(cleaned.replace(",", "."));
  return Number.isFinite(value) ? value : null;
}

/**
 * The cells of one pasted line. Tabs, semicolons and spaces always separate. A comma is a decimal comma
 * when the cell holds one comma and no point ("0,5"); otherwise commas separate too ("0.1,0.2", "1,2,3").
 */
export function splitCells(line) {
  const cells = [];
  for (const part of line.split(/[\t; ]+/).filter(Boolean)) {
    const commas = (part.match(/,/g) ?? []).length;
    if (commas === 1 && !part.includes(".")) cells.push(part);
    else cells.push(...part.split(",").filter(Boolean));
  }
  return cells;
}

/**
 * A matrix from pasted text: one row per non-empty line. Returns {rows} or {error} where error is
 * {kind: "empty"} | {kind: "number", row, value} | {kind: "ragged", row, got, want} (rows counted from 1).
 */
export function parseMatrixText(text) {
  const lines = String(text ?? "").split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (!lines.length) return { error: { kind: "empty" } };
  const rows = [];
  for (const [index, line] of lines.entries()) {
    const row = [];
    for (const cell of splitCells(line)) {
      const value = parseNumberText(cell);
      if (value === null) return { error: { kind: "number", row: index + 1, value: cell } };
      row.push(value);
    }
    if (rows.length && row.length !== rows[0].length) {
      return { error: { kind: "ragged", row: index + 1, got: row.length, want: rows[0].length } };
    }
    rows.push(row);
  }
  return { rows };
}

/** A matrix as text a spreadsheet pastes back: cells separated by tabs, rows by newlines, full precision. */
export function matrixToText(rows) {
  return rows.map((row) => row.map((x) => String(x)).join("\t")).join("\n");
}
