/**
 * Edit one number where it is shown: a weight or bias cell, an X or y cell, a weight edge of the network.
 * An input opens in place with the current value; Enter applies (the `editCell` action: a load of the new
 * request, on the same step and iteration), Escape cancels, and a value that is not a number is named next
 * to the input in the page's language. Opening is the views' business (double-click, Enter, F2, ✎).
 */
import { el } from "../lib/dom.js";
import { t, getLang, toNumber } from "../i18n/i18n.js";
import { parseNumber } from "../lib/number-text.js";
import { resolveMatrix } from "../lib/matrices.js";
import { plainLabel } from "../lib/notation.js";
import { editCell } from "../store/actions.js";
import { problemText } from "../lib/problems.js";

/** Matrix ids whose cells are numbers of the request: weights, biases, inputs and targets. */
export function isEditable(id) {
  return /^(W\d+|b\d+|X|y)$/.test(id ?? "");
}

/** The cell's readable name for labels: "W₂, row 1, column 2". */
export function cellName(target) {
  return t("cell.name", { name: plainLabel(target.matrix), i: target.row + 1, j: target.col + 1 });
}

/** The exact value of a request cell as the text to edit: full precision, the page's decimal separator. */
export function editText(trace, target) {
  const value = toNumber(resolveMatrix(trace, target.matrix)?.[target.row]?.[target.col]);
  const text = Number.isFinite(value) ? String(value) : "";
  return getLang() === "ru" ? text.replace(".", ",") : text;
}

/** A small button "✎ <text>" whose accessible name is the text alone. */
export function pencilButton(text, className = "btn small edit-button") {
  const button = el("button", className);
  button.type = "button";
  const icon = el("span", "pencil", "✎ ");
  icon.setAttribute("aria-hidden", "true");
  button.append(icon, el("span", "", text));
  return button;
}

let editorCount = 0;
let open = null; // at most one editor at a time

/** Close the open editor, if any, as if Escape was pressed. */
export function closeCellEditor() {
  open?.cancel();
}

/**
 * Open an editor for `target` ({matrix, row, col}, an editable id) inside `host`. `label` names the cell;
 * `onCancel()` puts the host back; `onApplied()` runs after the new trace is shown (e.g. to restore focus).
 * Returns the input.
 */
export function openCellEditor(store, host, { target, label = cellName(target), onCancel = () => {}, onApplied = () => {} }) {
  closeCellEditor();
  const box = el("span", "cell-editor-box");
  const input = el("input", "cell-editor");
  Object.assign(input, { type: "text", value: editText(store.get().trace, target), inputMode: "decimal", autocomplete: "off", spellcheck: false });
  input.dataset.testid = "cell-editor";
  input.setAttribute("aria-label", t("edit.label", { name: label }));
  input.title = t("edit.hint");
  const message = el("span", "cell-editor-error");
  message.id = `cell-editor-error-${(editorCount += 1)}`;
  message.dataset.testid = "cell-editor-error";
  message.setAttribute("role", "alert");
  message.hidden = true;
  input.setAttribute("aria-describedby", message.id);
  box.append(input, message);
  host.append(box);

  let busy = false;
  const editor = {
    cancel() {
      if (open !== editor) return;
      open = null;
      box.remove();
      onCancel();
    },
  };
  open = editor;

  const complain = (text) => {
    message.textContent = text;
    message.hidden = false;
    input.setAttribute("aria-invalid", "true");
  };
  async function apply() {
    const value = parseNumber(input.value);
    if (value === null) return complain(t("edit.invalid", { value: input.value.trim() }));
    busy = true;
    const result = await editCell(store, { ...target, value }, { quiet: true });
    busy = false;
    if (result.ok) {
      if (open === editor) open = null;
      box.remove();
      onApplied();
    } else if (!result.stale) {
      complain(result.problems.map(problemText).join(" ") || t("edit.invalid", { value: input.value.trim() }));
    }
  }

  // Keys and clicks stay in the editor: the views' own handlers would select cells or step the player.
  input.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Enter") {
      event.preventDefault();
      if (!busy) apply();
    } else if (event.key === "Escape") {
      event.preventDefault();
      editor.cancel();
    }
  });
  input.addEventListener("input", () => {
    message.hidden = true;
    input.removeAttribute("aria-invalid");
  });
  for (const type of ["click", "dblclick", "pointerdown"]) box.addEventListener(type, (event) => event.stopPropagation());
  input.addEventListener("blur", () => { if (!busy && message.hidden) editor.cancel(); });
  const off = store.get().editsOff; // e.g. a class in which every student has their own numbers: say why
  if (off) {
    input.readOnly = true;
    complain(t(off));
  }
  input.focus();
  input.select();
  return input;
}
