/**
 * The neuron view: the exercise's picture of the network as circles and weight edges, in SVG.
 * The SVG is built once per structure (layers, bias, language); a step change only flips classes on layer
 * groups and rewrites edge widths for layers whose colouring source (weight, gradient, update) changed.
 * Hover and selection are shared with the matrix panel through state.local.hover / state.view.selected.
 */
import { t, toNumber } from "../i18n/i18n.js";
import { neuronLayout, NEURON } from "./layout.js";
import { indexSteps, stepAt, edgeMode, weightLayerOfStep, biasLayerOfStep } from "./progress.js";
import { neuronLayerOfNode, weightText, biasText, weightId, biasId, plainLabel } from "../lib/notation.js";
import { toSubscript, toSuperscript } from "../lib/tex-text.js";
import { svgEl, svgText, svgTitle, htmlEl } from "./svg.js";
import { buildFrame, clearFrame, scaleLabels, syncFrame } from "./frame.js";
import { attachPanZoom } from "./panzoom.js";
import { updateMarks } from "./neuron-marks.js";
import { hoverTarget, toggleSelect } from "../store/actions.js";
import { attachEdgeEditing, syncEdgeEditButton } from "./edge-editor.js";
import { resultHidden } from "../tools/handcalc.js";

const MAX_STROKE = 6;
const MIN_STROKE = 0.8;

/** Mount the neuron view into `el` and keep it in sync with `store`. Returns an unsubscribe function. */
export function mountNeuronView(el, store) {
  const view = { el, store, dom: null, key: null, index: null, modes: [], marks: { hover: new Set(), selected: new Set() } };
  const render = (state, previous) => renderNeuronView(view, state, previous);
  render(store.get(), null);
  return store.subscribe(render);
}

const CRAMPED_SCALE = 0.8; // below it the labels were enlarged to stay legible, and crowd the captions
const CRAMPED_WIDTH_PX = 600; // a phone's canvas; a wider one keeps its captions

function structureKey(state) {
  const spec = state.trace?.spec;
  return spec ? `${spec.layers.join(",")}|${spec.bias}|${spec.activations.join(",")}|${state.lang}` : null;
}

function renderNeuronView(view, state, previous) {
  const rebuilt = syncFrame(view, structureKey(state), () => buildView(view, state));
  if (rebuilt === null) return;
  const traceChanged = rebuilt || state.trace !== previous?.trace;
  if (traceChanged) {
    view.index = indexSteps(state.trace);
    view.scale = valueScales(state.trace);
    view.modes = [];
  }
  // "predict first": until the learner answers, the picture shows the step as if its result were not computed yet
  const hidden = resultHidden(state);
  const hiddenChanged = hidden !== view.hidden;
  view.hidden = hidden;
  if (traceChanged || hiddenChanged || state.stepIndex !== previous?.stepIndex) updateStep(view, state);
  const pointerMoved = state.local.hover !== previous?.local.hover || state.view.selected !== previous?.view.selected;
  if (rebuilt || pointerMoved || hiddenChanged || state.stepIndex !== previous?.stepIndex) {
    updateMarks(view, state);
    syncEdgeEditButton(view, state);
  }
}

// --- building (once per structure) ----------------------------------------------------------------------

function buildView(view, state) {
  clearFrame(view);
  const { spec } = state.trace;
  const layout = neuronLayout(spec.layers, spec.bias);
  const { panel, svg, zoom, footer } = buildFrame(view.el, {
    panelClass: "neuron-panel", canvasClass: "neuron-canvas", label: t("graph.neuronViewLabel"),
  });
  const legend = buildLegend(footer);
  const readout = htmlEl("p", "graph-readout", t("graph.readoutHint"), footer);
  const dom = { panel, svg, legend, readout, edges: new Map(), biasEdges: new Map(), labels: new Map() };
  dom.edgeGroups = [];
  dom.biasGroups = [];
  dom.edgesByLayer = [];
  dom.biasEdgesByLayer = [];
  const edgeLayer = svgEl("g", { class: "nv-edges" }, svg);
  const labelLayer = svgEl("g", { class: "nv-labels", "aria-hidden": "true" }, svg);
  buildEdges(dom, layout, edgeLayer, labelLayer, spec);
  dom.columns = layout.columns.map((column) => buildColumn(dom, column, spec, svg));
  view.dom = dom;
  view.layout = layout;
  const readable = () => fitLabels(svg);
  view.panzoom = attachPanZoom(svg, zoom, readable);
  view.panzoom.fit({ x: 0, y: 0, width: layout.width, height: layout.height });
  svg.style.aspectRatio = `${layout.width} / ${layout.height}`; // the canvas takes the picture's shape
  view.resize = new ResizeObserver(readable);
  view.resize.observe(svg);
  wireEvents(view);
  attachEdgeEditing(view, targetOf);
}

/**
 * Labels stay readable as the picture shrinks; on a phone-sized canvas whose labels had to grow, the neurons'
 * captions ("column 1 of W₁", also in each neuron's name and the readout) give way to the weights' labels.
 */
function fitLabels(svg) {
  const scale = scaleLabels(svg, { minPx: 9, baseUnits: 11, maxUnits: 15 });
  svg.classList.toggle("is-cramped", scale < CRAMPED_SCALE && svg.clientWidth < CRAMPED_WIDTH_PX);
}

function buildLegend(footer) {
  const legend = htmlEl("p", "graph-legend", null, footer);
  const mode = htmlEl("span", "graph-legend-mode", "", legend);
  htmlEl("span", "graph-legend-pos", t("graph.legendPositive"), legend);
  htmlEl("span", "graph-legend-neg", t("graph.legendNegative"), legend);
  return { mode };
}

function layerName(l, depth) {
  if (l === 0) return t("graph.layerInput");
  if (l === depth) return t("graph.layerOutput");
  return t("graph.layerHidden", { k: l });
}

function buildEdges(dom, layout, edgeLayer, labelLayer, spec) {
  const depth = spec.layers.length - 1;
  for (let k = 1; k <= depth; k += 1) {
    const group = svgEl("g", { class: "nv-layer-edges", "data-layer": k }, edgeLayer);
    const labels = svgEl("g", { class: "nv-layer-labels", "data-layer": k }, labelLayer);
    if (layout.labelsFit[k - 1]) labels.classList.add("is-shown");
    dom.edgeGroups[k] = { group, labels };
    if (spec.bias) dom.biasGroups[k] = svgEl("g", { class: "nv-bias-edges", "data-layer": k }, edgeLayer);
  }
  for (const e of layout.edges) {
    const key = `${e.k},${e.i},${e.j}`;
    const name = weightText(e.k, e.i, e.j);
    const line = svgEl("line", {
      class: "nv-edge", x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2, "data-weight": key, "stroke-width": 1,
    }, dom.edgeGroups[e.k].group);
    svgTitle(line, t("graph.edgeTitle", { w: name, i: e.i, j: e.j, from: layerName(e.k - 1, depth), to: layerName(e.k, depth) }));
    // Layers too dense for labels get none: one floating label follows the hovered edge instead.
    const label = layout.labelsFit[e.k - 1]
      ? svgText(name, { class: "nv-edge-label", x: e.lx, y: e.ly, "data-weight-label": key }, dom.edgeGroups[e.k].labels)
      : null;
    const edge = { line, label, name, lx: e.lx, ly: e.ly, k: e.k, i: e.i, j: e.j, sign: null, width: 1 };
    dom.edges.set(key, edge);
    (dom.edgesByLayer[e.k] ??= []).push(edge);
    if (label) dom.labels.set(key, label);
  }
  dom.floatingLabel = svgText("", { class: "nv-edge-label nv-floating-label", x: 0, y: 0 }, labelLayer);
  for (const e of layout.biasEdges) {
    const key = `${e.k},${e.j}`;
    const line = svgEl("line", {
      class: "nv-edge nv-bias-edge", x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2, "data-bias": key, "stroke-width": 1,
    }, dom.biasGroups[e.k]);
    svgTitle(line, t("graph.biasEdgeTitle", { b: biasText(e.k, e.j), j: e.j, layer: layerName(e.k, depth) }));
    const edge = { line, k: e.k, j: e.j, sign: null, width: 1 };
    dom.biasEdges.set(key, edge);
    (dom.biasEdgesByLayer[e.k] ??= []).push(edge);
  }
}

/** Text inside a neuron: x_i for inputs, o^k_j after an activation (h^k_j when there is none), ŷ_j at the output. */
function neuronText(l, j, spec) {
  const depth = spec.layers.length - 1;
  if (l === 0) return `x${toSubscript(j)}`;
  if (l === depth) return `ŷ${toSubscript(j)}`;
  const letter = spec.activations[l - 1] === "identity" ? "h" : "o";
  return `${letter}${toSuperscript(l)}${toSubscript(j)}`;
}

function buildColumn(dom, column, spec, svg) {
  const depth = spec.layers.length - 1;
  const l = column.layer;
  const group = svgEl("g", { class: "nv-column", "data-layer": l, role: "group", "aria-label": layerName(l, depth) }, svg);
  const headerY = 16;
  svgText(layerName(l, depth), { class: "nv-column-name", x: column.x, y: headerY }, group);
  if (l > 0) {
    const activation = svgText(t(`act.${spec.activations[l - 1]}`), { class: "nv-column-activation", x: column.x, y: headerY + 14 }, group);
    if (l === depth) keepLeftOf(activation, column.x + NEURON.marginX); // a long name ("тождественная") at the edge
  }
  const showCaptions = columnCaptionsFit(column);
  const neurons = column.neurons.map((n) => buildNeuron(group, n, spec, showCaptions));
  const bias = column.bias ? buildBiasNode(group, column.bias, depth) : null;
  return { group, neurons, bias };
}

/** Move a centred SVG text left until it ends before `right` (the picture's edge). */
function keepLeftOf(text, right) {
  const box = text.getBBox();
  if (!box.width) return; // not laid out (a hidden view): nothing to measure
  const over = box.x + box.width - (right - 2);
  if (over > 0) text.setAttribute("x", String(Number(text.getAttribute("x")) - over));
}

function columnCaptionsFit(column) {
  return column.neurons.length < 2 || column.neurons[1].y - column.neurons[0].y >= 50;
}

/** What a neuron stands for in the matrices: input i is row i of W₁, neuron j of layer k is column j of W_k. */
function neuronRole(l, j) {
  if (l === 0) return { caption: t("graph.rowOf", { i: j, W: plainLabel(weightId(1)) }), matrix: weightId(1), row: j - 1, col: null };
  return { caption: t("graph.colOf", { j, W: plainLabel(weightId(l)) }), matrix: weightId(l), row: null, col: j - 1 };
}

function buildNeuron(parent, n, spec, showCaption) {
  const role = neuronRole(n.layer, n.index);
  const text = neuronText(n.layer, n.index, spec);
  // The accessible name holds the visible text in its order (speech input users say what they see).
  const name = `${text} ${role.caption}`;
  const g = svgEl("g", {
    class: "nv-neuron", tabindex: 0, role: "button", "data-neuron": `${n.layer},${n.index}`, "aria-label": name,
  }, parent);
  svgEl("circle", { cx: n.x, cy: n.y, r: NEURON.radius }, g);
  svgText(text, { class: "nv-neuron-text", x: n.x, y: n.y + 4 }, g);
  g.append(" "); // not drawn; keeps the two visible texts two words for tools that read the content
  if (showCaption) svgText(role.caption, { class: "nv-neuron-caption", x: n.x, y: n.y + NEURON.radius + 12 }, g);
  svgTitle(g, name);
  g.dataset.matrix = role.matrix;
  if (role.row !== null) g.dataset.row = role.row;
  if (role.col !== null) g.dataset.col = role.col;
  return g;
}

function buildBiasNode(parent, node, depth) {
  const k = node.layer + 1;
  const name = plainLabel(biasId(k));
  const label = `1 ${name}: ${t("graph.biasNode", { b: name, layer: layerName(k, depth) })}`; // visible text first
  const g = svgEl("g", {
    class: "nv-neuron nv-bias-node", tabindex: 0, role: "button", "data-bias-node": k, "data-matrix": biasId(k),
    "aria-label": label,
  }, parent);
  svgEl("rect", { x: node.x - NEURON.radius, y: node.y - NEURON.radius, width: 2 * NEURON.radius, height: 2 * NEURON.radius, rx: 4 }, g);
  svgText("1", { class: "nv-neuron-text", x: node.x, y: node.y + 4 }, g);
  g.append(" ");
  svgText(name, { class: "nv-neuron-caption", x: node.x + NEURON.radius + 4, y: node.y - NEURON.radius + 2 }, g);
  svgTitle(g, label);
  return g;
}

// --- events: hover / focus / click write the shared hover and selection ---------------------------------

/** The matrix cell an element of the view stands for, or null. */
function targetOf(view, el) {
  const state = view.store.get();
  const backward = stepAt(state.trace, state.stepIndex)?.phase === "backward";
  const prefix = backward ? "dL/d" : "";
  const edge = el.closest("[data-weight]");
  if (edge) {
    const [k, i, j] = edge.dataset.weight.split(",").map(Number);
    return { matrix: `${prefix}W${k}`, row: i - 1, col: j - 1 };
  }
  const biasEdge = el.closest("[data-bias]");
  if (biasEdge) {
    const [k, j] = biasEdge.dataset.bias.split(",").map(Number);
    return { matrix: `${prefix}b${k}`, row: 0, col: j - 1 };
  }
  const neuron = el.closest(".nv-neuron");
  if (neuron) {
    const row = neuron.dataset.row === undefined ? null : Number(neuron.dataset.row);
    const col = neuron.dataset.col === undefined ? null : Number(neuron.dataset.col);
    return { matrix: prefix + neuron.dataset.matrix, row, col };
  }
  return null;
}

function wireEvents(view) {
  const { svg } = view.dom;
  const setHover = (target) => hoverTarget(view.store, target);
  svg.addEventListener("pointerover", (event) => setHover(targetOf(view, event.target)));
  svg.addEventListener("pointerleave", () => setHover(null));
  svg.addEventListener("focusin", (event) => setHover(targetOf(view, event.target)));
  svg.addEventListener("focusout", () => setHover(null));
  const select = (target) => toggleSelect(view.store, target);
  svg.addEventListener("click", (event) => {
    const target = targetOf(view, event.target);
    if (target) select(target);
  });
  svg.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const target = targetOf(view, event.target);
    if (!target) return;
    event.preventDefault();
    event.stopPropagation(); // Space here selects; it must not also toggle the player
    select(target);
  });
}

// --- per step ----------------------------------------------------------------------------------------------

/** The largest |value| per colouring mode, so widths compare across layers (vanishing gradients show). */
function valueScales(trace) {
  const maxAbs = (matrices) => {
    let max = 0;
    for (const m of matrices ?? []) for (const v of m.flat(2)) {
      const x = Math.abs(toNumber(v));
      if (Number.isFinite(x) && x > max) max = x;
    }
    return max || 1;
  };
  const weights = maxAbs([...trace.spec.weights, ...(trace.spec.biases ?? []), ...trace.updated.W, ...(trace.updated.b ?? [])]);
  return { weight: weights, updated: weights, gradient: maxAbs([...trace.backward.dW, ...(trace.backward.db ?? [])]) };
}

function paramValues(trace, mode, letter, k) {
  const index = k - 1;
  if (mode === "gradient") return letter === "W" ? trace.backward.dW[index] : trace.backward.db[index];
  if (mode === "updated") return letter === "W" ? trace.updated.W[index] : trace.updated.b[index];
  return letter === "W" ? trace.spec.weights[index] : trace.spec.biases[index];
}

function updateStep(view, state) {
  const { trace, stepIndex } = state;
  const step = stepAt(trace, stepIndex);
  if (!step) return;
  const depth = view.index.depth;
  const activeW = weightLayerOfStep(step);
  const activeB = biasLayerOfStep(step);
  const activeNeurons = neuronLayerOfNode(step.node, depth);
  const known = view.hidden ? stepIndex - 1 : stepIndex; // the last step whose numbers may be shown
  for (let k = 1; k <= depth; k += 1) {
    const { group, labels } = view.dom.edgeGroups[k];
    const mode = edgeMode(view.index, step.phase, known, weightId(k));
    group.classList.toggle("is-active", activeW === k);
    labels.classList.toggle("is-active", activeW === k);
    group.dataset.mode = mode;
    group.dataset.phase = step.phase;
    if (view.modes[k] !== mode) colourEdges(view, trace, mode, "W", k);
    view.modes[k] = mode;
    const biasGroup = view.dom.biasGroups[k];
    if (biasGroup) {
      const biasMode = edgeMode(view.index, step.phase, known, biasId(k));
      biasGroup.classList.toggle("is-active", activeB === k);
      biasGroup.dataset.mode = biasMode;
      if (view.modes[biasId(k)] !== biasMode) colourEdges(view, trace, biasMode, "b", k);
      view.modes[biasId(k)] = biasMode;
    }
  }
  view.dom.columns.forEach((column, l) => {
    column.group.classList.toggle("is-filled", stepIndex >= view.index.layerForwardAt[l]);
    column.group.classList.toggle("has-grad", stepIndex >= view.index.layerGradAt[l]);
    column.group.classList.toggle("is-active", activeNeurons === l);
  });
  view.dom.svg.dataset.phase = step.phase;
  view.dom.legend.mode.textContent = t(`graph.mode.${step.phase}`);
}

function colourEdges(view, trace, mode, letter, k) {
  const values = mode === "pending" ? null : paramValues(trace, mode, letter, k);
  const scale = view.scale[mode] ?? 1;
  const edges = (letter === "W" ? view.dom.edgesByLayer : view.dom.biasEdgesByLayer)[k] ?? [];
  for (const edge of edges) {
    const raw = values ? (letter === "W" ? values[edge.i - 1]?.[edge.j - 1] : values[edge.j - 1]) : null;
    styleEdge(edge, raw === null || raw === undefined ? null : toNumber(raw), scale);
  }
}

function styleEdge(edge, value, scale) {
  let sign = "none";
  let width = 1;
  if (value !== null) {
    sign = !Number.isFinite(value) ? "nan" : value < 0 ? "neg" : value > 0 ? "pos" : "zero";
    width = Number.isFinite(value) ? MIN_STROKE + (MAX_STROKE - MIN_STROKE) * Math.min(1, Math.abs(value) / scale) : 1;
  }
  width = Math.round(width * 10) / 10;
  if (edge.sign !== sign) edge.line.setAttribute("data-sign", sign);
  if (edge.width !== width) edge.line.setAttribute("stroke-width", width);
  edge.sign = sign;
  edge.width = width;
  edge.value = value;
}
