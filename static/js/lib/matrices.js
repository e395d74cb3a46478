/**
 * Matrix ids → values (docs/contract.md, "Matrix ids"; ids are read by notation.js), and which steps the player visits.
 * Everything here is pure: it reads a trace, never the DOM or the store.
 */
import { parseMatrixId, INPUT, TARGET, OUTPUT, LOSS } from "./notation.js";

function asMatrix(value) {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return [[value]]; // a scalar, e.g. the loss
  if (value.length === 0) return [[]];
  return Array.isArray(value[0]) ? value : [value]; // a vector (bias) is one row
}

function forwardValue(trace, parsed) {
  const f = trace.forward;
  const fixed = { [INPUT]: f.X, [TARGET]: f.y, [OUTPUT]: f.y_hat, [LOSS]: f.loss };
  if (parsed.node in fixed) return fixed[parsed.node];
  const index = parsed.k - 1;
  if (parsed.updated) return (parsed.letter === "W" ? trace.updated.W : trace.updated.b)[index];
  const source = { W: trace.spec.weights, b: trace.spec.biases, H: f.H, O: f.O }[parsed.letter];
  return source ? source[index] : undefined;
}

function backwardValue(trace, parsed) {
  const b = trace.backward;
  if (parsed.fprime) return b.fprime[parsed.k - 1];
  if (parsed.letter === "W" || parsed.letter === "b") return (parsed.letter === "W" ? b.dW : b.db)[parsed.k - 1];
  // the last stage wins: when two sub-steps name the same node, the later one is the finished value
  const stages = b.d.filter((stage) => stage.node === parsed.node);
  return stages.length ? stages[stages.length - 1].value : undefined;
}

/**
 * The value of matrix `id` in `trace` as a 2-D array: vectors (biases) as one row, the loss as [[L]].
 * Returns null for an id the trace does not hold. Entries may be the strings "NaN"/"Infinity"/"-Infinity".
 */
export function resolveMatrix(trace, id) {
  const parsed = trace ? parseMatrixId(id) : null;
  if (!parsed) return null;
  return asMatrix(parsed.grad || parsed.fprime ? backwardValue(trace, parsed) : forwardValue(trace, parsed));
}

/** [rows, cols] of a 2-D array (the shape the table captions show). */
export function shapeOf(matrix) {
  return matrix ? [matrix.length, matrix[0] ? matrix[0].length : 0] : null;
}

/**
 * The step indices the player visits. With `mergeD`, the first sub-step of each d-group
 * (d ← d·Wᵀ) is skipped: the group's second sub-step then shows the merged one-line formula.
 */
export function visibleSteps(trace, mergeD) {
  if (!trace) return [];
  const indices = [];
  trace.steps.forEach((step, index) => {
    const next = trace.steps[index + 1];
    const firstOfGroup = step.group != null && next && next.group === step.group;
    if (!(mergeD && firstOfGroup)) indices.push(index);
  });
  return indices;
}

/** The visible index to show for `stepIndex` when it is hidden by merging: the group's second sub-step. */
export function nearestVisible(trace, mergeD, stepIndex) {
  const visible = visibleSteps(trace, mergeD);
  if (visible.includes(stepIndex)) return stepIndex;
  return visible.find((index) => index > stepIndex) ?? visible[visible.length - 1] ?? 0;
}
