/**
 * A question and its answers as text in the reader's language: the question asked, an answer (a value, a
 * shape, a sign, an option) as a label, and the decimals that keep a question's value labels apart.
 */
import { t, formatNumber } from "../i18n/i18n.js";

/** A question's text in the reader's language (the teacher's own prompt, when typed, comes first). */
export function questionText(question) {
  const target = question.target ?? {};
  const cell = { matrix: target.matrix ?? "?", row: (target.row ?? 0) + 1, col: (target.col ?? 0) + 1, step: target.stepId ?? "" };
  const asked = t(`class.ask.${question.kind}`, cell);
  return question.prompt ? `${question.prompt} — ${asked}` : asked;
}

/** [rows, cols] from a shape answer: the list a page sends or the "4×2" key a tally groups it under. */
export function shapeOf(answer) {
  if (Array.isArray(answer)) return answer;
  const match = /^\s*(\d+)\s*[×xX*]\s*(\d+)\s*$/.exec(String(answer));
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** How many decimals show a value answer: enough that answers further apart than the tolerance read apart. */
export function valueDecimals(tolerance) {
  if (!(tolerance > 0)) return 6;
  return Math.min(6, Math.max(1, Math.ceil(-Math.log10(tolerance) - 1e-9)));
}

export function answerText(kind, answer, { options, decimals = 3 } = {}) {
  if (answer === null || answer === undefined) return "—";
  if (kind === "shape") {
    const shape = shapeOf(answer);
    return shape ? `${shape[0]} × ${shape[1]}` : String(answer);
  }
  if (kind === "sign") return answer === "-" ? "−" : String(answer);
  if (kind === "choice") return options?.[Number(answer)] ?? String(answer);
  if (kind === "value") return formatNumber(Number(answer), decimals);
  return JSON.stringify(answer);
}

/** As many decimals as a typed number had (up to 6), so a sent 0.5727 comes back as 0.5727, not 0.573. */
export function decimalsOf(value) {
  const match = /\.(\d+)$/.exec(String(value));
  if (match) return Math.min(6, match[1].length);
  return Number.isInteger(Number(value)) ? 0 : 6;
}
