/**
 * Linked highlighting in the tables: the cell under the pointer (local.hover) and the selected one
 * (view.selected) light up in every table that shows the same weight or the same (observation, neuron),
 * e.g. W2[0][1], ∂L/∂W2[0][1] and W2_new[0][1]; the operands of an expanded scalar formula get a frame.
 */
import { parseMatrixId, OUTPUT } from "./notation.js";

/** Which entries of different matrices mean the same thing: W2 ~ dL/dW2 ~ W2_new; H2 ~ O2 ~ dL/dH2 ~ f'(H2). */
export function familyOf(id, depth) {
  // asked for every table cell on every hover change, about a few dozen distinct ids: parse each once
  const key = `${depth}|${id}`;
  let family = families.get(key);
  if (family === undefined) families.set(key, (family = parseFamily(id, depth)));
  return family;
}

const families = new Map();

function parseFamily(id, depth) {
  const parsed = parseMatrixId(id);
  if (!parsed) return id;
  if (parsed.letter === "H" || parsed.letter === "O") return parsed.k === depth ? "out" : `layer${parsed.k}`;
  return parsed.node === OUTPUT ? "out" : parsed.node;
}

/** A null row or col means the whole column or row: a hovered neuron j is column j of W_k. */
function inRowCol(td, target) {
  return (target.row === null || Number(td.dataset.row) === target.row)
    && (target.col === null || Number(td.dataset.col) === target.col);
}

/** Families whose rows are observations (row i of each is observation i): X, y, H_k, O_k, ŷ, their d's, f'(H_k). */
const OBSERVATION_FAMILY = /^(X|y|out|layer\d+)$/;

/** The observation (0-based row) a cell or row of an observation matrix belongs to; null for W, b, L … */
export function observationRow(target, depth) {
  if (!target || target.row === null || target.row === undefined) return null;
  return OBSERVATION_FAMILY.test(familyOf(target.matrix, depth)) ? target.row : null;
}

/**
 * The neuron a whole line of W_k stands for, as {family, col}: column j of W_k is neuron j of layer k (column j
 * of H_k, O_k and their d's), row i is neuron i of layer k-1 (column i of O_{k-1}, or of X). Null otherwise.
 */
function neuronOfLine(target, depth) {
  const param = /^W(\d+)$/.exec(familyOf(target.matrix, depth));
  if (!param) return null;
  const k = Number(param[1]);
  const layerFamily = (l) => (l === 0 ? "X" : l === depth ? "out" : `layer${l}`);
  if (target.row === null && target.col !== null) return { family: layerFamily(k), col: target.col };
  if (target.col === null && target.row !== null) return { family: layerFamily(k - 1), col: target.row };
  return null;
}

function matches(td, target, depth) {
  if (!target) return false;
  const family = familyOf(td.dataset.matrixId, depth);
  // A neuron (a whole column or row of W_k, from the neuron view) also lights its column of H, O and d.
  const neuron = neuronOfLine(target, depth);
  if (neuron && family === neuron.family && Number(td.dataset.col) === neuron.col) return true;
  // A whole observation row (e.g. a point of the data view) lights that row in X, y, every H, O, ŷ and d.
  if (target.col === null && OBSERVATION_FAMILY.test(family) && observationRow(target, depth) !== null) {
    return Number(td.dataset.row) === target.row;
  }
  return family === familyOf(target.matrix, depth) && inRowCol(td, target);
}

function isOperand(td, operands) {
  return operands.some((o) => o.matrix === td.dataset.matrixId && inRowCol(td, o));
}

/** Set the is-hover / is-selected / is-operand classes on every cell under `root`. */
export function applyHighlights(root, { hover, selected, depth, operands = [] }) {
  for (const td of root.querySelectorAll("td[data-matrix-id]")) {
    td.classList.toggle("is-hover", matches(td, hover, depth));
    td.classList.toggle("is-selected", matches(td, selected, depth));
    td.classList.toggle("is-operand", isOperand(td, operands));
  }
}

/** {matrix, row, col} of a table cell, or null for anything else. */
export function cellTarget(node) {
  const td = node instanceof Element ? node.closest("td[data-matrix-id]") : null;
  if (!td) return null;
  return { matrix: td.dataset.matrixId, row: Number(td.dataset.row), col: Number(td.dataset.col) };
}

/** Whether two targets name the same cell. */
export function sameTarget(a, b) {
  return Boolean(a && b && a.matrix === b.matrix && a.row === b.row && a.col === b.col);
}
