/**
 * The one judging rule of a hand-calculated number (app/core/judging.py says the same in Python; both are
 * tested against tests/cases/judging.json): right within half a unit of the last shown decimal of either
 * the exact result or the result of the shown (rounded) inputs, close within ten times that, else wrong.
 * Pure: numbers in, {verdict, basis} out.
 */

/** Half a unit of the last shown decimal: at 3 decimals an answer within 0.0005 is right. */
export function tolerance(decimals) {
  return 0.5 * 10 ** -decimals;
}

/** "close" reaches this many tolerances. */
export const CLOSE_FACTOR = 10;

// the float rounding of the printed value itself
const slack = (value) => 1e-9 * Math.max(1, Math.abs(value));

/**
 * The verdict on `typed` (a number, or null when nothing or no number was typed) for a cell whose exact
 * value is `exact` and whose value from the shown inputs is `shown` (null when not known), at `decimals`:
 * {verdict: "right" | "close" | "wrong" | "empty", basis: "exact" | "shown" | null} — basis says which
 * reference made the answer right or close ("shown" only when the exact one would not have).
 */
export function judge(typed, exact, decimals, shown = null) {
  if (typed === null || typed === undefined) return { verdict: "empty", basis: null };
  if (!Number.isFinite(typed) || !Number.isFinite(exact)) return { verdict: "wrong", basis: null };
  const tol = tolerance(decimals);
  const refs = [["exact", exact], ...(Number.isFinite(shown) ? [["shown", shown]] : [])];
  for (const factor of [1, CLOSE_FACTOR]) {
    for (const [basis, value] of refs) {
      if (Math.abs(typed - value) <= factor * tol + slack(value)) return { verdict: factor === 1 ? "right" : "close", basis };
    }
  }
  return { verdict: "wrong", basis: null };
}
