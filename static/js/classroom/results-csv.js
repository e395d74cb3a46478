/**
 * The class's results as CSV (pure): one line per answer the room's results log kept (GET …/results, app/classroom/
 * results.py), with the columns student, variant, question, step, answer, verdict, time, their headers and
 * verdicts in the page's language and its CSV convention (lib/csv.js, as the matrices' export).
 */
import { t, getLang } from "../i18n/i18n.js";
import { csvFile, csvLine, csvNumber } from "../lib/csv.js";
import { plainLabel } from "../lib/notation.js";

export const RESULT_COLUMNS = ["student", "variant", "question", "step", "answer", "verdict", "time"];
const SIGNS = { "+": "(+)", "-": "(\u2212)", 0: "(0)" };

/** A name, or the anonymous label of the student's place ("Student 7"). */
function studentText(entry) {
  return entry.student || t("class.results.anonymous", { n: entry.place });
}

function questionText(entry) {
  return [entry.question, t(`class.kind.${entry.kind}`), entry.prompt].filter(Boolean).join(" · ");
}

/** The step and, for a question about one cell, the cell: "fwd:yhat · ŷ[1,1]". */
function stepText(entry) {
  const matrix = entry.matrix ? plainLabel(entry.matrix) : "";
  const cell = entry.cell && (entry.kind === "value" || entry.kind === "sign") ? `[${entry.cell[0] + 1},${entry.cell[1] + 1}]` : "";
  return [entry.step, matrix && `${matrix}${cell}`].filter(Boolean).join(" · ");
}

/** The answer as sent: a number stays a number (the spreadsheet's own), the rest is text. */
function answerValue(entry, lang) {
  const { kind, answer } = entry;
  if (kind === "value") return answer;
  if (kind === "shape") return `${answer[0]}×${answer[1]}`;
  if (kind === "sign") return SIGNS[answer] ?? String(answer);
  if (kind === "cells") {
    const rows = answer.map((row) => row.map((x) => (x === null ? "—" : csvNumber(x, lang))).join(" "));
    return `[${rows.join(" / ")}]`;
  }
  return String(answer); // a choice: the option's text
}

function timeText(ms) {
  const date = new Date(ms);
  const two = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** The CSV file of `results` ({records: […]}) in `lang`'s convention. */
export function resultsCsv(results, lang = getLang()) {
  const head = csvLine(RESULT_COLUMNS.map((column) => t(`class.results.column.${column}`)), lang);
  const lines = results.records.map((entry) => csvLine([studentText(entry), entry.variant ?? "", questionText(entry),
    stepText(entry), answerValue(entry, lang), t(`class.results.verdict.${entry.verdict}`), timeText(entry.time)], lang));
  return csvFile([[head, ...lines]]);
}

/** The file's name: the class's code and the day. */
export function resultsFileName(code, ms = Date.now()) {
  return `class-${code}-results-${timeText(ms).slice(0, 10)}.csv`;
}
