/**
 * A matrix as a real <table>: a caption with its name (as math) and shape, numbered rows and columns,
 * cells coloured by sign and size (the minus sign and a dashed border also mark negatives, so colour
 * is never the only signal) and carrying data-matrix-id / data-row / data-col (0-based).
 */
import { el } from "./dom.js";
import { t, formatNumber, toNumber } from "../i18n/i18n.js";
import { shapeOf } from "./matrices.js";
import { matrixLabel, shapeText } from "./notation.js";
import { renderTex } from "./tex.js";

/** Rows shown before "show all" for a tall matrix. */
export const ROW_LIMIT = 8;

function largestMagnitude(matrix) {
  let largest = 0;
  for (const row of matrix) {
    for (const entry of row) {
      const x = Math.abs(toNumber(entry));
      if (Number.isFinite(x) && x > largest) largest = x;
    }
  }
  return largest;
}

function signClass(x) {
  if (!Number.isFinite(x)) return "nonfinite";
  if (x > 0) return "pos";
  return x < 0 ? "neg" : "zero";
}

function cell(id, r, c, entry, scale, decimals) {
  const x = toNumber(entry);
  const td = el("td", `cell ${signClass(x)}`, formatNumber(x, decimals));
  td.dataset.matrixId = id;
  td.dataset.row = String(r);
  td.dataset.col = String(c);
  if (Number.isFinite(x) && scale > 0) td.style.setProperty("--mag", (Math.abs(x) / scale).toFixed(3));
  return td;
}

function caption(id, matrix, role) {
  const cap = el("caption");
  const name = el("span", "matrix-name");
  renderTex(name, matrixLabel(id));
  cap.append(name, el("span", "matrix-shape", shapeText(shapeOf(matrix))));
  if (role) cap.append(el("span", "matrix-role", role));
  return cap;
}

function headerRow(columns) {
  const tr = el("tr");
  const corner = el("th", "corner");
  corner.append(el("span", "visually-hidden", t("table.corner"))); // a header names its row and column numbers
  tr.append(corner);
  for (let c = 0; c < columns; c += 1) {
    const th = el("th", "col-head", String(c + 1));
    th.scope = "col";
    th.title = t("table.colHeader", { j: c + 1 });
    tr.append(th);
  }
  return tr;
}

/**
 * A <figure> holding the table of matrix `id` (values `matrix`, a 2-D array).
 * Options: decimals, showAll (all rows even past ROW_LIMIT), role (a word under the name),
 * onToggleRows (called by the "show all rows" button), clickable (cells are buttons for the scalar view).
 */
export function matrixTable(id, matrix, { decimals = 3, showAll = false, role = "", onToggleRows = null, clickable = false } = {}) {
  const figure = el("figure", "matrix-figure");
  const table = el("table", "matrix");
  table.dataset.matrixId = id;
  if (clickable) table.classList.add("clickable");
  table.append(caption(id, matrix, role));
  const columns = matrix[0] ? matrix[0].length : 0;
  const thead = el("thead");
  thead.append(headerRow(columns));
  const tbody = el("tbody");
  const scale = largestMagnitude(matrix);
  const shownRows = showAll ? matrix.length : Math.min(matrix.length, ROW_LIMIT);
  for (let r = 0; r < shownRows; r += 1) {
    const tr = el("tr");
    const th = el("th", "row-head", String(r + 1));
    th.scope = "row";
    th.title = t("table.rowHeader", { i: r + 1 });
    tr.append(th);
    matrix[r].forEach((entry, c) => tr.append(cell(id, r, c, entry, scale, decimals)));
    tbody.append(tr);
  }
  if (clickable) for (const td of tbody.querySelectorAll("td")) td.tabIndex = 0;
  table.append(thead, tbody);
  const scroller = el("div", "table-scroll");
  scroller.append(table);
  figure.append(scroller);
  if (matrix.length > ROW_LIMIT && onToggleRows) figure.append(rowsToggle(matrix.length, showAll, onToggleRows));
  if (matrix.some((row) => row.some((entry) => !Number.isFinite(toNumber(entry))))) {
    figure.append(el("p", "matrix-note", t("table.nonFinite")));
  }
  return figure;
}

function rowsToggle(rows, showAll, onToggle) {
  const wrap = el("p", "rows-toggle");
  if (!showAll) wrap.append(el("span", "hidden-rows", t("table.hiddenRows", { n: rows - ROW_LIMIT })), " ");
  const button = el("button", "btn small", showAll ? t("table.showFirst", { n: ROW_LIMIT }) : t("table.showAll", { n: rows }));
  button.type = "button";
  button.dataset.testid = "show-all-rows";
  button.setAttribute("aria-expanded", String(showAll));
  button.addEventListener("click", onToggle);
  wrap.append(button);
  return wrap;
}
