/**
 * The worked solution of one iteration as a handout: every step's formula (LaTeX and plain text) with the
 * numbers of its inputs and result, in the page's language. handoutSteps is the content; the Markdown file
 * and the printable page (exports.js) are two renderings of it. Pure: reads a trace, never the DOM.
 */
import { t, tn, formatNumber } from "../i18n/i18n.js";
import { resolveMatrix } from "../lib/matrices.js";
import { matrixLabel } from "../lib/notation.js";
import { texNumber } from "../lib/tex.js";
import { texToText } from "../lib/tex-text.js";
import { ROW_LIMIT } from "../lib/matrix-table.js";

/** A matrix as a LaTeX bmatrix at `decimals`; past `rowLimit` rows a row of ⋮ stands for the rest. */
export function texMatrix(matrix, decimals, rowLimit = Infinity) {
  if (matrix.length === 1 && matrix[0].length === 1) return texNumber(matrix[0][0], decimals);
  const shown = matrix.slice(0, rowLimit).map((row) => row.map((x) => texNumber(x, decimals)).join(" & "));
  if (matrix.length > rowLimit) shown.push(matrix[0].map(() => "\\vdots").join(" & "));
  return `\\begin{bmatrix} ${shown.join(" \\\\ ")} \\end{bmatrix}`;
}

function numbersOf(trace, id, decimals, rowLimit) {
  const matrix = resolveMatrix(trace, id);
  if (!matrix) return null;
  const cut = matrix.length > rowLimit ? tn("handout.rowsCut", matrix.length, { shown: rowLimit, rows: matrix.length }) : "";
  return { id, latex: `${matrixLabel(id)} = ${texMatrix(matrix, decimals, rowLimit)}`, cut };
}

/** The handout's title and introduction (the network, the data size and the iteration). */
export function handoutHead(state) {
  const spec = state.trace.spec;
  return {
    title: t("handout.title"),
    intro: t("handout.intro", {
      layers: spec.layers.join("–"),
      activations: spec.activations.map((a) => t(`act.${a}`)).join(", "),
      loss: t(`loss.${spec.loss}`),
      lr: formatNumber(spec.learning_rate, 4).replace(/0+$/, "").replace(/[.,]$/, ""),
      n: state.trace.forward.X.length,
      iteration: state.iteration + 1,
    }),
  };
}

/**
 * Every step of the state's trace: {id, title, latex, text, given: [{id, latex, cut}], result: {id, latex, cut}}.
 * Numbers follow the view's decimals; rows past the table's limit are cut unless the view shows all rows.
 */
export function handoutSteps(state) {
  const { trace, view } = state;
  const rowLimit = view.showAllRows ? Infinity : ROW_LIMIT;
  return trace.steps.map((step, index) => {
    const given = step.inputs.map((id) => numbersOf(trace, id, view.decimals, rowLimit)).filter(Boolean);
    if (step.phase === "update") given.push({ id: "eta", latex: `\\eta = ${texNumber(trace.spec.learning_rate, 4)}`, cut: "" });
    return {
      id: step.id,
      title: t("handout.step", { i: index + 1, n: trace.steps.length, phase: t(`phase.${step.phase}`), id: step.id }),
      latex: step.latex,
      text: texToText(step.latex),
      given,
      result: numbersOf(trace, step.output, view.decimals, rowLimit),
    };
  });
}

/** The handout as Markdown with LaTeX ($$ … $$ blocks, which Markdown editors with math render). */
export function handoutMarkdown(state) {
  const head = handoutHead(state);
  const lines = [`# ${head.title}`, "", head.intro, ""];
  const block = (item) => [`$$${item.latex}$$`, ...(item.cut ? [`_${item.cut}_`] : []), ""];
  for (const step of handoutSteps(state)) {
    lines.push(`## ${step.title}`, "", `$$${step.latex}$$`, "", `\`${step.text}\``, "", `${t("handout.given")}:`, "");
    for (const item of step.given) lines.push(...block(item));
    if (step.result) lines.push(`${t("handout.result")}:`, "", ...block(step.result));
  }
  return lines.join("\n");
}
