/** One or two plain sentences per step, in the current language: what the step does and why. */
import { t, formatNumber } from "../i18n/i18n.js";
import { plainLabel, weightId, biasId, postId, INPUT } from "../lib/notation.js";

function params(trace, step) {
  const k = step.layer ?? 0;
  const left = step.kind === "grad_weight" || step.kind === "linear" ? step.inputs[0] : k > 1 ? postId(k - 1) : INPUT;
  const weight = step.kind === "grad_through_weight" ? weightId(k + 1) : weightId(k);
  return {
    W: plainLabel(weight),
    Oprev: plainLabel(left),
    b: plainLabel(biasId(k)),
    lr: formatNumber(trace.spec.learning_rate, 4).replace(/0+$/, "").replace(/[.,]$/, ""),
  };
}

const KEYS_BY_KIND = {
  linear: (trace, step) => [
    "explain.linear",
    ...(step.inputs.length > 2 ? ["explain.linearBias"] : []),
    ...(step.output === "y_hat" ? ["explain.linearOutput"] : []),
  ],
  activation: () => ["explain.activation"],
  loss: (trace) => [`explain.loss_${trace.spec.loss}`],
  grad_output: (trace) => [`explain.grad_output_${trace.spec.loss}`],
  grad_activation: (trace, step, merged) => {
    if (step.inputs[0] === "y_hat") return ["explain.grad_activation_bce"];
    return merged ? ["explain.merged", "explain.grad_activation"] : ["explain.grad_activation"];
  },
  grad_weight: () => ["explain.grad_weight"],
  grad_bias: () => ["explain.grad_bias"],
  grad_through_weight: () => ["explain.grad_through_weight"],
  update: (trace, step) => (step.node.startsWith("b") ? ["explain.updateBias"] : ["explain.update"]),
};

/** The explanation sentences of `step` (merged: whether the d sub-steps are shown as one). */
export function explanation(trace, step, merged = false) {
  const keysFor = KEYS_BY_KIND[step.kind];
  if (!keysFor) return [];
  const values = params(trace, step);
  if (merged && step.kind === "grad_activation") values.W = plainLabel(weightId(step.layer + 1));
  return keysFor(trace, step, merged).map((key) => t(key, values));
}
