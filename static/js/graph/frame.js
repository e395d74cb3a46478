/** The frame both graph views share: the canvas, and a footer with the legend and the zoom buttons. */
import { t } from "../i18n/i18n.js";
import { svgEl, svgTitle, htmlEl } from "./svg.js";

/**
 * Build the frame inside `el`: returns {panel, svg, zoom, footer}. `className` names the view
 * ("neuron-canvas" / "matrix-canvas"), `label` is the SVG's accessible name.
 */
export function buildFrame(el, { panelClass, canvasClass, label }) {
  const panel = htmlEl("div", `graph-panel ${panelClass}`, null, el);
  const wrap = htmlEl("div", "graph-canvas-wrap", null, panel);
  const svg = svgEl("svg", {
    class: `graph-canvas ${canvasClass}`, role: "group", "aria-label": label, preserveAspectRatio: "xMidYMid meet",
  }, wrap);
  svgTitle(svg, label);
  const footer = htmlEl("div", "graph-footer", null, panel);
  const zoom = htmlEl("div", "graph-zoom", null, footer);
  zoom.setAttribute("role", "group");
  zoom.setAttribute("aria-label", t("graph.zoom"));
  return { panel, svg, zoom, footer };
}

/** Tear down what buildFrame and a view attached to it (pan/zoom, resize observer), before a rebuild. */
export function clearFrame(view) {
  view.panzoom?.destroy();
  view.resize?.disconnect();
  view.dom?.panel.remove();
  view.dom = null;
  view.key = null;
}

/**
 * Rebuild a view when its structure key changes (a step change only restyles what is there).
 * Returns true after a rebuild, false when the SVG is kept, null when there is nothing to draw.
 */
export function syncFrame(view, key, build) {
  if (key === null) {
    clearFrame(view);
    return null;
  }
  if (key === view.key) return false;
  build();
  view.key = key;
  return true;
}

/**
 * Keep labels readable at any zoom: when the picture is drawn smaller than 1:1, the label font grows in
 * picture units (up to `maxUnits`) so it stays about `minPx` pixels on screen. Returns the screen scale.
 */
export function scaleLabels(svg, { minPx = 10, baseUnits = 12, maxUnits = 20 } = {}) {
  const scale = svg.getScreenCTM()?.a || 1;
  const size = Math.min(maxUnits, Math.max(baseUnits, minPx / scale));
  svg.style.setProperty("--label-size", `${Math.round(size * 10) / 10}px`);
  return scale;
}
