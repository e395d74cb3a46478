/**
 * The matrix graph: the computation graph X → H_k → O_k → ŷ → L with W_k above and b_k below, every node
 * labelled with its name and shape, every edge with its local derivative and the side it multiplies on.
 * Built once per structure and n; a step change only moves classes (active, filled, gradient badge) and
 * starts the flow animation of the step's edges (forward: source → target; backward: target → source).
 */
import { t } from "../i18n/i18n.js";
import { matrixGraphLayout, labelLines, BOX } from "./layout.js";
import { indexSteps, stepAt, nodeState } from "./progress.js";
import { shapeText, parseMatrixId } from "../lib/notation.js";
import { texToText } from "../lib/tex-text.js";
import { svgEl, svgText, htmlEl, moveClass, svgTitle } from "./svg.js";
import { buildFrame, clearFrame, scaleLabels, syncFrame } from "./frame.js";
import { attachPanZoom } from "./panzoom.js";
import { hoverTarget, toggleSelect, goToStep } from "../store/actions.js";
import { pointers } from "../store/state.js";

const MARKER_FORWARD = "mg-arrow-forward";
const MARKER_BACKWARD = "mg-arrow-backward";
const MULTIPLIES_MARK = { left: "·G", right: "G·", elementwise: "⊙", loss: "ℓ′" };
/** On screen, a label is readable at about 9 px: below that only the active step's labels stay shown. */
const READABLE_PX = 8.5;

/** Mount the matrix graph into `el` and keep it in sync with `store`. Returns an unsubscribe function. */
export function mountMatrixGraph(el, store) {
  const view = { el, store, dom: null, key: null, index: null, active: { nodes: new Set(), edges: new Set() }, marks: { hover: new Set(), selected: new Set() } };
  const render = (state, previous) => renderMatrixGraph(view, state, previous);
  render(store.get(), null);
  return store.subscribe(render);
}

function rowsOf(trace) {
  return Array.isArray(trace.forward?.X) ? trace.forward.X.length : "n";
}

function structureKey(state) {
  const trace = state.trace;
  if (!trace) return null;
  const ids = trace.graph.nodes.map((n) => n.id).join(",");
  return `${ids}|${trace.graph.edges.length}|${rowsOf(trace)}|${trace.spec.activations.join(",")}|${trace.spec.loss}|${state.lang}`;
}

function renderMatrixGraph(view, state, previous) {
  const rebuilt = syncFrame(view, structureKey(state), () => buildView(view, state));
  if (rebuilt === null) return;
  if (rebuilt || state.trace !== previous?.trace) view.index = indexSteps(state.trace);
  if (rebuilt || state.trace !== previous?.trace || state.stepIndex !== previous?.stepIndex) updateStep(view, state);
  const pointerMoved = state.local.hover !== previous?.local.hover || state.view.selected !== previous?.view.selected;
  if (rebuilt || pointerMoved) updateMarks(view, state);
}

// --- building (once per structure) ----------------------------------------------------------------------

function buildView(view, state) {
  clearFrame(view);
  const { trace } = state;
  const layout = matrixGraphLayout(trace.graph);
  const { panel, svg, zoom, footer } = buildFrame(view.el, {
    panelClass: "matrix-panel", canvasClass: "matrix-canvas", label: t("graph.matrixGraphLabel"),
  });
  buildLegend(footer);
  buildMarkers(svg);
  const dom = { panel, svg, nodes: new Map(), edges: new Map() };
  const edgeLayer = svgEl("g", { class: "mg-edges" }, svg);
  const nodeLayer = svgEl("g", { class: "mg-nodes" }, svg);
  const labelLayer = svgEl("g", { class: "mg-labels", "aria-hidden": "true" }, svg);
  const byId = new Map(trace.graph.edges.map((e) => [e.id, e]));
  for (const placed of layout.edges) dom.edges.set(placed.id, buildEdge(edgeLayer, labelLayer, placed, byId.get(placed.id)));
  const rows = rowsOf(trace);
  for (const node of trace.graph.nodes) dom.nodes.set(node.id, buildNode(nodeLayer, node, layout.nodes.get(node.id), rows));
  view.dom = dom;
  view.panzoom = attachPanZoom(svg, zoom, () => updateReadability(view));
  view.panzoom.fit({ x: 0, y: 0, width: layout.width, height: layout.height });
  svg.style.aspectRatio = `${layout.width} / ${layout.height}`; // the canvas takes the graph's shape
  view.resize = new ResizeObserver(() => updateReadability(view));
  view.resize.observe(svg);
  wireEvents(view);
}

/** What the small marks on the edges mean: one short line, the full sentence as each item's tooltip. */
function buildLegend(footer) {
  const legend = htmlEl("p", "graph-legend", null, footer);
  for (const [kind, mark] of Object.entries(MULTIPLIES_MARK)) {
    const item = htmlEl("span", "graph-legend-item", null, legend);
    item.title = t(`graph.multiplies.${kind}`);
    htmlEl("b", "mg-legend-mark", mark, item);
    item.append(` ${t(`graph.multipliesShort.${kind}`)}`);
  }
}

function buildMarkers(svg) {
  const defs = svgEl("defs", {}, svg);
  for (const [id, path] of [[MARKER_FORWARD, "M0,0 L10,5 L0,10 z"], [MARKER_BACKWARD, "M10,0 L0,5 L10,10 z"]]) {
    const marker = svgEl("marker", {
      id, viewBox: "0 0 10 10", refX: id === MARKER_FORWARD ? 9 : 1, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto", markerUnits: "strokeWidth",
    }, defs);
    svgEl("path", { d: path, class: "mg-arrow" }, marker);
  }
}

/** The derivative as lines: "∂H₂/∂W₂", "= O₁ᵀ" (and a third "= …" when the value has a closed form). */
function derivativeLines(latex) {
  return labelLines(texToText(latex));
}

function buildEdge(edgeLayer, labelLayer, placed, edge) {
  const g = svgEl("g", { class: "mg-edge", "data-edge-id": edge.id, "data-multiplies": edge.multiplies }, edgeLayer);
  svgEl("path", { class: "mg-edge-hit", d: placed.path }, g);
  const line = svgEl("path", { class: "mg-edge-line", d: placed.path }, g);
  svgEl("path", { class: "mg-edge-flow", d: placed.path }, g);
  const lines = derivativeLines(edge.derivative);
  const fullText = `${lines.join(" ")} (${t(`graph.multiplies.${edge.multiplies}`)})`;
  svgTitle(g, fullText);
  const label = svgEl("g", { class: "mg-edge-label", "data-edge-label": edge.id }, labelLayer);
  const text = svgEl("text", { class: "mg-label-text", x: placed.lx, y: placed.ly, "text-anchor": placed.anchor }, label);
  lines.forEach((content, n) => {
    const line = svgEl("tspan", { class: n >= 2 ? "mg-label-line is-extra" : "mg-label-line", x: placed.lx }, text);
    if (n > 0) line.setAttribute("dy", "1.15em"); // spacing follows the font size, which follows the zoom
    line.textContent = content;
  });
  svgText(MULTIPLIES_MARK[edge.multiplies] ?? "", {
    class: "mg-multiplies", x: placed.mx, y: placed.my, "text-anchor": placed.horizontal ? "middle" : "end",
  }, g);
  return { g, line, label };
}

function buildNode(parent, node, place, rows) {
  const name = texToText(node.label);
  const realShape = shapeText([node.shape[0] === "n" ? rows : node.shape[0], node.shape[1]]);
  const literalShape = shapeText(node.shape);
  // The visible name and shape come first, as speech input users read them off the box.
  const description = `${name} ${realShape}, ${t(`graph.kind.${node.kind}`)}${literalShape === realShape ? "" : `, ${literalShape}`}`;
  const g = svgEl("g", {
    class: "mg-node", "data-node-id": node.id, "data-kind": node.kind, tabindex: 0, role: "button",
    "aria-label": description,
  }, parent);
  const x = place.x - BOX.width / 2;
  const y = place.y - BOX.height / 2;
  svgEl("rect", { class: "mg-node-box", x, y, width: BOX.width, height: BOX.height, rx: node.kind === "weight" || node.kind === "bias" ? 3 : 10 }, g);
  svgText(name, { class: "mg-node-name", x: place.x, y: place.y - 1 }, g);
  g.append(" "); // not drawn: keeps name and shape apart for tools that read the content
  svgText(realShape, { class: "mg-node-shape", x: place.x, y: place.y + 19 }, g);
  const badge = svgEl("g", { class: "mg-grad-badge" }, g);
  svgEl("circle", { cx: x + BOX.width, cy: y, r: 9 }, badge);
  svgText("∂", { x: x + BOX.width, y: y + 4 }, badge);
  svgTitle(g, description);
  return { g };
}

// --- events -------------------------------------------------------------------------------------------------

function wireEvents(view) {
  const { svg } = view.dom;
  const nodeId = (el) => el.closest?.("[data-node-id]")?.dataset.nodeId ?? null;
  const target = (id) => (id ? { matrix: id, row: null, col: null } : null);
  const setHover = (id) => hoverTarget(view.store, target(id));
  const select = (id) => toggleSelect(view.store, target(id));
  let hoveredLabel = null; // an edge's label shows while the pointer is on the edge, whatever the zoom
  const showEdgeLabel = (el) => {
    const id = el.closest?.("[data-edge-id]")?.dataset.edgeId;
    const label = id ? view.dom.edges.get(id)?.label : null;
    if (label === hoveredLabel) return;
    hoveredLabel?.classList.remove("is-hovered");
    label?.classList.add("is-hovered");
    hoveredLabel = label;
  };
  svg.addEventListener("pointerover", (event) => {
    setHover(nodeId(event.target));
    showEdgeLabel(event.target);
  });
  svg.addEventListener("pointerleave", () => setHover(null));
  svg.addEventListener("focusin", (event) => setHover(nodeId(event.target)));
  svg.addEventListener("focusout", () => setHover(null));
  svg.addEventListener("click", (event) => {
    const id = nodeId(event.target);
    if (id) return select(id);
    const edge = event.target.closest?.("[data-edge-id]")?.dataset.edgeId;
    const state = view.store.get();
    const step = edge ? stepOfEdge(state.trace, edge, stepAt(state.trace, state.stepIndex)?.phase) : null;
    if (step) goToStep(view.store, step.id);
  });
  svg.addEventListener("keydown", (event) => {
    const id = nodeId(event.target);
    if (!id || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    event.stopPropagation(); // Space on a node selects it; it must not also toggle the player
    select(id);
  });
}

/**
 * The step that uses graph edge `edgeId`: the one of the current phase (an edge is crossed forward and then
 * backward), else the first.
 */
function stepOfEdge(trace, edgeId, phase) {
  const using = trace.steps.filter((step) => step.edges.includes(edgeId));
  const backward = phase === "backward" || phase === "update";
  return using.find((step) => (step.phase === "backward") === backward) ?? using[0] ?? null;
}

/**
 * Labels grow as the picture shrinks (scaleLabels); all of them are shown only while that growth stays small
 * enough for them not to collide, else just the active step's and the hovered edge's.
 */
function updateReadability(view) {
  if (!view.dom) return;
  const scale = scaleLabels(view.dom.svg);
  view.dom.svg.classList.toggle("labels-readable", scale * 12 >= READABLE_PX);
}

// --- per step -------------------------------------------------------------------------------------------------

function updateStep(view, state) {
  const step = stepAt(state.trace, state.stepIndex);
  if (!step) return;
  const index = state.stepIndex;
  const backward = step.phase === "backward";
  for (const [id, { g }] of view.dom.nodes) {
    const s = nodeState(view.index, index, id);
    g.classList.toggle("is-filled", s.filled);
    g.classList.toggle("has-grad", s.gradDone && (backward || step.phase === "update"));
    g.classList.toggle("is-grad-active", s.gradActive);
    g.classList.toggle("is-updated", s.updated);
  }
  const activeNodes = new Set([view.dom.nodes.get(step.node)?.g].filter(Boolean));
  moveClass("is-active", view.active.nodes, activeNodes);
  view.active.nodes = activeNodes;
  const activeEdges = new Set();
  for (const id of step.edges) {
    const edge = view.dom.edges.get(id);
    if (edge) activeEdges.add(edge.g).add(edge.label);
  }
  for (const el of view.active.edges) el.classList.remove("is-active", "flow-forward", "flow-backward");
  const flow = backward ? "flow-backward" : "flow-forward";
  for (const el of activeEdges) el.classList.add("is-active", flow);
  view.active.edges = activeEdges;
  view.dom.svg.dataset.phase = step.phase;
}

function updateMarks(view, state) {
  const pointed = pointers(state);
  for (const kind of ["hover", "selected"]) {
    const id = parseMatrixId(pointed[kind]?.matrix)?.node;
    const node = id ? view.dom.nodes.get(id)?.g : null;
    const next = new Set(node ? [node] : []);
    moveClass(kind === "hover" ? "is-hovered" : "is-selected", view.marks[kind], next);
    view.marks[kind] = next;
  }
}
