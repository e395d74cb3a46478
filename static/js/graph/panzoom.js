/**
 * Pan and zoom for an SVG by moving its viewBox: the browser's own `preserveAspectRatio` does the fitting,
 * so "fit to view" is just the content's bounds and survives any resize without measuring.
 * Wheel or pinch zooms around the pointer, a drag pans, and the +/−/reset buttons (real <button>s,
 * so keyboard operable) zoom around the centre.
 */
import { t } from "../i18n/i18n.js";

const MIN_ZOOM = 0.5; // relative to the fitted view: zooming out past half the fit only loses the picture
const MAX_ZOOM = 12;
const DRAG_THRESHOLD = 4; // px a pointer must move before a press becomes a pan (so clicks still select)

/**
 * Attach pan/zoom to `svg` and put the controls into `toolbar`; `onChange()` runs after every view change.
 * Returns {fit(bounds), zoomBy(f), destroy()}: `fit({x, y, width, height})` sets the content bounds and
 * resets the view to them.
 */
export function attachPanZoom(svg, toolbar, onChange = () => {}) {
  const state = { bounds: { x: 0, y: 0, width: 100, height: 100 }, view: null, pending: false };
  // onChange usually measures the SVG: run it once per frame, never inside the change itself (no forced layout)
  const notify = () => {
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => {
      state.pending = false;
      onChange();
    });
  };
  const apply = () => {
    const v = state.view;
    svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.width} ${v.height}`);
    notify();
  };
  const fit = (bounds = state.bounds) => {
    state.bounds = { ...bounds };
    state.view = { ...bounds };
    apply();
  };
  const zoomAt = (factor, point) => {
    const v = state.view;
    const zoom = state.bounds.width / (v.width / factor);
    if (zoom < MIN_ZOOM || zoom > MAX_ZOOM) return;
    state.view = {
      x: point.x - (point.x - v.x) / factor,
      y: point.y - (point.y - v.y) / factor,
      width: v.width / factor,
      height: v.height / factor,
    };
    apply();
  };
  const centre = () => ({ x: state.view.x + state.view.width / 2, y: state.view.y + state.view.height / 2 });
  const zoomBy = (factor) => zoomAt(factor, centre());
  const panBy = (dx, dy) => {
    state.view = { ...state.view, x: state.view.x + dx, y: state.view.y + dy };
    apply();
  };

  const removeControls = addButtons(toolbar, { zoomBy, fit: () => fit() });
  const removePointer = addPointerHandlers(svg, { zoomAt, panBy });
  fit();
  return {
    fit,
    zoomBy,
    destroy() {
      removeControls();
      removePointer();
    },
  };
}

function addButtons(toolbar, { zoomBy, fit }) {
  const specs = [
    ["zoom-in", "+", "graph.zoomIn", () => zoomBy(1.25)],
    ["zoom-out", "−", "graph.zoomOut", () => zoomBy(0.8)],
    ["zoom-reset", "⤢", "graph.zoomReset", fit],
  ];
  const buttons = specs.map(([action, symbol, key, run]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "graph-zoom-button";
    button.dataset.action = action;
    button.textContent = symbol;
    button.title = t(key);
    button.setAttribute("aria-label", t(key));
    button.addEventListener("click", run);
    toolbar.append(button);
    return button;
  });
  return () => buttons.forEach((b) => b.remove());
}

/** The SVG user-space point under a client (screen) position. */
function svgPoint(svg, clientX, clientY) {
  const matrix = svg.getScreenCTM();
  if (!matrix) return { x: 0, y: 0 };
  const p = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
  return { x: p.x, y: p.y };
}

function addPointerHandlers(svg, { zoomAt, panBy }) {
  const pointers = new Map(); // pointerId → last client position
  let dragged = false;
  let pinchDistance = null;

  const onWheel = (event) => {
    event.preventDefault();
    const factor = Math.exp(-event.deltaY * (event.deltaMode === 1 ? 0.05 : 0.0015));
    zoomAt(factor, svgPoint(svg, event.clientX, event.clientY));
  };
  const onDown = (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY, startX: event.clientX, startY: event.clientY });
    dragged = false;
    pinchDistance = pointers.size === 2 ? distance(pointers) : null;
  };
  const onMove = (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    if (!dragged && Math.hypot(event.clientX - last.startX, event.clientY - last.startY) < DRAG_THRESHOLD) return;
    if (!dragged) svg.setPointerCapture?.(event.pointerId);
    dragged = true;
    const scale = svg.getScreenCTM()?.a || 1;
    if (pointers.size === 1) panBy(-(event.clientX - last.x) / scale, -(event.clientY - last.y) / scale);
    pointers.set(event.pointerId, { ...last, x: event.clientX, y: event.clientY });
    if (pointers.size === 2 && pinchDistance) {
      const now = distance(pointers);
      const mid = midpoint(pointers);
      zoomAt(now / pinchDistance, svgPoint(svg, mid.x, mid.y));
      pinchDistance = now;
    }
  };
  const onUp = (event) => {
    pointers.delete(event.pointerId);
    pinchDistance = pointers.size === 2 ? distance(pointers) : null;
  };
  // A drag ends with a click on whatever is under the pointer: swallow it so panning never selects.
  const onClick = (event) => {
    if (dragged) {
      event.stopPropagation();
      event.preventDefault();
      dragged = false;
    }
  };
  svg.addEventListener("wheel", onWheel, { passive: false });
  svg.addEventListener("pointerdown", onDown);
  svg.addEventListener("pointermove", onMove);
  svg.addEventListener("pointerup", onUp);
  svg.addEventListener("pointercancel", onUp);
  svg.addEventListener("click", onClick, true);
  return () => {
    svg.removeEventListener("wheel", onWheel);
    svg.removeEventListener("pointerdown", onDown);
    svg.removeEventListener("pointermove", onMove);
    svg.removeEventListener("pointerup", onUp);
    svg.removeEventListener("pointercancel", onUp);
    svg.removeEventListener("click", onClick, true);
  };
}

function distance(pointers) {
  const [a, b] = [...pointers.values()];
  return Math.hypot(a.x - b.x, a.y - b.y) || 1;
}

function midpoint(pointers) {
  const [a, b] = [...pointers.values()];
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}
