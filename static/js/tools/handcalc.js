/**
 * The hand-calculation check, pure (no DOM, no store): how close a typed answer is to the trace's value,
 * per cell and for a whole matrix, and whether a step's result may be shown yet ("predict first").
 * The step panel's inputs (handcalc-view.js) and a class's per-cell tally both count with these.
 *
 * A step's record (state.local.answers[stepId]) is {entries: {"row,col": text}, checked, revealed, skipped}.
 */
import { parseNumber } from "../lib/number-text.js";
import { toNumber } from "../i18n/i18n.js";
import { nearestVisible } from "../lib/matrices.js";
import { judge } from "./judging.js";

export { tolerance } from "./judging.js";

/**
 * The verdict on typed text (judging.js's rule): {verdict, basis}; "empty" when nothing (or no number) was
 * typed, "wrong" for text that is not a number. `shown` is the cell's value from the shown inputs (or null).
 */
export function verdictOf(text, exact, decimals, shown = null) {
  const typed = parseNumber(text);
  if (typed === null) return String(text ?? "").trim() ? { verdict: "wrong", basis: null } : { verdict: "empty", basis: null };
  return judge(typed, toNumber(exact), decimals, shown === null || shown === undefined ? null : toNumber(shown));
}

/** The key of a cell in a record's entries. */
export function cellKey(row, col) {
  return `${row},${col}`;
}

/**
 * Every shown cell of `matrix` against `entries`: {cells: [{row, col, verdict, basis}], right, close, wrong,
 * empty, total, fromShown}. `rows` limits the check to the rows on screen (a tall matrix shows its first rows
 * only); `shown` is the result of the shown inputs (shown-inputs.js) or null; `fromShown` counts the cells
 * right or close only by it.
 */
export function checkMatrix(matrix, entries, decimals, rows = matrix.length, shown = null) {
  const tally = { cells: [], right: 0, close: 0, wrong: 0, empty: 0, total: 0, fromShown: 0 };
  for (let row = 0; row < Math.min(rows, matrix.length); row += 1) {
    matrix[row].forEach((exact, col) => {
      const { verdict, basis } = verdictOf(entries?.[cellKey(row, col)], exact, decimals, shown?.[row]?.[col] ?? null);
      tally.cells.push({ row, col, verdict, basis });
      tally[verdict] += 1;
      tally.total += 1;
      if (basis === "shown") tally.fromShown += 1;
    });
  }
  return tally;
}

/** Whether the learner is done with a step's record: checked it, revealed the answer or skipped. */
export function isAnswered(record) {
  return Boolean(record && (record.checked || record.revealed || record.skipped));
}

/** The id of the step the panel shows (with merged d, a hidden first sub-step shows as the second). */
export function shownStepId(state) {
  if (!state.trace) return null;
  return state.trace.steps[nearestVisible(state.trace, state.view.mergeD, state.stepIndex)]?.id ?? null;
}

/** Whether "predict first" hides the result of step `stepId` now (a view option, per step until answered). */
export function resultHidden(state, stepId = shownStepId(state)) {
  return Boolean(state.view.predictFirst && state.trace && stepId && !isAnswered(state.local.answers?.[stepId]));
}

/** The step panel shows inputs for the result: the toggle is on, or predict first waits for an answer. */
export function handcalcActive(state, stepId = shownStepId(state)) {
  const record = state.local.answers?.[stepId];
  return Boolean(state.local.handcalcOpen || (state.view.predictFirst && !record?.skipped && !record?.revealed));
}

/** A record after a hand-calculation command (pure): enter / check keep entries, retry clears them. */
export function nextRecord(record = {}, { action, entries }) {
  const merged = { ...(record.entries ?? {}), ...(entries ?? {}) };
  switch (action) {
    case "enter": return { ...record, entries: merged };
    // each check counts, so checking corrected entries again re-judges them (the panel redraws on `checks`)
    case "check": return { ...record, entries: merged, checked: true, checks: (record.checks ?? 0) + 1 };
    case "reveal": return { ...record, entries: merged, revealed: true };
    case "skip": return { ...record, entries: merged, skipped: true };
    case "retry": return { entries: {} };
    default: return record;
  }
}

/**
 * Whether "predict first" still keeps matrix `id` back (ŷ, L): the walk has not reached the step that computes
 * it, or stands on it unanswered. Views that show the value elsewhere (data view, loss chart) hold it back too.
 */
export function valueConcealed(state, id) {
  if (!state.view.predictFirst || !state.trace) return false;
  const at = state.trace.steps.findIndex((step) => step.output === id);
  if (at < 0) return false;
  const index = nearestVisible(state.trace, state.view.mergeD, state.stepIndex);
  return index < at || (index === at && resultHidden(state));
}
