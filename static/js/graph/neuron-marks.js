/**
 * The neuron view's hover and selection marks: which circles and edges a matrix cell (or row, column, whole
 * matrix) stands for, the floating w^k_ij label, and the one-line readout under the picture.
 */
import { t, formatNumber } from "../i18n/i18n.js";
import { stepAt } from "./progress.js";
import { neuronLayerOfNode, parseMatrixId, parseParamId, weightText, biasText } from "../lib/notation.js";
import { moveClass } from "./svg.js";
import { pointers } from "../store/state.js";
import { resolveMatrix } from "../lib/matrices.js";

const READOUT_VALUES = 4; // a neuron's value for the first observations; the tables show them all

/** The elements a matrix cell (or row, column, whole matrix) stands for in this view. */
function elementsFor(view, target) {
  const found = new Set();
  if (!target || !view.dom) return found;
  const param = parseParamId(target.matrix);
  if (param) {
    addParamElements(view, param, target, found);
    return found;
  }
  const node = parseMatrixId(target.matrix)?.node;
  const layer = node ? neuronLayerOfNode(node, view.index.depth) : null;
  const column = view.dom.columns[layer];
  if (!column) return found;
  column.neurons.forEach((n, index) => {
    if (target.col === null || target.col === undefined || target.col === index) found.add(n);
  });
  return found;
}

function addParamElements(view, param, target, found) {
  const matches = (value, wanted) => wanted === null || wanted === undefined || value === wanted;
  if (param.letter === "W") {
    for (const [key, edge] of view.dom.edges) {
      if (edge.k !== param.k || !matches(edge.i - 1, target.row) || !matches(edge.j - 1, target.col)) continue;
      found.add(edge.line);
      if (edge.label) found.add(edge.label);
    }
    const column = target.row === null || target.row === undefined ? view.dom.columns[param.k] : null;
    if (column && target.col !== null && target.col !== undefined) found.add(column.neurons[target.col]);
    const rowNeuron = target.col === null || target.col === undefined ? view.dom.columns[param.k - 1]?.neurons[target.row] : null;
    if (rowNeuron) found.add(rowNeuron);
    return;
  }
  for (const edge of view.dom.biasEdges.values()) {
    if (edge.k === param.k && matches(edge.j - 1, target.col)) found.add(edge.line);
  }
  const biasNode = view.dom.columns[param.k - 1]?.bias;
  if (biasNode) found.add(biasNode);
}

/** Move the is-hovered / is-selected classes to what the hovered and the selected target point at. */
export function updateMarks(view, state) {
  const pointed = pointers(state);
  for (const kind of ["hover", "selected"]) {
    const next = elementsFor(view, pointed[kind]);
    moveClass(kind === "hover" ? "is-hovered" : "is-selected", view.marks[kind], next);
    view.marks[kind] = next;
  }
  placeFloatingLabel(view, pointed.hover ?? pointed.selected);
  updateReadout(view, state);
}

/** In a layer without labels, the one weight being pointed at still gets its w^k_ij label. */
function placeFloatingLabel(view, target) {
  const param = target ? parseParamId(target.matrix) : null;
  const edge = param?.letter === "W" ? view.dom.edges.get(`${param.k},${target.row + 1},${target.col + 1}`) : null;
  const label = view.dom.floatingLabel;
  const show = Boolean(edge && !edge.label);
  label.classList.toggle("is-hovered", show);
  if (!show) return;
  label.textContent = edge.name;
  label.setAttribute("x", edge.lx);
  label.setAttribute("y", edge.ly);
}

/** One line under the picture: the hovered (else selected) parameter with what the current step knows of it. */
function updateReadout(view, state) {
  const target = state.local.hover ?? state.view.selected;
  const param = target ? parseParamId(target.matrix) : null;
  const neuron = param?.letter === "W" ? neuronOfLine(param, target) : null;
  if (neuron) {
    view.dom.readout.textContent = neuronReadout(view, state, neuron);
    return;
  }
  const hasCell = param && target.col !== null && target.col !== undefined
    && (param.letter === "b" || (target.row !== null && target.row !== undefined));
  if (!hasCell) {
    view.dom.readout.textContent = t("graph.readoutHint");
    return;
  }
  view.dom.readout.textContent = readoutParts(view, state, param, target).join(" · ");
}

/** The neuron a whole column (neuron j of layer k) or row (neuron i of layer k-1) of W_k stands for. */
function neuronOfLine(param, target) {
  const none = (v) => v === null || v === undefined;
  if (none(target.row) && !none(target.col)) return { layer: param.k, index: target.col };
  if (none(target.col) && !none(target.row)) return { layer: param.k - 1, index: target.row };
  return null;
}

/**
 * "o²₁ (column 1 of W₂) for each observation: 0.531; 0.612; …": the layer's latest matrix the walk has computed
 * (H before its activation step, then O; ŷ at the output), and under "predict first" not the hidden step's own.
 */
function neuronReadout(view, state, { layer, index }) {
  const { trace } = state;
  const g = view.dom.columns[layer]?.neurons[index];
  const name = g?.getAttribute("aria-label") ?? "";
  const known = view.hidden ? state.stepIndex - 1 : state.stepIndex;
  let id = layer === 0 ? "X" : null;
  trace.steps.forEach((step, i) => {
    if (i <= known && step.phase === "forward" && neuronLayerOfNode(step.node, view.index.depth) === layer) id = step.output;
  });
  if (!id) return t("graph.readoutNeuronPending", { name });
  const column = (resolveMatrix(trace, id) ?? []).map((row) => row[index]);
  const d = state.view.decimals ?? 3;
  const shown = column.slice(0, READOUT_VALUES).map((v) => formatNumber(v, d));
  if (column.length > READOUT_VALUES) shown.push("…");
  return t("graph.readoutNeuron", { name, values: shown.join("; ") });
}

function readoutParts(view, state, param, target) {
  const { trace } = state;
  const step = stepAt(trace, state.stepIndex);
  const stepIndex = view.hidden ? state.stepIndex - 1 : state.stepIndex; // "predict first" keeps this step's numbers back
  const isW = param.letter === "W";
  const i = isW ? target.row : 0;
  const j = target.col;
  const pick = (matrices) => {
    const m = matrices?.[param.k - 1];
    return isW ? m?.[i]?.[j] : m?.[j];
  };
  const d = state.view.decimals;
  const name = isW ? weightText(param.k, i + 1, j + 1) : biasText(param.k, j + 1);
  const parts = [`${name} = ${formatNumber(pick(isW ? trace.spec.weights : trace.spec.biases), d)}`];
  const id = param.node;
  const gradKnown = (view.index.gradAt.get(id) ?? Infinity) <= stepIndex && step.phase !== "forward" && step.phase !== "loss";
  if (gradKnown) parts.push(`∂L/∂${name} = ${formatNumber(pick(isW ? trace.backward.dW : trace.backward.db), d)}`);
  else if (step.phase === "backward") parts.push(t("graph.readoutGradPending", { name }));
  if ((view.index.updateAt.get(id) ?? Infinity) <= stepIndex) {
    parts.push(t("graph.readoutUpdated", { value: formatNumber(pick(isW ? trace.updated.W : trace.updated.b), d) }));
  }
  return parts;
}
