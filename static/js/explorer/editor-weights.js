/**
 * The editor's weight and bias matrices: one text box per W_k (and b_k when biases are on), filled with the
 * numbers the page shows, read as text pasted from a spreadsheet (number-text.js). Untouched boxes leave
 * the weights to the editor's other rules (keep the current ones, or initialise from the seed).
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { parseRows, rowsToText } from "../lib/number-text.js";
import { plainLabel } from "../lib/notation.js";
import { ruleText } from "../lib/problems.js";

/**
 * Read pasted matrices against layer sizes (pure): `texts` is {W1: text, b1: text, …}. Returns
 * {weights, biases?} or {errors: [message]} naming the field and, for a wrong shape, the shape needed.
 */
export function readWeights(texts, layers, bias) {
  const weights = [], biases = [], errors = [];
  for (let k = 1; k < layers.length; k += 1) {
    const shapes = [[`W${k}`, layers[k - 1], layers[k], weights]];
    if (bias) shapes.push([`b${k}`, 1, layers[k], biases]);
    for (const [id, rows, cols, into] of shapes) {
      const field = plainLabel(id);
      const parsed = parseRows(texts[id] ?? "", cols);
      if (parsed.error) {
        errors.push(t("error.field", { field, message: ruleText(parsed.error.rule, parsed.error.params) }));
        continue;
      }
      const got = [parsed.rows.length, parsed.rows[0].length];
      if (got[0] !== rows || got[1] !== cols) {
        errors.push(t("editor.errShape", { field, rows, cols, gotRows: got[0], gotCols: got[1] }));
        continue;
      }
      into.push(id.startsWith("b") ? parsed.rows[0] : parsed.rows);
    }
  }
  if (errors.length) return { errors };
  return bias ? { weights, biases } : { weights };
}

/**
 * The fieldset for the editor: {box, read(layers, bias)}. `read` returns null while no box was edited
 * (the weights then follow the editor's other fields), else what readWeights returns.
 */
export function weightFields(trace) {
  const box = el("fieldset", "editor-weights");
  box.append(el("legend", "", t("editor.weights")), el("p", "hint", t("editor.weightsHint")));
  const grid = el("div", "editor-weights-grid");
  const areas = new Map();
  const spec = trace?.spec;
  const matrices = [];
  spec?.weights.forEach((w, index) => {
    matrices.push([`W${index + 1}`, w]);
    if (spec.bias) matrices.push([`b${index + 1}`, [spec.biases[index]]]);
  });
  for (const [id, matrix] of matrices) {
    const area = el("textarea");
    Object.assign(area, { value: rowsToText(matrix, String, "\t"), rows: Math.min(6, matrix.length + 1), spellcheck: false });
    area.dataset.testid = `editor-${id}`;
    const label = el("label", "field");
    label.append(el("span", "field-label", `${plainLabel(id)} [${matrix.length}×${matrix[0].length}]`), area);
    grid.append(label);
    areas.set(id, area);
  }
  box.append(grid);
  let touched = false;
  box.addEventListener("input", () => { touched = true; });
  return {
    box,
    read(layers, bias) {
      if (!touched || !layers) return null;
      // biases switched on after this trace had none: there are no boxes for them, so they start at zero
      const withBiases = bias && [...areas.keys()].some((id) => id.startsWith("b"));
      return readWeights(Object.fromEntries([...areas].map(([id, area]) => [id, area.value])), layers, withBiases);
    },
  };
}
