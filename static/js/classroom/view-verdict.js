/**
 * What a student sees after the reveal: right or not, what they sent, the right answer and, for a hand
 * calculation, their cells with the wrong ones marked (by colour, a mark and in words).
 */
import { el } from "../lib/dom.js";
import { t, formatNumber } from "../i18n/i18n.js";
import { answerText, decimalsOf } from "./view-text.js";

const LISTED_WRONG_CELLS = 3;

/** A sent (or revealed) hand calculation as a table, its wrong cells marked (in words too). */
function cellsTable(matrix, cellsRight) {
  const rows = matrix?.length ?? cellsRight?.length ?? 0;
  const table = el("table", "class-own-cells");
  table.dataset.testid = "class-own-cells";
  table.append(el("caption", "", t("class.yourCells")));
  for (let row = 0; row < rows; row += 1) {
    const tr = el("tr");
    const cols = matrix?.[row]?.length ?? cellsRight?.[row]?.length ?? 0;
    for (let col = 0; col < cols; col += 1) {
      const value = matrix?.[row]?.[col];
      const right = cellsRight?.[row]?.[col];
      const td = el("td", right === false ? "wrong" : right ? "right" : "",
        value === null || value === undefined ? "—" : formatNumber(value, 3));
      td.dataset.row = String(row);
      td.dataset.col = String(col);
      if (right !== undefined) td.append(el("span", "class-cell-mark", right ? " ✓" : " ✗"),
        el("span", "visually-hidden", ` (${t(right ? "class.cellRight" : "class.cellWrong")})`));
      tr.append(td);
    }
    table.append(tr);
  }
  return table;
}

/** The verdict after the reveal: right or not, what was sent, the right answer, and the wrong cells. */
export function verdict(cls, question, sent) {
  const nodes = [];
  const result = cls.result?.question_id === question.id ? cls.result : null;
  if (result) {
    const text = !result.answered ? t("class.notAnswered") : result.correct ? t("class.right")
      : result.verdict === "close" ? t("class.close") : t("class.wrong");
    const node = el("p", `class-result ${result.correct ? "right" : "wrong"}`, text);
    node.dataset.testid = "class-result";
    nodes.push(node);
  }
  if (question.kind === "cells") {
    if (sent !== undefined || result?.cells_right) nodes.push(cellsTable(sent, result?.cells_right));
    const wrong = (result?.cells_right ?? []).flatMap((row, r) => row.flatMap((ok, c) => (ok ? [] : [[r + 1, c + 1]])));
    if (wrong.length) {
      // A few wrong cells are named; more are counted (each is marked in the table, in words too).
      const total = result.cells_right.flat().length;
      const text = wrong.length <= LISTED_WRONG_CELLS
        ? t("class.wrongCells", { cells: wrong.map(([r, c]) => t("class.cellAt", { row: r, col: c })).join("; ") })
        : t("class.wrongCellsCount", { n: wrong.length, total });
      const node = el("p", "class-wrong-cells", text);
      node.dataset.testid = "class-wrong-cells";
      nodes.push(node);
    }
    return nodes;
  }
  if (sent !== undefined) nodes.push(el("p", "class-your-answer", t("class.yourAnswer", { answer: answerText(question.kind, sent, { options: question.options, decimals: decimalsOf(sent) || 3 }) })));
  if (result?.expected !== undefined) { // judged on this student's own numbers: their own right answer
    nodes.push(el("p", "class-expected", t("class.ownExpected", { answer: answerText(question.kind, result.expected, question) })));
    return nodes;
  }
  const expected = cls.reveal?.expected ?? question.expected;
  nodes.push(el("p", "class-expected", t("class.expected", { answer: answerText(question.kind, expected, question) })));
  return nodes;
}
