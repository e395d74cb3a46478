// The page's pure modules under Node: importing them here (no document) is itself the proof that they do not
// touch the DOM when imported; the tests pin what they compute.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as notation from "../../static/js/lib/notation.js";
import { parseNumber, parseRows, rowsToText } from "../../static/js/lib/number-text.js";
import { toSubscript, toSuperscript, texToText } from "../../static/js/lib/tex-text.js";
import { tolerance, verdictOf, checkMatrix, nextRecord, resultHidden, handcalcActive } from "../../static/js/tools/handcalc.js";
import { neuronLayout, labelsDoNotOverlap, matrixGraphLayout, NEURON } from "../../static/js/graph/layout.js";
import * as coreOptions from "../../static/js/lib/core-options.js";
import { fixtures } from "./helpers.mjs";

test("core options: read from the page when asked, never at import; the views' names follow useCoreOptions", () => {
  assert.deepEqual(coreOptions.DECIMALS, {});
  const options = coreOptions.readCoreOptions({ dataset: { coreOptions: JSON.stringify({
    activations: ["relu"], losses: ["mse"], init_schemes: ["he"], activation_tex: { relu: "\\operatorname{ReLU}" },
    sigmoid_output_losses: ["bce"], limits: { max_width: 16 }, defaults: { seed: 0 }, decimals: { min: 0, max: 6, default: 3 },
  }) } });
  coreOptions.useCoreOptions(options);
  assert.deepEqual(coreOptions.ACTIVATION_NAMES, ["relu"]);
  assert.equal(coreOptions.LIMITS.max_width, 16);
  assert.equal(coreOptions.DECIMALS.default, 3);
  assert.deepEqual(coreOptions.SIGMOID_OUTPUT_LOSSES, ["bce"]);
});

test("notation: matrix ids parse and print as the core writes them", () => {
  assert.deepEqual(notation.parseMatrixId("dL/dW2"), { node: "W2", letter: "W", k: 2, grad: true, fprime: false, updated: false });
  assert.deepEqual(notation.parseMatrixId("f'(H3)"), { node: "H3", letter: "H", k: 3, grad: false, fprime: true, updated: false });
  assert.equal(notation.parseMatrixId("W2_new").updated, true);
  assert.equal(notation.parseMatrixId("Q7"), null);
  assert.equal(notation.parseMatrixId(7), null);
  assert.equal(notation.parseParamId("H2"), null);
  assert.equal(notation.parseParamId("dL/db1").letter, "b");
  assert.equal(notation.matrixLabel("dL/dy_hat"), "\\frac{\\partial L}{\\partial \\hat{y}}");
  assert.equal(notation.matrixLabel("W2_new"), "W_{2}^{\\text{new}}");
  assert.equal(notation.plainLabel("dL/dW2"), "∂L/∂W₂");
  assert.equal(notation.plainLabel("f'(H2)"), "f′(H₂)");
  assert.equal(notation.plainLabel("W12_new"), "W₁₂′");
  assert.equal(notation.weightText(2, 1, 2), "w²₁₂");
  assert.equal(notation.weightText(3, 12, 16), "w³₁₂,₁₆");
  assert.equal(notation.biasText(2, 1), "b²₁");
  assert.equal(notation.shapeText([4, 2]), "[4×2]");
  assert.equal(notation.shapeText(null), "");
  assert.equal(notation.neuronLayerOfNode("X", 3), 0);
  assert.equal(notation.neuronLayerOfNode("y_hat", 3), 3);
  assert.equal(notation.neuronLayerOfNode("O2", 3), 2);
  assert.equal(notation.neuronLayerOfNode("W2", 3), null);
  assert.equal(notation.neuronLayerOfNode("dL/dH2", 3), null);
});

test("number-text: a decimal comma or point, rows of numbers, and the ambiguous comma", () => {
  assert.equal(parseNumber("0,5"), 0.5);
  assert.equal(parseNumber(" −1.25 "), -1.25);
  assert.equal(parseNumber("1e-3"), 0.001);
  assert.equal(parseNumber(",5"), 0.5);
  for (const bad of ["", "abc", "1,2,3", "1 234,5", "1e999", null]) assert.equal(parseNumber(bad), null, String(bad));
  assert.deepEqual(parseRows("1, 2\n3;4\n5\t6"), { rows: [[1, 2], [3, 4], [5, 6]] });
  assert.deepEqual(parseRows("1.5,2\n1,2,3"), { error: { rule: "ragged", params: { row: 2, got: 3, want: 2 } } });
  assert.deepEqual(parseRows("   \n"), { error: { rule: "empty", params: {} } });
  assert.deepEqual(parseRows("1 x"), { error: { rule: "not_a_number", params: { row: 1, value: "x" } } });
  assert.deepEqual(parseRows("0,5\n1,5", 2).error.rule, "ambiguous_comma");
  assert.deepEqual(parseRows("0,5\n1,5", 1), { rows: [[0.5], [1.5]] });
  assert.equal(rowsToText([[1, 2], [3, 4]]), "1  2\n3  4");
  assert.equal(rowsToText([1, 2], (x) => `${x}!`, "\t"), "1!\n2!");
});

test("tex-text: the trace's LaTeX as readable text", () => {
  assert.equal(toSubscript("12"), "₁₂");
  assert.equal(toSuperscript("T"), "ᵀ");
  assert.equal(toSubscript("Q"), null);
  assert.equal(texToText("\\frac{\\partial L}{\\partial \\hat{y}} = \\hat{y} - y"), "∂L/∂ŷ = ŷ − y");
  assert.equal(texToText("\\sum_{i,j} (y_{ij} - \\hat{y}_{ij})^2"), "Σᵢⱼ (yᵢⱼ − ŷᵢⱼ)²");
  assert.equal(texToText("\\sigma'(H_{1}) = O_{1} \\odot (1 - O_{1})"), "σ′(H₁) = O₁ ⊙ (1 − O₁)");
  assert.equal(texToText(null), "");
});

test("handcalc: verdicts at the shown decimals, matrix tallies and the record of each action", () => {
  assert.equal(tolerance(3), 0.0005);
  assert.equal(verdictOf("0,573", 0.5727, 3).verdict, "right");
  assert.equal(verdictOf("0.577", 0.5727, 3).verdict, "close");
  assert.equal(verdictOf("0.6", 0.5727, 3).verdict, "wrong");
  assert.equal(verdictOf("  ", 0.5727, 3).verdict, "empty");
  assert.equal(verdictOf("abc", 0.5727, 3).verdict, "wrong");
  const tally = checkMatrix([[1, 2], [3, 4]], { "0,0": "1", "0,1": "2.004", "1,0": "9" }, 3);
  assert.deepEqual([tally.right, tally.close, tally.wrong, tally.empty, tally.total], [1, 1, 1, 1, 4]);
  assert.equal(checkMatrix([[1], [2], [3]], {}, 3, 2).total, 2);
  let record = nextRecord(undefined, { action: "enter", entries: { "0,0": "1" } });
  record = nextRecord(record, { action: "check", entries: { "0,1": "2" } });
  assert.deepEqual(record, { entries: { "0,0": "1", "0,1": "2" }, checked: true, checks: 1 });
  assert.deepEqual(nextRecord(record, { action: "retry" }), { entries: {} });
  const state = {
    trace: { steps: [{ id: "fwd:H1", kind: "forward" }] }, stepIndex: 0,
    view: { mergeD: false, predictFirst: true }, local: { answers: {}, handcalcOpen: false },
  };
  assert.equal(resultHidden(state, "fwd:H1"), true);
  assert.equal(handcalcActive(state, "fwd:H1"), true);
  const answered = { ...state, local: { ...state.local, answers: { "fwd:H1": { skipped: true } } } };
  assert.equal(resultHidden(answered, "fwd:H1"), false);
  assert.equal(handcalcActive(answered, "fwd:H1"), false);
});

test("graph layout: the neuron view is deterministic, sized from the network, with labels that fit", () => {
  const layout = neuronLayout([2, 3, 1], true);
  assert.deepEqual(layout, neuronLayout([2, 3, 1], true));
  assert.equal(layout.columns.length, 3);
  assert.deepEqual(layout.columns.map((c) => c.neurons.length), [2, 3, 1]);
  assert.deepEqual(layout.columns.map((c) => Boolean(c.bias)), [true, true, false]);
  assert.equal(layout.edges.length, 2 * 3 + 3 * 1);
  assert.equal(layout.biasEdges.length, 3 + 1);
  assert.equal(layout.width, 2 * NEURON.marginX + 2 * NEURON.colGap);
  for (const edge of layout.edges) assert.ok(edge.x1 < edge.x2, "edges run left to right");
  assert.equal(labelsDoNotOverlap([{ lx: 0, ly: 0 }, { lx: 10, ly: 5 }]), false);
  assert.equal(labelsDoNotOverlap([{ lx: 0, ly: 0 }, { lx: 40, ly: 0 }]), true);
  const wide = neuronLayout([16, 16, 1], false);
  assert.ok(wide.rowGap < layout.rowGap, "wider layers get tighter rows");
});

test("graph layout: the matrix graph puts the chain in one row, weights above and biases below", () => {
  const graph = fixtures("graph-2-2-1-bias.json");
  const { nodes, edges, width, height } = matrixGraphLayout(graph);
  const at = (id) => nodes.get(id);
  assert.deepEqual(["X", "H1", "O1", "y_hat", "L"].map((id) => at(id).row), [0, 0, 0, 0, 0]);
  assert.deepEqual(["X", "H1", "O1", "y_hat", "L"].map((id) => at(id).col), [0, 1, 2, 3, 4]);
  assert.equal(at("W1").row, -1);
  assert.equal(at("W1").col, at("H1").col);
  assert.equal(at("b2").row, 1);
  assert.equal(at("y").col, at("L").col);
  assert.equal(edges.length, graph.edges.length);
  for (const edge of edges) assert.match(edge.path, /^M/);
  for (const node of nodes.values()) assert.ok(node.x > 0 && node.x < width && node.y > 0 && node.y < height, node.id);
});
