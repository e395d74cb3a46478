/**
 * The hand-calculation check in the step panel: the result table with an input in every cell (the cells
 * keep data-matrix-id / row / col), Check / Show the answer / Skip / Try again, a verdict per cell (colour,
 * icon and word) and a summary; and the shared "predict first" option. The arithmetic is handcalc.js's.
 */
import { el } from "../lib/dom.js";
import { t, formatNumber } from "../i18n/i18n.js";
import { matrixTable, ROW_LIMIT } from "../lib/matrix-table.js";
import { plainLabel } from "../lib/notation.js";
import { checkMatrix, cellKey, isAnswered, resultHidden, tolerance } from "./handcalc.js";
import { handcalcAction, setOptions } from "../store/actions.js";
import { pencilButton } from "../explorer/cell-editor.js";

const ICONS = { right: "✓", close: "≈", wrong: "✗" };

/** What decides how the panel draws the shown step's hand check (the panel re-renders when it changes). */
export function handcalcKey(state, stepId) {
  const record = state.local.answers?.[stepId];
  return [state.local.handcalcOpen, state.view.predictFirst, record?.checks, record?.revealed, record?.skipped].join("|");
}

/** The shared "predict first" checkbox for the panel's options row: {box, sync(state)}. */
export function predictFirstOption(store) {
  const label = el("label", "check");
  const box = el("input");
  box.type = "checkbox";
  box.dataset.testid = "predict-first";
  box.addEventListener("change", () => setOptions(store, { predictFirst: box.checked }));
  const text = el("span");
  label.append(box, text);
  return {
    box: label,
    sync(state) {
      text.textContent = t("handcalc.predictFirst");
      label.title = t("handcalc.predictFirstHint");
      box.checked = Boolean(state.view.predictFirst);
    },
  };
}

/** The "Check my calculation" toggle above the result. */
export function handcalcToggle(store, state) {
  const button = pencilButton(t("handcalc.toggle"), "btn small handcalc-toggle");
  button.dataset.testid = "handcalc";
  button.setAttribute("aria-pressed", String(Boolean(state.local.handcalcOpen)));
  button.addEventListener("click", () => handcalcAction(store, store.get().local.handcalcOpen ? "close" : "open"));
  return button;
}

/**
 * The result of step `stepId` as inputs: a <div> with the table, the buttons and the summary.
 * `matrix` is the exact result (never written into the DOM until checked or revealed); `shown` is the result of
 * the inputs as shown (shown-inputs.js), also accepted as right.
 */
export function handcalcBlock(store, state, { stepId, matrixId, matrix, onToggleRows, shown = null }) {
  const decimals = state.view.decimals;
  const record = state.local.answers?.[stepId] ?? {};
  const entries = record.entries ?? {};
  const rowsShown = state.view.showAllRows ? matrix.length : Math.min(matrix.length, ROW_LIMIT);
  const blank = matrix.map((row) => row.map(() => 0)); // the table's frame without the answer's signs or sizes
  const figure = matrixTable(matrixId, blank, { decimals, showAll: state.view.showAllRows, onToggleRows });
  figure.classList.add("handcalc-table");
  const tally = record.checked ? checkMatrix(matrix, entries, decimals, rowsShown, shown) : null;
  const verdicts = new Map(tally?.cells.map((cell) => [cellKey(cell.row, cell.col), cell]));
  // predicting, a checked answer ends the wait: the numbers appear next to the verdicts
  const showAnswers = Boolean(record.revealed || (state.view.predictFirst && record.checked));
  for (const td of figure.querySelectorAll("td[data-matrix-id]")) {
    const row = Number(td.dataset.row), col = Number(td.dataset.col);
    td.className = "cell handcalc-cell";
    td.style.removeProperty("--mag");
    td.replaceChildren(answerInput(matrixId, row, col, entries[cellKey(row, col)] ?? ""));
    markCell(td, verdicts.get(cellKey(row, col)));
    if (showAnswers) td.append(el("span", "handcalc-answer", t("handcalc.answer", { value: formatNumber(matrix[row][col], decimals) })));
  }
  const box = el("div", "handcalc");
  box.dataset.testid = "handcalc-box";
  const predicting = resultHidden(state, stepId);
  box.append(el("p", "hint", t(predicting ? "handcalc.predictHint" : "handcalc.hint", { name: plainLabel(matrixId) })), figure);
  box.append(buttons(store, stepId, figure, record, predicting, showAnswers), summary(tally, matrix.length > rowsShown ? rowsShown : null, decimals));
  bindInputs(store, stepId, figure);
  return box;
}

function answerInput(matrixId, row, col, value) {
  const input = el("input", "handcalc-input");
  Object.assign(input, { type: "text", value, inputMode: "decimal", autocomplete: "off", spellcheck: false, maxLength: 64 });
  input.dataset.testid = "handcalc-cell";
  input.dataset.row = String(row);
  input.dataset.col = String(col);
  input.setAttribute("aria-label", t("cell.name", { name: plainLabel(matrixId), i: row + 1, j: col + 1 }));
  return input;
}

/** A verdict shows three ways: the cell's colour, an icon, and the word (read by screen readers too). */
function markCell(td, judged) {
  const verdict = judged?.verdict;
  if (!verdict || verdict === "empty") return;
  const input = td.querySelector("input");
  input.dataset.verdict = verdict;
  input.setAttribute("aria-invalid", String(verdict === "wrong"));
  td.classList.add(`verdict-${verdict}`);
  const mark = el("span", "handcalc-mark");
  mark.append(el("span", "handcalc-icon", ICONS[verdict]), el("span", "handcalc-word", t(`handcalc.verdict.${verdict}`)));
  mark.querySelector(".handcalc-icon").setAttribute("aria-hidden", "true");
  if (judged.basis === "shown") { // right (or close) only by the rounded inputs on screen: say so
    input.dataset.basis = "shown";
    mark.append(el("span", "handcalc-basis", t("handcalc.fromShown")));
  }
  td.append(mark);
}

function entriesOf(figure) {
  const entries = {};
  for (const input of figure.querySelectorAll("input[data-testid=handcalc-cell]")) {
    entries[cellKey(Number(input.dataset.row), Number(input.dataset.col))] = input.value.slice(0, 64);
  }
  return entries;
}

function buttons(store, stepId, figure, record, predicting, showAnswers) {
  const bar = el("div", "handcalc-actions");
  const add = (testid, key, action, className = "btn small") => {
    const button = el("button", className, t(key));
    button.type = "button";
    button.dataset.testid = testid;
    button.addEventListener("click", () => {
      handcalcAction(store, action, { stepId, entries: entriesOf(figure) });
      document.querySelector(`[data-testid=${testid === "handcalc-retry" ? "handcalc-check" : testid}]`)?.focus();
    });
    bar.append(button);
  };
  add("handcalc-check", "handcalc.check", "check", "btn small primary");
  if (!showAnswers) add("handcalc-reveal", "handcalc.reveal", "reveal");
  if (predicting && !isAnswered(record)) add("handcalc-skip", "handcalc.skip", "skip");
  if (record.checked || record.revealed) add("handcalc-retry", "handcalc.retry", "retry");
  return bar;
}

function summary(tally, rowsChecked, decimals) {
  const line = el("p", "handcalc-summary");
  line.dataset.testid = "handcalc-summary";
  line.setAttribute("aria-live", "polite");
  const tol = tolerance(decimals);
  line.title = t("handcalc.tolerance", { tol: formatNumber(tol, decimals + 1), close: formatNumber(10 * tol, decimals + 1) });
  if (!tally) return line;
  const parts = [t("handcalc.summary", { right: tally.right, total: tally.total })];
  if (tally.close) parts.push(t("handcalc.summaryClose", { n: tally.close }));
  if (tally.wrong) parts.push(t("handcalc.summaryWrong", { n: tally.wrong }));
  if (tally.empty) parts.push(t("handcalc.summaryEmpty", { n: tally.empty }));
  if (tally.fromShown) parts.push(t("handcalc.summaryFromShown", { n: tally.fromShown }));
  line.textContent = parts.join(" · ") + (rowsChecked ? ` ${t("handcalc.rowsChecked", { n: rowsChecked })}` : "");
  line.dataset.right = String(tally.right);
  line.dataset.total = String(tally.total);
  return line;
}

/**
 * Typing stays in the inputs (no re-render per key); leaving a cell keeps its text in the store, Enter checks.
 * Keys and clicks stop here: the panel's own handlers would otherwise select the cell or step the player.
 */
function bindInputs(store, stepId, figure) {
  figure.addEventListener("input", (event) => {
    const td = event.target.closest("td");
    delete event.target.dataset.verdict;
    td?.classList.remove("verdict-right", "verdict-close", "verdict-wrong");
    td?.querySelector(".handcalc-mark")?.remove();
  });
  figure.addEventListener("change", () => handcalcAction(store, "enter", { stepId, entries: entriesOf(figure) }));
  figure.addEventListener("click", (event) => { if (event.target.matches("input")) event.stopPropagation(); });
  figure.addEventListener("keydown", (event) => {
    if (!event.target.matches("input")) return;
    event.stopPropagation();
    if (event.key === "Enter") {
      event.preventDefault();
      handcalcAction(store, "check", { stepId, entries: entriesOf(figure) });
      document.querySelector("[data-testid=handcalc-check]")?.focus();
    }
  });
}
