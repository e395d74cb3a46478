/**
 * Small loss charts as inline SVG built with DOM calls: loss per iteration and, after training,
 * loss per epoch. Each point carries a <title> so the numbers are readable without hovering precision.
 */
import { t, formatNumber, toNumber } from "../i18n/i18n.js";
import { valueConcealed } from "../tools/handcalc.js";

const SVG = "http://www.w3.org/2000/svg";
const SIZE = { width: 360, height: 150, left: 52, right: 12, top: 12, bottom: 30 };

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function extent(values) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, 1];
  const low = Math.min(...finite), high = Math.max(...finite);
  return low === high ? [low - 0.5 * Math.abs(low || 1), high + 0.5 * Math.abs(high || 1)] : [low, high];
}

/** A log scale pays when the finite values are all positive and span more than this factor. */
export const LOG_RANGE = 1000;

/** An axis end short enough for the margin: 3 significant digits, an exponent past 10⁴ or below 10⁻³. */
export function axisNumber(x) {
  const value = Math.abs(x);
  if (value !== 0 && (value >= 1e4 || value < 1e-3)) {
    const [mantissa, exponent] = x.toExponential(1).split("e");
    return `${formatNumber(Number(mantissa), 1)}e${Number(exponent)}`;
  }
  return formatNumber(x, value >= 100 ? 0 : value >= 10 ? 1 : 3);
}

/** Whether `values` want a log scale: all positive, and the largest over LOG_RANGE times the smallest. */
export function wantsLog(values) {
  const finite = values.filter(Number.isFinite);
  return finite.length > 1 && finite.every((v) => v > 0) && Math.max(...finite) > LOG_RANGE * Math.min(...finite);
}

function axes(xRange, yRange, xLabel, log) {
  const { width, height, left, right, top, bottom } = SIZE;
  const group = svgEl("g", { class: "axes" });
  group.append(
    svgEl("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
    svgEl("line", { x1: left, y1: top, x2: left, y2: height - bottom }),
    svgEl("text", { x: left - 6, y: top + 4, "text-anchor": "end", class: "axis-end" }, axisNumber(log ? 10 ** yRange[1] : yRange[1])),
    svgEl("text", { x: left - 6, y: height - bottom, "text-anchor": "end", class: "axis-end" }, axisNumber(log ? 10 ** yRange[0] : yRange[0])),
    svgEl("text", { x: left, y: height - 8, "text-anchor": "start" }, String(xRange[0])),
    svgEl("text", { x: width - right, y: height - 8, "text-anchor": "end" }, String(xRange[1])),
    svgEl("text", { x: (left + width - right) / 2, y: height - 8, "text-anchor": "middle", class: "axis-label" }, xLabel),
  );
  if (log) group.append(svgEl("text", { x: left + 4, y: top + 4, "text-anchor": "start", class: "axis-scale" }, t("chart.logScale")));
  return group;
}

/**
 * An <svg> line chart of `points` ([{x, y}], y may be a non-finite string from the API).
 * Options: title (accessible name), xLabel, pointLabel(point) for each point's tooltip, dots (draw markers:
 * true for every point, or a predicate choosing the points that get one).
 */
export function lossChart(points, { title, xLabel, pointLabel, dots = true }) {
  const { width, height, left, right, top, bottom } = SIZE;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "loss-chart", role: "img", "aria-label": title });
  svg.append(svgEl("title", {}, title));
  const data = points.map((p) => ({ ...p, y: toNumber(p.y) }));
  const xRange = [data[0]?.x ?? 0, data[data.length - 1]?.x ?? 1];
  const log = wantsLog(data.map((p) => p.y)); // a diverging run is not flattened into a line at 0
  const scaled = (y) => (log ? Math.log10(y) : y);
  const yRange = extent(data.map((p) => scaled(p.y)));
  const sx = (x) => left + ((x - xRange[0]) / (xRange[1] - xRange[0] || 1)) * (width - left - right);
  const sy = (y) => height - bottom - ((scaled(y) - yRange[0]) / (yRange[1] - yRange[0])) * (height - top - bottom);
  svg.dataset.scale = log ? "log" : "linear";
  svg.append(axes(xRange, yRange, xLabel, log));
  const finite = data.filter((p) => Number.isFinite(p.y));
  const path = finite.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
  if (path) svg.append(svgEl("path", { d: path, class: "loss-line" }));
  const marked = dots === true ? () => true : dots || (() => false);
  for (const p of finite.filter(marked)) {
    const dot = svgEl("circle", { cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 3.5, class: "loss-dot" });
    dot.append(svgEl("title", {}, pointLabel ? pointLabel(p) : formatNumber(p.y, 4)));
    svg.append(dot);
  }
  return svg;
}

/**
 * The loss at every iteration the state knows: each iteration shown (lossHistory, a dot each) and every
 * epoch of the training run (iteration `from + epoch`: one epoch is one full-batch update, i.e. one
 * iteration), so a trained stretch is drawn as it went rather than as one straight line.
 */
export function iterationPoints(lossHistory, ...trainings) {
  const points = new Map();
  for (const training of trainings) {
    training?.lossHistory?.forEach((loss, epoch) => {
      if (epoch <= training.epochs) points.set(training.from + epoch, { iteration: training.from + epoch, loss, shown: false });
    });
  }
  for (const p of lossHistory) points.set(p.iteration, { ...p, shown: true });
  return [...points.values()].sort((a, b) => a.iteration - b.iteration);
}

/** The running training's curve so far (status.training, growing chunk by chunk), or null. */
function runningTraining(state) {
  const running = state.status.training;
  return running?.curve?.length ? { from: running.from, epochs: running.done, lossHistory: running.curve } : null;
}

/** Mount the two loss charts and keep them in step with state.lossHistory and the training curve. */
export function mountCharts(iterationBox, trainingBox, store) {
  const render = (state) => {
    const running = runningTraining(state);
    // "predict first" holds this iteration's loss back until it is answered (no dot, tooltip or axis end shows it)
    const hideLoss = valueConcealed(state, "L");
    const history = iterationPoints(state.lossHistory ?? [], state.training, running)
      .filter((p) => !(hideLoss && p.shown && p.iteration === state.iteration));
    if (history.length) {
      iterationBox.replaceChildren(lossChart(history.map((p) => ({ x: p.iteration + 1, y: p.loss, shown: p.shown })), {
        title: t("chart.iterations"), xLabel: t("chart.axisX"), dots: (p) => p.shown,
        pointLabel: (p) => t("chart.point", { i: p.x, loss: formatNumber(p.y, 4) }),
      }));
    } else {
      iterationBox.replaceChildren(Object.assign(document.createElement("p"), { className: "hint", textContent: t("chart.empty") }));
    }
    const curve = (running ?? state.training)?.lossHistory;
    trainingBox.replaceChildren();
    if (curve && curve.length) {
      // epoch 0 is the loss before the first update: N epochs give N + 1 points, 0..N
      trainingBox.append(lossChart(curve.map((loss, epoch) => ({ x: epoch, y: loss })), {
        title: t("chart.epochs"), xLabel: t("chart.axisEpoch"), dots: false,
      }));
    }
  };
  store.subscribe((state, previous) => {
    if (state.lossHistory !== previous.lossHistory || state.training !== previous.training || state.lang !== previous.lang
      || state.status.training !== previous.status.training || valueConcealed(state, "L") !== valueConcealed(previous, "L")) render(state);
  });
  render(store.get());
}
