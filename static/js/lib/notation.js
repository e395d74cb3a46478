/**
 * The one place the page reads and writes matrix ids, mirroring app/core/notation.py (docs/contract.md,
 * "Matrix ids"): X, y, y_hat, L; W2, b2, H2, O2; ∂L/∂node as "dL/d<node>"; f'(H2); an update as "W2_new".
 * Pure: no DOM, no store.
 */
import { toSubscript, toSuperscript } from "./tex-text.js";

export const INPUT = "X";
export const TARGET = "y";
export const OUTPUT = "y_hat";
export const LOSS = "L";

export const weightId = (k) => `W${k}`;
export const biasId = (k) => `b${k}`;
export const preId = (k) => `H${k}`;
export const postId = (k) => `O${k}`;
export const gradId = (node) => `dL/d${node}`;
export const fprimeId = (k) => `f'(H${k})`;
export const updatedId = (param) => `${param}_new`;

const LAYERED = /^([WbHO])(\d+)$/;

/**
 * What a matrix id names: {node, letter, k, grad, fprime, updated}. `node` is the node the matrix belongs
 * to ("dL/dW2" → "W2", "f'(H2)" → "H2", "W2_new" → "W2"); `letter` and `k` split a layered node ("W", 2)
 * and are null for X, y, y_hat and L. Returns null for text that is not a matrix id.
 */
export function parseMatrixId(id) {
  if (typeof id !== "string") return null;
  let node = id;
  const grad = node.startsWith("dL/d");
  if (grad) node = node.slice(4);
  const fprime = /^f'\((H\d+)\)$/.exec(node);
  if (fprime) node = fprime[1];
  const updated = !grad && !fprime && node.endsWith("_new");
  if (updated) node = node.slice(0, -4);
  const layered = LAYERED.exec(node);
  if (!layered && ![INPUT, TARGET, OUTPUT, LOSS].includes(node)) return null;
  return {
    node, letter: layered ? layered[1] : null, k: layered ? Number(layered[2]) : null,
    grad, fprime: Boolean(fprime), updated,
  };
}

/** A weight or bias matrix id ("W2", "dL/db1", "W2_new") as {letter: "W"|"b", k, grad, updated}; else null. */
export function parseParamId(id) {
  const parsed = parseMatrixId(id);
  return parsed && (parsed.letter === "W" || parsed.letter === "b") ? parsed : null;
}

/** Layer (0 = inputs, K = outputs) of the neurons behind a node id, or null for W, b, L, y. */
export function neuronLayerOfNode(node, depth) {
  if (node === INPUT) return 0;
  if (node === OUTPUT) return depth;
  const parsed = parseMatrixId(node);
  return parsed && (parsed.letter === "H" || parsed.letter === "O") && !parsed.grad && !parsed.fprime ? parsed.k : null;
}

/** A node id as LaTeX: "H2" → "H_{2}", "y_hat" → "\hat{y}" (notation.label). */
export function nodeLabel(node) {
  if (node === OUTPUT) return "\\hat{y}";
  const layered = LAYERED.exec(node);
  return layered ? `${layered[1]}_{${layered[2]}}` : node;
}

/** The LaTeX label of a matrix id: "dL/dW2" → \frac{\partial L}{\partial W_{2}}, "W2_new" → W_{2}^{\text{new}}. */
export function matrixLabel(id) {
  const parsed = parseMatrixId(id);
  if (!parsed) return id;
  const name = nodeLabel(parsed.node);
  if (parsed.grad) return `\\frac{\\partial L}{\\partial ${name}}`;
  if (parsed.fprime) return `f'(${name})`;
  return parsed.updated ? `${name}^{\\text{new}}` : name;
}

/** A node id as plain text: "W2" → "W₂", "y_hat" → "ŷ". */
function nodeText(node) {
  if (node === OUTPUT) return "ŷ";
  const layered = LAYERED.exec(node);
  return layered ? `${layered[1]}${toSubscript(layered[2])}` : node;
}

/** A matrix id as plain text: "W2" → "W₂", "dL/dW2" → "∂L/∂W₂", "f'(H2)" → "f′(H₂)", "W2_new" → "W₂′". */
export function plainLabel(id) {
  const parsed = parseMatrixId(id);
  if (!parsed) return id;
  const name = nodeText(parsed.node);
  if (parsed.grad) return `∂L/∂${name}`;
  if (parsed.fprime) return `f′(${name})`;
  return parsed.updated ? `${name}′` : name;
}

/** The neuron-view label of weight w^k_ij: "w²₁₂" (indices above 9 are separated: "w³₁₂,₁₆"). */
export function weightText(k, i, j) {
  const sep = i > 9 || j > 9 ? "," : "";
  return `w${toSuperscript(k)}${toSubscript(`${i}${sep}${j}`)}`;
}

/** The label of bias b^k_j: "b²₁". */
export function biasText(k, j) {
  return `b${toSuperscript(k)}${toSubscript(j)}`;
}

/** A shape [rows, cols] as "[4×2]" (notation.shape_text). */
export function shapeText(shape) {
  return Array.isArray(shape) && shape.length === 2 ? `[${shape[0]}×${shape[1]}]` : "";
}
