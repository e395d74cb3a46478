/**
 * What a step has computed so far, derived from the trace's step list (pure, no DOM).
 * Both graph views use it: an index is built once per trace, then every step change is a few lookups.
 */
import { neuronLayerOfNode, parseParamId } from "../lib/notation.js";

/** The weight layer k a step works on ("W2", "dL/dW2", "W2_new" among its matrices) or null. */
export function weightLayerOfStep(step) {
  return paramLayerOfStep(step, "W");
}

/** The bias layer k a step works on ("b2", "dL/db2", "b2_new" among its matrices) or null. */
export function biasLayerOfStep(step) {
  return paramLayerOfStep(step, "b");
}

function paramLayerOfStep(step, letter) {
  for (const id of [step.output, ...step.inputs]) {
    const param = parseParamId(id);
    if (param?.letter === letter) return param.k;
  }
  return null;
}

/**
 * Index of a trace's steps: for every node the step that computes it forward (`forwardAt`), the step
 * that computes its gradient (`gradAt`, the last one when two sub-steps name it) and its update (`updateAt`);
 * per neuron layer the first forward and backward step touching it; per weight layer the steps of ∂L/∂W_k,
 * ∂L/∂b_k and their updates.
 */
export function indexSteps(trace) {
  const depth = trace.spec.layers.length - 1;
  const forwardAt = new Map();
  const gradAt = new Map();
  const updateAt = new Map();
  const layerForwardAt = new Array(depth + 1).fill(Infinity);
  const layerGradAt = new Array(depth + 1).fill(Infinity);
  layerForwardAt[0] = -1; // the inputs are given
  trace.steps.forEach((step, index) => {
    const layer = neuronLayerOfNode(step.node, depth);
    if (step.phase === "forward" || step.phase === "loss") {
      forwardAt.set(step.node, index);
      if (layer !== null) layerForwardAt[layer] = Math.min(layerForwardAt[layer], index);
    } else if (step.phase === "backward") {
      gradAt.set(step.node, index);
      if (layer !== null) layerGradAt[layer] = Math.min(layerGradAt[layer], index);
    } else if (step.phase === "update") {
      updateAt.set(step.node, index);
    }
  });
  return { depth, forwardAt, gradAt, updateAt, layerForwardAt, layerGradAt };
}

/** The step at `index` of `trace`, clamped into range (null for an empty trace). */
export function stepAt(trace, index) {
  if (!trace || !trace.steps.length) return null;
  return trace.steps[Math.max(0, Math.min(trace.steps.length - 1, index))];
}

/** When a node counts as computed at step `index`: given inputs always, computed nodes from their step on. */
export function nodeState(stepIndex, index, id) {
  const at = stepIndex.forwardAt.get(id);
  const gradAt = stepIndex.gradAt.get(id);
  const updateAt = stepIndex.updateAt.get(id);
  return {
    filled: at === undefined || at <= index,
    active: at === index,
    gradDone: gradAt !== undefined && gradAt <= index,
    gradActive: gradAt === index,
    updated: updateAt !== undefined && updateAt <= index,
  };
}

/**
 * Which values colour the neuron view's edges of parameter `param` ("W2", "b2") at step `index`:
 * "weight" (forward and loss), "gradient" once ∂L/∂param is known on backward steps (else "pending"),
 * "updated" once the parameter has been updated on update steps (else "weight").
 */
export function edgeMode(stepIndex, phase, index, param) {
  if (phase === "backward") {
    const at = stepIndex.gradAt.get(param);
    return at !== undefined && at <= index ? "gradient" : "pending";
  }
  if (phase === "update") {
    const at = stepIndex.updateAt.get(param);
    return at !== undefined && at <= index ? "updated" : "weight";
  }
  return "weight";
}
