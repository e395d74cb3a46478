/**
 * Matrix ids → values and labels (docs/contract.md, "Matrix ids"), and which steps the player visits.
 * Everything here is pure: it reads a trace, never the DOM or the store.
 */

/** A node id ("H2", "y_hat", "W3", "L") as LaTeX ("H_{2}", "\hat{y}", "W_{3}", "L"). */
export function nodeLabel(node) {
  if (node === "y_hat") return "\\hat{y}";
  const match = /^([A-Za-z]+)(\d+)$/.exec(node);
  return match ? `${match[1]}_{${match[2]}}` : node;
}

/** The LaTeX label of a matrix id: "dL/dW2" → \frac{\partial L}{\partial W_{2}}, "W2_new" → W_{2}^{\text{new}}. */
export function matrixLabel(id) {
  if (id.startsWith("dL/d")) return `\\frac{\\partial L}{\\partial ${nodeLabel(id.slice(4))}}`;
  const fprime = /^f'\((\w+)\)$/.exec(id);
  if (fprime) return `f'(${nodeLabel(fprime[1])})`;
  if (id.endsWith("_new")) return `${nodeLabel(id.slice(0, -4))}^{\\text{new}}`;
  return nodeLabel(id);
}

function asMatrix(value) {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return [[value]]; // a scalar, e.g. the loss
  if (value.length === 0) return [[]];
  return Array.isArray(value[0]) ? value : [value]; // a vector (bias) is one row
}

function forwardValue(trace, id) {
  const f = trace.forward;
  if (id === "X") return f.X;
  if (id === "y") return f.y;
  if (id === "y_hat") return f.y_hat;
  if (id === "L") return f.loss;
  const match = /^([WbHO])(\d+)(_new)?$/.exec(id);
  if (!match) return undefined;
  const index = Number(match[2]) - 1;
  if (match[3]) return (match[1] === "W" ? trace.updated.W : trace.updated.b)[index];
  const source = { W: trace.spec.weights, b: trace.spec.biases, H: f.H, O: f.O }[match[1]];
  return source ? source[index] : undefined;
}

function backwardValue(trace, id) {
  const b = trace.backward;
  const fprime = /^f'\(H(\d+)\)$/.exec(id);
  if (fprime) return b.fprime[Number(fprime[1]) - 1];
  const param = /^dL\/d([Wb])(\d+)$/.exec(id);
  if (param) return (param[1] === "W" ? b.dW : b.db)[Number(param[2]) - 1];
  if (id.startsWith("dL/d")) {
    const node = id.slice(4);
    // the last stage wins: when two sub-steps name the same node, the later one is the finished value
    const stages = b.d.filter((stage) => stage.node === node);
    return stages.length ? stages[stages.length - 1].value : undefined;
  }
  return undefined;
}

/**
 * The value of matrix `id` in `trace` as a 2-D array: vectors (biases) as one row, the loss as [[L]].
 * Returns null for an id the trace does not hold. Entries may be the strings "NaN"/"Infinity"/"-Infinity".
 */
export function resolveMatrix(trace, id) {
  if (!trace) return null;
  const value = id.startsWith("dL/d") || id.startsWith("f'(") ? backwardValue(trace, id) : forwardValue(trace, id);
  return asMatrix(value);
}

/** "[4×2]" for a 2-D array (the shape the table captions show). */
export function shapeText(matrix) {
  if (!matrix) return "";
  return `[${matrix.length}×${matrix[0] ? matrix[0].length : 0}]`;
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
