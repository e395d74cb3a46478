/**
 * One entry of a step's result written as its scalar formula with the numbers plugged in,
 * in the exercise's notation (h^k_ij, o^k_ij, w^k_ij, d_ij), e.g.
 *   ∂L/∂w²₁₂ = Σᵢ o¹ᵢ₁·dᵢ₂ = 0,41·(−0,03) + … = −0,012.
 * Also says which operand cells the entry is made of, so the tables can light them up.
 */
import { resolveMatrix } from "../lib/matrices.js";
import { parseMatrixId, preId, INPUT, TARGET, OUTPUT, LOSS } from "../lib/notation.js";
import { texNumber, texFactor } from "../lib/tex.js";
import { toNumber } from "../i18n/i18n.js";
import { ACTIVATION_TEX } from "../lib/core-options.js";

const MAX_TERMS = 6; // longer sums show the first terms, "+ …" and the total

/** The scalar symbol of entry (i, j) of matrix `id`; i and j are TeX index strings (1-based numbers or letters). */
export function entrySymbol(id, i, j) {
  const sub = (a, b) => `_{${a}${b}}`;
  const parsed = parseMatrixId(id);
  if (!parsed) return `${id}${sub(i, j)}`;
  const { node, letter, k } = parsed;
  if (parsed.grad && (letter === "W" || letter === "b")) return `\\frac{\\partial L}{\\partial ${entrySymbol(node, i, j)}}`;
  if (parsed.grad) return `d${sub(i, j)}`;
  if (parsed.fprime) return `f'(h^{${k}}${sub(i, j)})`;
  if (letter === "b") return `b^{${k}}_{${j}}`;
  if (letter) return `${letter.toLowerCase()}^{${k}}${sub(i, j)}`;
  const symbols = { [INPUT]: `x${sub(i, j)}`, [TARGET]: `y${sub(i, j)}`, [OUTPUT]: `\\hat{y}${sub(i, j)}`, [LOSS]: "L" };
  return symbols[node];
}

function value(matrix, r, c) {
  return matrix?.[r]?.[c];
}

/** "a + b + … + z" for the first MAX_TERMS terms, with "+ \dots" when cut. */
function joinTerms(terms) {
  const shown = terms.slice(0, MAX_TERMS).join(" + ");
  return terms.length > MAX_TERMS ? `${shown} + \\dots` : shown;
}

function activationTex(trace, k) {
  return ACTIVATION_TEX[trace.spec.activations[k - 1]] ?? "f";
}

const idx = (n) => String(n + 1); // 0-based array index → 1-based TeX index

function linear(ctx) {
  const { step, trace, r, c, n } = ctx;
  const [left, weight, bias] = step.inputs;
  const A = resolveMatrix(trace, left);
  const W = resolveMatrix(trace, weight);
  const B = bias ? resolveMatrix(trace, bias) : null;
  const general = `\\sum_{m} ${entrySymbol(left, idx(r), "m")}\\,${entrySymbol(weight, "m", idx(c))}`
    + (bias ? ` + ${entrySymbol(bias, "", idx(c))}` : "");
  const terms = W.map((row, m) => `${ctx.f(value(A, r, m))}\\cdot ${ctx.f(value(W, m, c))}`);
  if (B) terms.push(ctx.f(value(B, 0, c)));
  return {
    parts: [general, joinTerms(terms)],
    operands: [{ matrix: left, row: r, col: null }, { matrix: weight, row: null, col: c },
      ...(bias ? [{ matrix: bias, row: 0, col: c }] : [])],
  };
}

function activation(ctx) {
  const { step, trace, r, c, n } = ctx;
  const [pre] = step.inputs;
  const f = activationTex(trace, step.layer);
  return {
    parts: [`${f}(${entrySymbol(pre, idx(r), idx(c))})`, `${f}(${n(value(resolveMatrix(trace, pre), r, c))})`],
    operands: [{ matrix: pre, row: r, col: c }],
  };
}

function lossTerms(ctx) {
  const { trace } = ctx;
  const Y = resolveMatrix(trace, "y");
  const P = resolveMatrix(trace, "y_hat");
  const pairs = P.flatMap((row, i) => row.map((p, j) => [Y[i][j], p]));
  const count = pairs.length;
  const loss = trace.spec.loss;
  if (loss === "bce") {
    const terms = pairs.map(([y, p]) => `${ctx.n(y)}\\ln ${ctx.f(p)} + (1 - ${ctx.n(y)})\\ln(1 - ${ctx.n(p)})`);
    return [`-\\frac{1}{N}\\sum_{i,j} \\big[y_{ij}\\ln\\hat{y}_{ij} + (1-y_{ij})\\ln(1-\\hat{y}_{ij})\\big]`,
      `-\\frac{1}{${count}}\\big[${joinTerms(terms)}\\big]`];
  }
  const terms = pairs.map(([y, p]) => `(${ctx.n(y)} - ${ctx.f(p)})^2`);
  const factor = loss === "mse" ? `\\frac{1}{${count}}` : "\\frac{1}{2}";
  const general = loss === "mse" ? "\\frac{1}{N}" : "\\frac{1}{2}";
  return [`${general}\\sum_{i,j} (y_{ij} - \\hat{y}_{ij})^2`, `${factor}\\big[${joinTerms(terms)}\\big]`];
}

function lossStep(ctx) {
  return { parts: lossTerms(ctx), operands: [{ matrix: "y_hat", row: null, col: null }, { matrix: "y", row: null, col: null }] };
}

function outputGradient(ctx) {
  const { trace, r, c, n, f } = ctx;
  const p = value(resolveMatrix(trace, "y_hat"), r, c);
  const y = value(resolveMatrix(trace, "y"), r, c);
  const count = resolveMatrix(trace, "y").flat().length;
  const i = idx(r), j = idx(c);
  const hatY = `\\hat{y}_{${i}${j}}`, yy = `y_{${i}${j}}`;
  const byLoss = {
    half_sse: [`${hatY} - ${yy}`, `${n(p)} - ${f(y)}`],
    mse: [`\\frac{2}{N}(${hatY} - ${yy})`, `\\frac{2}{${count}}(${n(p)} - ${f(y)})`],
    bce: [`\\frac{${hatY} - ${yy}}{N\\,${hatY}(1 - ${hatY})}`,
      `\\frac{${n(p)} - ${f(y)}}{${count}\\cdot ${n(p)}\\cdot(1 - ${n(p)})}`],
    stable: [`\\frac{1}{N}(${hatY} - ${yy})`, `\\frac{1}{${count}}(${n(p)} - ${f(y)})`],
  };
  const parts = byLoss[ctx.variant ?? trace.spec.loss] ?? byLoss.half_sse;
  return { parts, operands: [{ matrix: "y_hat", row: r, col: c }, { matrix: "y", row: r, col: c }] };
}

function activationGradient(ctx) {
  const { step, trace, r, c, n, f } = ctx;
  const [dIn, fprime] = step.inputs;
  if (dIn === "y_hat") return outputGradient({ ...ctx, variant: "stable" }); // bce with a sigmoid output
  const d = value(resolveMatrix(trace, dIn), r, c);
  const g = value(resolveMatrix(trace, fprime), r, c);
  return {
    parts: [`d_{${idx(r)}${idx(c)}}\\cdot ${entrySymbol(fprime, idx(r), idx(c))}`, `${n(d)}\\cdot ${f(g)}`],
    operands: [{ matrix: dIn, row: r, col: c }, { matrix: fprime, row: r, col: c }, { matrix: preId(step.layer), row: r, col: c }],
  };
}

function weightGradient(ctx) {
  const { step, trace, r, c, n, f } = ctx;
  const [left, dIn] = step.inputs;
  const A = resolveMatrix(trace, left);
  const D = resolveMatrix(trace, dIn);
  const general = `\\sum_{i} ${entrySymbol(left, "i", idx(r))}\\,d_{i${idx(c)}}`;
  const terms = A.map((row, obs) => `${f(row[r])}\\cdot ${f(value(D, obs, c))}`);
  return {
    parts: [general, joinTerms(terms)],
    operands: [{ matrix: left, row: null, col: r }, { matrix: dIn, row: null, col: c }],
  };
}

function biasGradient(ctx) {
  const { step, trace, c, f } = ctx;
  const [dIn] = step.inputs;
  const D = resolveMatrix(trace, dIn);
  return {
    parts: [`\\sum_{i} d_{i${idx(c)}}`, joinTerms(D.map((row) => f(row[c])))],
    operands: [{ matrix: dIn, row: null, col: c }],
  };
}

function throughWeight(ctx) {
  const { step, trace, r, c, n, f } = ctx;
  const [dIn, weight] = step.inputs;
  const D = resolveMatrix(trace, dIn);
  const W = resolveMatrix(trace, weight);
  const general = `\\sum_{m} d_{${idx(r)}m}\\,${entrySymbol(weight, idx(c), "m")}`;
  const terms = W[c].map((w, m) => `${f(value(D, r, m))}\\cdot ${f(w)}`);
  return {
    parts: [general, joinTerms(terms)],
    operands: [{ matrix: dIn, row: r, col: null }, { matrix: weight, row: c, col: null }],
  };
}

/** The exercise's one-line d update, d ← d·W_{k+1}ᵀ ⊙ f'(H_k), entry by entry (shown when mergeD is on). */
function mergedD(ctx) {
  const { first, step, trace, r, c, f } = ctx;
  const [dIn, weight] = first.inputs;
  const fprime = step.inputs[1];
  const D = resolveMatrix(trace, dIn);
  const W = resolveMatrix(trace, weight);
  const g = value(resolveMatrix(trace, fprime), r, c);
  const terms = W[c].map((w, m) => `${f(value(D, r, m))}\\cdot ${f(w)}`);
  return {
    parts: [`\\Big(\\sum_{m} d_{${idx(r)}m}\\,${entrySymbol(weight, idx(c), "m")}\\Big)\\cdot ${entrySymbol(fprime, idx(r), idx(c))}`,
      `\\big(${joinTerms(terms)}\\big)\\cdot ${f(g)}`],
    operands: [{ matrix: dIn, row: r, col: null }, { matrix: weight, row: c, col: null }, { matrix: fprime, row: r, col: c }],
  };
}

function update(ctx) {
  const { step, trace, r, c, n, f } = ctx;
  const [param, grad] = step.inputs;
  const p = value(resolveMatrix(trace, param), r, c);
  const g = value(resolveMatrix(trace, grad), r, c);
  const eta = trace.spec.learning_rate;
  return {
    parts: [`${entrySymbol(param, idx(r), idx(c))} - \\eta\\cdot ${entrySymbol(grad, idx(r), idx(c))}`,
      `${n(p)} - ${n(eta)}\\cdot ${f(g)}`],
    operands: [{ matrix: param, row: r, col: c }, { matrix: grad, row: r, col: c }],
  };
}

const BY_KIND = {
  linear, activation, loss: lossStep, grad_output: outputGradient, grad_activation: activationGradient,
  grad_weight: weightGradient, grad_bias: biasGradient, grad_through_weight: throughWeight, update,
};
const ASSIGNS = new Set(["grad_activation", "grad_through_weight", "update"]); // "←": d and W are overwritten

/**
 * The scalar formula of entry (r, c) (0-based) of `step`'s result:
 * {latex, operands: [{matrix, row|null, col|null}], terms} — a null row or col means the whole line.
 * `first` is the group's first sub-step when the two d sub-steps are shown merged (then the entry is
 * written in the one-line form). Returns null for a kind it does not know.
 */
export function scalarFormula(trace, step, r, c, decimals, first = null) {
  const build = first && step.kind === "grad_activation" ? mergedD : BY_KIND[step.kind];
  if (!build) return null;
  const ctx = {
    trace, step, first, r, c,
    n: (x) => texNumber(x, decimals),
    f: (x) => texFactor(x, decimals),
  };
  const { parts, operands } = build(ctx);
  const result = value(resolveMatrix(trace, step.output), r, c);
  const lhs = entrySymbol(step.output, idx(r), idx(c)); // d_ij for a d stage, w^k_ij for W_k's update
  const arrow = ASSIGNS.has(step.kind) ? "\\leftarrow" : "=";
  const latex = `${lhs} ${arrow} ${parts.join(" = ")} = ${texNumber(toNumber(result), decimals)}`;
  return { latex, operands };
}
