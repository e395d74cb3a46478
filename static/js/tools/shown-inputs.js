/**
 * A step's result recomputed from its inputs as the page shows them (rounded to the shown decimals), so that
 * the hand-calculation check can accept work done from the numbers on screen (judging.js). Pure: a trace in,
 * a matrix out; null for a kind or activation it does not know.
 */
import { resolveMatrix } from "../lib/matrices.js";
import { toNumber } from "../i18n/i18n.js";

const LEAKY_SLOPE = 0.01; // app/core/activations.py
const sigmoid = (h) => 1 / (1 + Math.exp(-h));
const ACTIVATIONS = {
  identity: (h) => h,
  sigmoid,
  tanh: Math.tanh,
  relu: (h) => Math.max(h, 0),
  leaky_relu: (h) => (h > 0 ? h : LEAKY_SLOPE * h),
  softplus: (h) => Math.max(h, 0) + Math.log1p(Math.exp(-Math.abs(h))),
};

/** x as it reads at `decimals` (what formatNumber prints). */
export function roundShown(x, decimals) {
  const value = toNumber(x);
  return Number.isFinite(value) ? Number(value.toFixed(decimals)) : value;
}

const map = (A, fn) => A.map((row, r) => row.map((x, c) => fn(x, r, c)));
const transpose = (A) => A[0].map((_, c) => A.map((row) => row[c]));
const matmul = (A, B) => A.map((row) => B[0].map((_, c) => row.reduce((sum, a, m) => sum + a * B[m][c], 0)));

function outputGradient(loss, P, Y) {
  const n = P.flat().length;
  const byLoss = {
    half_sse: (p, y) => p - y,
    mse: (p, y) => (2 / n) * (p - y),
    bce: (p, y) => (p - y) / (n * p * (1 - p)),
  };
  const fn = byLoss[loss];
  return fn ? map(P, (p, r, c) => fn(p, Y[r][c])) : null;
}

function lossValue(loss, P, Y) {
  const pairs = P.flatMap((row, r) => row.map((p, c) => [p, Y[r][c]]));
  const n = pairs.length;
  const sq = pairs.reduce((sum, [p, y]) => sum + (y - p) ** 2, 0);
  if (loss === "half_sse") return 0.5 * sq;
  if (loss === "mse") return sq / n;
  if (loss === "bce") return -pairs.reduce((sum, [p, y]) => sum + y * Math.log(p) + (1 - y) * Math.log(1 - p), 0) / n;
  return null;
}

/**
 * The d group's first sub-step when the panel shows step `stepIndex` merged with it (mergeD on, the group's
 * second sub-step), else null: the `first` of shownInputsResult, and what the step panel shows.
 */
export function mergedFirst(trace, stepIndex, mergeD) {
  const step = trace.steps[stepIndex];
  const first = trace.steps[stepIndex - 1];
  return mergeD && step?.merged_latex && first && first.group === step.group ? first : null;
}

/**
 * The result of `step` from its inputs rounded to `decimals`; `first` is the d group's first sub-step when
 * the panel shows the two merged (then the inputs shown are d, W and f'). Returns a 2-D array or null.
 */
export function shownInputsResult(trace, step, decimals, first = null) {
  const get = (id) => {
    const m = resolveMatrix(trace, id);
    return m ? map(m, (x) => roundShown(x, decimals)) : null;
  };
  const [a, b, c] = step.inputs;
  const spec = trace.spec;
  switch (first && step.kind === "grad_activation" ? "merged" : step.kind) {
    case "linear": {
      const H = matmul(get(a), get(b));
      return c ? map(H, (h, r, col) => h + get(c)[0][col]) : H;
    }
    case "activation": {
      const f = ACTIVATIONS[spec.activations[step.layer - 1]];
      return f ? map(get(a), f) : null;
    }
    case "loss": {
      const L = lossValue(spec.loss, get("y_hat"), get("y"));
      return L === null ? null : [[L]];
    }
    case "grad_output": return outputGradient(spec.loss, get("y_hat"), get("y"));
    case "grad_activation": {
      if (a === "y_hat") { // bce with a sigmoid output: (ŷ − y) / N
        const P = get("y_hat"), Y = get("y"), n = P.flat().length;
        return map(P, (p, r, col) => (p - Y[r][col]) / n);
      }
      const G = get(b);
      return map(get(a), (d, r, col) => d * G[r][col]);
    }
    case "merged": {
      const G = get(step.inputs[1]);
      return map(matmul(get(first.inputs[0]), transpose(get(first.inputs[1]))), (d, r, col) => d * G[r][col]);
    }
    case "grad_weight": return matmul(transpose(get(a)), get(b));
    case "grad_bias": return [transpose(get(a)).map((col) => col.reduce((sum, x) => sum + x, 0))];
    case "grad_through_weight": return matmul(get(a), transpose(get(b)));
    case "update": {
      const G = get(b), eta = spec.learning_rate;
      return map(get(a), (p, r, col) => p - eta * G[r][col]);
    }
    default: return null;
  }
}
