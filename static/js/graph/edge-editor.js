/**
 * Changing a weight or a bias from the network picture: double-click its edge, or select it and press the
 * ✎ button under the picture. The editor (cell-editor.js) floats over the edge's middle; a selection made at
 * a backward step names the gradient (∂L/∂W₂), but the number edited is always the weight itself.
 */
import { t } from "../i18n/i18n.js";
import { htmlEl } from "./svg.js";
import { parseParamId, weightText, biasText } from "../lib/notation.js";
import { openCellEditor, pencilButton } from "../explorer/cell-editor.js";
import { toggleSelect } from "../store/actions.js";
import { sameTarget } from "../lib/highlight.js";

/** The request cell a neuron-view target stands for ({matrix: "W2", row, col}), or null for neurons and layers. */
export function paramCell(target) {
  const param = target ? parseParamId(target.matrix) : null;
  if (!param || param.updated || target.col === null || target.col === undefined) return null;
  if (param.letter === "W" && (target.row === null || target.row === undefined)) return null;
  return { matrix: `${param.letter}${param.k}`, row: param.letter === "W" ? target.row : 0, col: target.col };
}

function cellLabel(cell) {
  const k = Number(cell.matrix.slice(1));
  return cell.matrix.startsWith("W") ? weightText(k, cell.row + 1, cell.col + 1) : biasText(k, cell.col + 1);
}

function edgeLine(view, cell) {
  const k = Number(cell.matrix.slice(1));
  const key = cell.matrix.startsWith("W") ? `${k},${cell.row + 1},${cell.col + 1}` : `${k},${cell.col + 1}`;
  return (cell.matrix.startsWith("W") ? view.dom.edges.get(key) : view.dom.biasEdges.get(key))?.line ?? null;
}

/** Float the editor over the middle of the edge of `cell`. */
function editEdge(view, cell) {
  const line = edgeLine(view, cell);
  if (!line) return;
  const { panel } = view.dom;
  const box = line.getBoundingClientRect();
  const frame = panel.getBoundingClientRect();
  const host = htmlEl("div", "edge-editor", null, panel);
  host.style.left = `${Math.max(0, box.left + box.width / 2 - frame.left - 50)}px`;
  host.style.top = `${Math.max(0, box.top + box.height / 2 - frame.top - 16)}px`;
  openCellEditor(view.store, host, {
    target: cell,
    label: cellLabel(cell),
    onCancel: () => host.remove(),
    onApplied: () => host.remove(),
  });
}

/** Wire double-click on edges and the ✎ button into a freshly built neuron view (`targetOf` maps an element). */
export function attachEdgeEditing(view, targetOf) {
  const button = pencilButton("");
  view.dom.readout.parentElement.append(button);
  button.dataset.testid = "edge-edit";
  button.hidden = true;
  button.addEventListener("click", () => {
    const cell = paramCell(view.store.get().view.selected);
    if (cell) editEdge(view, cell);
  });
  view.dom.editButton = button;
  view.dom.svg.addEventListener("dblclick", (event) => {
    const target = targetOf(view, event.target);
    const cell = paramCell(target);
    if (!cell || !event.target.closest("[data-weight], [data-bias]")) return;
    if (!sameTarget(target, view.store.get().view.selected)) toggleSelect(view.store, target);
    editEdge(view, cell);
  });
}

/** Show ✎ "Edit w²₁₂" under the picture while a weight or bias is selected. */
export function syncEdgeEditButton(view, state) {
  const button = view.dom?.editButton;
  if (!button) return;
  const cell = paramCell(state.view.selected);
  button.hidden = !cell;
  if (cell) button.lastChild.textContent = t("edit.button", { name: cellLabel(cell) });
}
