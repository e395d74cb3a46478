/**
 * The gradient check view: a button asks the API to compare every ∂L/∂W_k and ∂L/∂b_k with central
 * differences, and a table shows, per parameter matrix, the backward pass's gradient and the numeric one
 * side by side with the largest relative error, coloured by size and named in words (never colour alone).
 */
import { el } from "../lib/dom.js";
import { t, formatNumber, getLang } from "../i18n/i18n.js";
import { checkGradients } from "../store/actions.js";
import { plainLabel } from "../lib/notation.js";
import { problemText } from "../lib/problems.js";

/** Relative errors below GOOD agree (the target); below CLOSE they are worth a second look. */
const GOOD = 1e-6;
const CLOSE = 1e-4;

function verdictOf(error) {
  if (error < GOOD) return "good";
  return error < CLOSE ? "close" : "bad";
}

/** A relative error as text: 2.4·10⁻⁶ reads better than 0.0000024 on a projector. */
function errorText(error) {
  if (!Number.isFinite(error)) return formatNumber(error);
  if (error === 0) return "0";
  const [mantissa, exponent] = error.toExponential(1).split("e");
  const superscript = exponent.replace(/^\+/, "").replace(/[-0-9]/g, (c) => "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"["-0123456789".indexOf(c)]);
  const digits = getLang() === "ru" ? mantissa.replace(".", ",") : mantissa;
  return `${digits}·10${superscript}`;
}

/** A matrix as aligned text rows, to 8 significant digits (enough to see where the two gradients part). */
function matrixText(matrix) {
  const rows = Array.isArray(matrix[0]) ? matrix : [matrix];
  const cells = rows.map((row) => row.map((x) => {
    const value = Number(x);
    const text = Number.isFinite(value) ? value.toPrecision(8).replace("-", "\u2212") : String(x);
    return getLang() === "ru" ? text.replace(".", ",") : text;
  }));
  const width = Math.max(...cells.flat().map((c) => c.length));
  return cells.map((row) => row.map((c) => c.padStart(width)).join("  ")).join("\n");
}

function matrixCell(matrix) {
  const td = el("td");
  td.append(el("pre", "gc-matrix", matrixText(matrix)));
  return td;
}

function resultTable(result, iteration) {
  const table = el("table", "gc-table");
  table.dataset.testid = "gradcheck-result";
  table.append(el("caption", "", t("gradcheck.caption", { n: iteration + 1 })));
  const head = el("tr");
  for (const key of ["param", "error", "verdict", "analytic", "numeric"]) {
    const th = el("th", "", t(`gradcheck.${key}`));
    th.scope = "col";
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  const analytic = [...result.dW, ...result.db];
  result.check.per_param.forEach((param, index) => {
    const error = Number(param.max_rel_error);
    const verdict = verdictOf(error);
    const row = el("tr", `gc-${verdict}`);
    Object.assign(row.dataset, { param: param.name, relError: String(param.max_rel_error), verdict });
    const name = el("th", "", plainLabel(param.name));
    name.scope = "row";
    // the verdict first: wide matrices may run past the screen's edge
    row.append(name, el("td", "gc-error", errorText(error)), el("td", "gc-verdict", t(`gradcheck.${verdict}`)));
    row.append(matrixCell(analytic[index]), matrixCell(param.numeric));
    body.append(row);
  });
  table.append(body);
  return table;
}

/** Mount the gradient check into `root` (a box inside the tools card). */
export function mountGradcheck(root, store) {
  const title = el("h3", "tools-subtitle");
  const explain1 = el("p", "gc-explain");
  const explain2 = el("p", "gc-explain");
  const button = el("button", "btn");
  button.type = "button";
  button.dataset.testid = "gradcheck";
  button.addEventListener("click", () => checkGradients(store));
  const status = el("p", "gc-status");
  status.setAttribute("aria-live", "polite");
  const output = el("div", "gc-output");
  root.append(title, explain1, explain2, button, status, output);

  const render = (state) => {
    title.textContent = t("gradcheck.title");
    explain1.textContent = t("gradcheck.explain1");
    explain2.textContent = t("gradcheck.explain2");
    button.textContent = t("gradcheck.run");
    const check = state.local.gradcheck;
    const current = check && check.request === state.request;
    button.disabled = !state.request || Boolean(current && check.running);
    status.textContent = !check ? "" : !current ? t("gradcheck.stale")
      : check.running ? t("gradcheck.running")
        : check.problems ? t("gradcheck.failed", { message: check.problems.map(problemText).join("; ") }) : "";
    output.replaceChildren();
    if (current && check.check) output.append(resultTable(check, state.iteration));
  };
  store.subscribe((state, previous) => {
    if (state.local.gradcheck !== previous.local.gradcheck || state.request !== previous.request || state.lang !== previous.lang) render(state);
  });
  render(store.get());
}
