/**
 * "Data and predictions", for networks with 2 inputs and 1 output: every row of X is a point on the
 * (x₁, x₂) plane, marked by its target y, over a 30×30 background of the network's prediction ŷ
 * (POST /api/predict, asked once per trace and cached; "after the update" asks once more with W_new).
 * Points and matrix rows are linked through state.local.hover / view.selected: point i is row i of X, and a
 * cell in row i of X, y, H_k, O_k, ŷ or a d stage lights point i. Step changes never touch this view.
 */
import { el } from "../lib/dom.js";
import { t, formatNumber, toNumber } from "../i18n/i18n.js";
import { fetchPrediction } from "../store/api.js";
import { observationRow } from "../lib/highlight.js";
import { setOptions, hoverTarget, toggleSelect } from "../store/actions.js";
import { valueConcealed } from "../tools/handcalc.js";

const SVG = "http://www.w3.org/2000/svg";
/** Cells per side of the background grid. */
export const GRID = 30;
const MARGIN = 0.1; // of the data's range, on every side
const PLOT = { left: 34, top: 6, size: 264 }; // the square plot area, in viewBox units
const VIEW = { width: 306, height: 306 };
const SPEC_FIELDS = ["layers", "activations", "bias", "loss", "learning_rate", "seed", "init"];
// The tables' sign colours (app.css --neg / --pos): below the centre of the scale red, above it blue.
const BELOW = [217, 56, 30];
const ABOVE = [37, 99, 235];
const BACKGROUND_STRENGTH = 0.55; // pale enough for the points to stand out
const NONFINITE_FILL = "#9aa3ae";

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Whether the picture applies: 2 inputs, 1 output. */
export function supports(trace) {
  const layers = trace.spec.layers;
  return layers[0] === 2 && layers[layers.length - 1] === 1;
}

/** [low, high] of one column of X, widened by MARGIN of its range (by 1 when all values are equal). */
function range(X, column) {
  const values = X.map((row) => toNumber(row[column])).filter(Number.isFinite);
  if (!values.length) return [-1, 1];
  const low = Math.min(...values), high = Math.max(...values);
  const pad = high > low ? (high - low) * MARGIN : 1;
  return [low - pad, high + pad];
}

/** The plane shown: x₁ and x₂ ranges, and the GRID × GRID cell centres as predict inputs (row-major, top row first). */
export function planeOf(X) {
  const x1 = range(X, 0), x2 = range(X, 1);
  const step1 = (x1[1] - x1[0]) / GRID, step2 = (x2[1] - x2[0]) / GRID;
  const centres = [];
  for (let r = 0; r < GRID; r += 1) {
    for (let c = 0; c < GRID; c += 1) centres.push([x1[0] + (c + 0.5) * step1, x2[1] - (r + 0.5) * step2]);
  }
  return { x1, x2, centres };
}

/** The colour scale: bce predicts a probability (centre 0.5), anything else is centred on the mean of y. */
export function scaleOf(trace) {
  if (trace.spec.loss === "bce") return { centre: 0.5, half: 0.5, probability: true };
  const y = trace.forward.y.map((row) => toNumber(row[0])).filter(Number.isFinite);
  const centre = y.reduce((sum, v) => sum + v, 0) / (y.length || 1);
  const half = Math.max(...y.map((v) => Math.abs(v - centre)), 0) || 1;
  return { centre, half, probability: false };
}

/** White blended towards the colour of the side of the centre that `value` lies on, by its distance. */
export function colourOf(value, scale, strength = 1) {
  const x = toNumber(value);
  if (!Number.isFinite(x)) return NONFINITE_FILL;
  const u = Math.max(-1, Math.min(1, (x - scale.centre) / scale.half));
  const rgb = (u >= 0 ? ABOVE : BELOW).map((c) => Math.round(255 + (c - 255) * Math.abs(u) * strength));
  return `rgb(${rgb.join(",")})`;
}

function isBinary(y) {
  return y.every((row) => row[0] === 0 || row[0] === 1);
}

/** The /api/predict body for the trace's network (before or after its update) on `X`. */
export function predictBody(trace, after, X) {
  const body = Object.fromEntries(SPEC_FIELDS.map((name) => [name, trace.spec[name]]));
  body.weights = after ? trace.updated.W : trace.spec.weights;
  if (trace.spec.bias) body.biases = after ? trace.updated.b : trace.spec.biases;
  body.X = X;
  return body;
}

// One prediction per (trace, before/after): a trace never changes, so neither does its picture.
const predictions = new WeakMap();

function prediction(trace, after, plane) {
  let entry = predictions.get(trace);
  if (!entry) predictions.set(trace, (entry = {}));
  const key = after ? "after" : "before";
  entry[key] ??= fetchPrediction(predictBody(trace, after, plane.centres));
  return entry[key];
}

// --- the picture -------------------------------------------------------------------------------------

function axes(plane) {
  const { left, top, size } = PLOT;
  const bottom = top + size;
  const group = svgEl("g", { class: "dv-axes", "aria-hidden": "true" });
  group.append(
    svgEl("rect", { x: left, y: top, width: size, height: size, class: "dv-frame" }),
    svgEl("text", { x: left, y: bottom + 13, "text-anchor": "start" }, formatNumber(plane.x1[0], 2)),
    svgEl("text", { x: left + size, y: bottom + 13, "text-anchor": "end" }, formatNumber(plane.x1[1], 2)),
    svgEl("text", { x: left + size / 2, y: bottom + 15, "text-anchor": "middle", class: "dv-axis-label" }, "x₁"),
    svgEl("text", { x: left - 4, y: top + 9, "text-anchor": "end" }, formatNumber(plane.x2[1], 2)),
    svgEl("text", { x: left - 4, y: bottom, "text-anchor": "end" }, formatNumber(plane.x2[0], 2)),
    svgEl("text", { x: left - 8, y: top + size / 2 + 5, "text-anchor": "end", class: "dv-axis-label" }, "x₂"),
  );
  return group;
}

function cellsLayer() {
  const { left, top, size } = PLOT;
  const side = size / GRID;
  const group = svgEl("g", { class: "dv-cells", "data-testid": "data-view-grid", "data-state": "loading" });
  const cells = [];
  for (let r = 0; r < GRID; r += 1) {
    for (let c = 0; c < GRID; c += 1) {
      // A hair wider than the cell, so no seams show between neighbours.
      const cell = svgEl("rect", { x: (left + c * side).toFixed(2), y: (top + r * side).toFixed(2),
        width: (side + 0.4).toFixed(2), height: (side + 0.4).toFixed(2), class: "dv-cell", "data-cell": `${r},${c}` });
      cells.push(cell);
      group.append(cell);
    }
  }
  return { group, cells };
}

function pointMark(x, y, target, binary, scale) {
  if (binary && target === 1) return svgEl("circle", { cx: x, cy: y, r: 4.4, class: "dv-point dv-class1" });
  if (binary) return svgEl("rect", { x: x - 3.8, y: y - 3.8, width: 7.6, height: 7.6, class: "dv-point dv-class0" });
  return svgEl("circle", { cx: x, cy: y, r: 4.4, class: "dv-point dv-value", fill: colourOf(target, scale) });
}

function pointsLayer(trace, plane, scale, conceal) {
  const { left, top, size } = PLOT;
  const sx = (v) => left + ((v - plane.x1[0]) / (plane.x1[1] - plane.x1[0])) * size;
  const sy = (v) => top + ((plane.x2[1] - v) / (plane.x2[1] - plane.x2[0])) * size;
  const { X, y, y_hat: yHat } = trace.forward;
  const binary = isBinary(y);
  const group = svgEl("g", { class: "dv-points" });
  const points = X.map((row, i) => {
    const [x1, x2] = row.map(toNumber);
    const mark = pointMark(sx(x1).toFixed(1), sy(x2).toFixed(1), y[i][0], binary, scale);
    mark.dataset.obs = String(i);
    mark.dataset.target = String(y[i][0]);
    mark.append(svgEl("title", {}, t(conceal ? "data.pointHidden" : "data.point", {
      i: i + 1, x1: formatNumber(x1, 2), x2: formatNumber(x2, 2), y: formatNumber(y[i][0], 2), yhat: formatNumber(yHat[i][0], 3),
    })));
    group.append(mark);
    return mark;
  });
  return { group, points, binary };
}

function gradientLegend(scale) {
  const width = 200;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} 30`, class: "dv-scale", "aria-hidden": "true" });
  const stops = 20;
  for (let s = 0; s < stops; s += 1) {
    const value = scale.centre - scale.half + ((s + 0.5) / stops) * 2 * scale.half;
    svg.append(svgEl("rect", { x: (s * width) / stops, y: 0, width: width / stops + 0.3, height: 10, fill: colourOf(value, scale, BACKGROUND_STRENGTH) }));
  }
  const labels = [[0, "start", scale.centre - scale.half], [width / 2, "middle", scale.centre], [width, "end", scale.centre + scale.half]];
  for (const [x, anchor, value] of labels) svg.append(svgEl("text", { x, y: 24, "text-anchor": anchor }, formatNumber(value, 2)));
  return svg;
}

function swatch(kind) {
  const svg = svgEl("svg", { viewBox: "0 0 12 12", class: "dv-swatch", "aria-hidden": "true" });
  svg.append(kind === "class1"
    ? svgEl("circle", { cx: 6, cy: 6, r: 4.4, class: "dv-mark dv-class1" })
    : svgEl("rect", { x: 2.2, y: 2.2, width: 7.6, height: 7.6, class: "dv-mark dv-class0" }));
  return svg;
}

function legend(scale, binary) {
  const box = el("div", "dv-legend");
  box.dataset.testid = "data-view-legend";
  box.append(el("p", "dv-legend-title", t(scale.probability ? "data.legendProbability" : "data.legendValue")), gradientLegend(scale));
  const marks = el("p", "dv-legend-marks");
  if (binary) {
    for (const kind of ["class1", "class0"]) {
      const item = el("span", "dv-legend-item");
      item.append(swatch(kind), el("span", "", t(`data.${kind}`)));
      marks.append(item);
    }
  } else {
    marks.append(el("span", "dv-legend-item", t("data.targetScale")));
  }
  box.append(marks);
  return box;
}

function toggle(after, onChange) {
  const label = el("label", "check dv-toggle");
  const box = el("input");
  box.type = "checkbox";
  box.checked = after;
  box.dataset.testid = "data-view-after";
  box.addEventListener("change", () => onChange(box.checked));
  label.append(box, el("span", "", t("data.after")));
  return label;
}

// --- mounting ---------------------------------------------------------------------------------------

/** Mount the data view into `root` (the #data-view card); it re-renders on trace and language changes only. */
export function mountDataView(root, store) {
  const body = root.querySelector(".data-view-body") ?? root;
  const after = () => store.get().view.dataAfter;
  let picture = null; // {trace, plane, scale, cells, points, status} of the current render
  let marked = { hover: null, selected: null };
  let grid = null; // {X, cells} of the last picture
  let concealed = false; // "predict first" still holds ŷ back: no ŷ in the tooltips, no heat map

  function render(state) {
    picture = null;
    concealed = valueConcealed(state, "y_hat");
    marked = { hover: null, selected: null };
    const { trace } = state;
    if (!trace) {
      body.replaceChildren(el("p", "hint", t("data.noTrace")));
      return;
    }
    if (!supports(trace)) {
      const sentence = el("p", "hint dv-unsupported", t("data.unsupported", { layers: trace.spec.layers.join(" → ") }));
      sentence.dataset.testid = "data-view-unsupported";
      body.replaceChildren(sentence);
      return;
    }
    const plane = planeOf(trace.forward.X);
    const scale = scaleOf(trace);
    const svg = svgEl("svg", { viewBox: `0 0 ${VIEW.width} ${VIEW.height}`, class: "dv-plot", role: "group", "aria-label": t("data.label") });
    // an edited weight keeps the plane: its 900 cells are reused (and repainted) instead of rebuilt
    const cells = grid && sameRows(grid.X, trace.forward.X) ? grid.cells : cellsLayer();
    grid = { X: trace.forward.X, cells };
    const points = pointsLayer(trace, plane, scale, concealed);
    svg.append(cells.group, axes(plane), points.group);
    const status = el("p", "hint dv-status");
    status.setAttribute("aria-live", "polite");
    const side = el("div", "dv-side");
    side.append(toggle(after(), (checked) => setOptions(store, { dataAfter: checked })), el("p", "hint dv-toggle-hint", t("data.afterHint")),
      legend(scale, points.binary), status);
    const figure = el("figure", "dv-figure");
    figure.append(svg);
    const layout = el("div", "dv-layout");
    layout.append(figure, side);
    body.replaceChildren(layout, el("p", "dv-caption", t("data.caption")));
    picture = { trace, plane, scale, cells: cells.cells, grid: cells.group, points: points.points, status, box: side.querySelector("input") };
    if (concealed) conceal(picture);
    else paint();
    mark(state);
  }

  /** Colour the cells with the cached (or now requested) prediction of the trace, before or after its update. */
  async function paint() {
    const current = picture;
    if (!current) return;
    const wanted = after();
    current.grid.dataset.state = "loading";
    current.status.textContent = t("data.loading");
    let answer;
    try {
      answer = await prediction(current.trace, wanted, current.plane);
    } catch (error) {
      if (picture === current && after() === wanted) current.status.textContent = t("data.error", { message: error.message });
      return;
    }
    if (picture !== current || after() !== wanted) return; // a newer trace or toggle took over
    answer.y_hat.forEach((row, index) => {
      const cell = current.cells[index];
      cell.setAttribute("fill", colourOf(row[0], current.scale, BACKGROUND_STRENGTH));
      cell.dataset.yhat = String(row[0]);
    });
    current.grid.dataset.weights = wanted ? "after" : "before";
    current.grid.dataset.state = "ready";
    current.status.textContent = answer.warnings.join(" ");
  }

  /** The plane without the prediction: blank cells and a word why. */
  function conceal(current) {
    for (const cell of current.cells) {
      cell.setAttribute("fill", "none");
      delete cell.dataset.yhat;
    }
    current.grid.dataset.state = "hidden";
    current.status.textContent = t("data.hiddenYhat");
  }

  /** Move is-hover / is-selected to the points of the observations that local.hover / view.selected name. */
  function mark(state) {
    if (!picture) return;
    const depth = state.trace.spec.layers.length - 1;
    for (const kind of ["hover", "selected"]) {
      const row = observationRow(kind === "hover" ? state.local.hover : state.view.selected, depth);
      const next = row === null ? null : picture.points[row] ?? null;
      if (next === marked[kind]) continue;
      marked[kind]?.classList.remove(`is-${kind}`);
      next?.classList.add(`is-${kind}`);
      next?.parentNode.append(next); // drawn last, so no neighbour covers it
      marked[kind] = next;
    }
  }

  bindPointEvents(body, store);
  store.subscribe((state, previous) => {
    if (state.trace !== previous.trace || state.lang !== previous.lang || valueConcealed(state, "y_hat") !== concealed) render(state);
    else if (state.view.dataAfter !== previous.view.dataAfter) {
      if (picture) picture.box.checked = state.view.dataAfter;
      if (!concealed) paint();
    } else if (state.local.hover !== previous.local.hover || state.view.selected !== previous.view.selected) mark(state);
  });
  render(store.get());
}

function sameRows(a, b) {
  return a.length === b.length && a.every((row, i) => row.length === b[i].length && row.every((x, j) => x === b[i][j]));
}

function pointTarget(node) {
  const point = node instanceof Element ? node.closest(".dv-point[data-obs]") : null;
  return point ? { matrix: "X", row: Number(point.dataset.obs), col: null } : null;
}

/** Hover (or click, for touch) a point: it stands for row i of X in every table of the step panel. */
function bindPointEvents(body, store) {
  body.addEventListener("pointerover", (event) => {
    const target = pointTarget(event.target);
    if (target) hoverTarget(store, target);
  });
  body.addEventListener("pointerout", (event) => {
    if (pointTarget(event.target) && !pointTarget(event.relatedTarget)) hoverTarget(store, null);
  });
  body.addEventListener("click", (event) => {
    const target = pointTarget(event.target);
    if (target) toggleSelect(store, target);
  });
}
