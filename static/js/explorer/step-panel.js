/**
 * The step panel: phase badge, the formula (KaTeX, with shapes under each factor), the shape equation,
 * plain-language sentences, the input matrices and the result as tables, and — for a clicked result
 * cell — its scalar formula with the numbers plugged in. Also hosts the merge-d, decimals and predict-first
 * options, the hand-calculation check of the result (handcalc-view.js) and the in-place editing of weight,
 * bias, X and y cells (cell-editor.js).
 */
import { el } from "../lib/dom.js";
import { t, getLang } from "../i18n/i18n.js";
import { resolveMatrix, visibleSteps, nearestVisible } from "../lib/matrices.js";
import { renderTex } from "../lib/tex.js";
import { matrixTable } from "../lib/matrix-table.js";
import { explanation } from "./explain.js";
import { scalarFormula } from "./scalar.js";
import { applyHighlights, cellTarget, sameTarget } from "../lib/highlight.js";
import { setOptions, hoverTarget, toggleSelect } from "../store/actions.js";
import { DECIMALS, BCE_CLIP } from "../lib/core-options.js";
import { handcalcActive, resultHidden, shownStepId } from "../tools/handcalc.js";
import { mergedFirst, shownInputsResult } from "../tools/shown-inputs.js";
import { handcalcBlock, handcalcKey, handcalcToggle, predictFirstOption } from "../tools/handcalc-view.js";
import { isEditable, openCellEditor, closeCellEditor, cellName, pencilButton } from "./cell-editor.js";

/** Decimal points inside a formula follow the language: 0.01 → 0{,}01 in Russian. */
function localiseTexNumbers(latex) {
  return getLang() === "ru" ? latex.replace(/(\d)\.(\d)/g, "$1{,}$2") : latex;
}

/** What the panel shows for a step: the merged form on the second d sub-step when mergeD is on. */
export function stepView(trace, stepIndex, mergeD) {
  const step = trace.steps[stepIndex];
  const first = mergedFirst(trace, stepIndex, mergeD);
  const merged = Boolean(first);
  if (!merged) return { step, merged, first: null, latex: step.latex_shaped || step.latex, shapes: step.shapes, inputs: step.inputs };
  const fprime = step.inputs.filter((id) => id.startsWith("f'("));
  return { step, merged, first, latex: step.merged_latex, shapes: step.merged_shapes || step.shapes, inputs: [...first.inputs, ...fprime] };
}

function optionsBlock(store) {
  const box = el("div", "panel-options");
  const mergeLabel = el("label", "check");
  const merge = el("input");
  merge.type = "checkbox";
  merge.dataset.testid = "merge-d";
  merge.addEventListener("change", () => setOptions(store, { mergeD: merge.checked }));
  const mergeText = el("span");
  mergeLabel.append(merge, mergeText);
  const decLabel = el("label", "field-inline");
  const decText = el("span");
  const decimals = el("input");
  Object.assign(decimals, {
    type: "number", min: String(DECIMALS.min), max: String(DECIMALS.max), step: "1", inputMode: "numeric",
  });
  decimals.dataset.testid = "decimals";
  decimals.addEventListener("input", () => {
    const value = Number.parseInt(decimals.value, 10);
    if (!Number.isInteger(value)) return; // mid-typing (empty); the field refills on blur
    const shown = Math.max(DECIMALS.min, Math.min(DECIMALS.max, value));
    if (shown !== value) decimals.value = String(shown); // the field never claims more digits than the tables show
    setOptions(store, { decimals: shown });
  });
  decimals.addEventListener("blur", () => { decimals.value = String(store.get().view.decimals); });
  decLabel.append(decText, decimals);
  box.append(mergeLabel, decLabel);
  const sync = (state) => {
    mergeText.textContent = t("view.mergeD");
    decText.textContent = t("view.decimals");
    merge.checked = state.view.mergeD;
    if (document.activeElement !== decimals) decimals.value = String(state.view.decimals);
  };
  return { box, sync };
}

function phaseBadge(phase) {
  const badge = el("span", `phase-badge phase-${phase}`, t(`phase.${phase}`));
  badge.dataset.phase = phase;
  return badge;
}

function headBlock(trace, view, position) {
  const head = el("div", "panel-head");
  head.append(phaseBadge(view.step.phase));
  head.append(el("span", "panel-step", t("step.counter", position)));
  const id = el("code", "step-id", view.step.id);
  head.append(id);
  return head;
}

// Backward steps whose shaped formula names d by what it is (∂L/∂H₂ …) also show the exercise's d form.
const D_FORM_KINDS = new Set(["grad_weight", "grad_bias", "grad_through_weight", "grad_activation"]);

function formulaBlock(view) {
  const wrap = el("div", "formula-block");
  const box = el("div", "formula");
  box.dataset.testid = "formula";
  renderTex(box, localiseTexNumbers(view.latex), { display: true });
  wrap.append(box);
  if (!view.merged && D_FORM_KINDS.has(view.step.kind)) {
    const line = el("p", "d-form");
    line.dataset.testid = "formula-d";
    const math = el("span");
    renderTex(math, localiseTexNumbers(view.step.latex));
    line.append(el("span", "label", `${t("panel.dForm")} `), math);
    wrap.append(line);
  }
  return wrap;
}

function shapesBlock(view, rows) {
  const p = el("p", "shapes");
  p.append(el("span", "label", `${t("panel.shapes")}: `));
  const code = el("code", "", view.shapes);
  code.dataset.testid = "shapes";
  p.append(code, el("span", "n-note", ` (n = ${rows})`));
  return p;
}

function explainBlock(trace, view) {
  const box = el("div", "explain");
  for (const sentence of explanation(trace, view.step, view.merged)) box.append(el("p", "", sentence));
  return box;
}

/**
 * Tables of one trace, built once per (matrix, decimals, rows shown, language): a trace's matrices never
 * change, and rebuilding 16-column tables on every step is what made stepping a big network slow.
 */
function tableCache() {
  let trace = null;
  const tables = new Map();
  return (state, id, matrix, options) => {
    if (state.trace !== trace) {
      trace = state.trace;
      tables.clear();
    }
    const key = [id, options.decimals, options.showAll, state.lang, Boolean(options.clickable)].join("|");
    if (!tables.has(key)) tables.set(key, markEditable(id, matrixTable(id, matrix, options)));
    return tables.get(key);
  };
}

/** Cells of the request's own numbers (W, b, X, y) can be focused, then edited with Enter or F2. */
function markEditable(id, figure) {
  if (!isEditable(id)) return figure;
  for (const td of figure.querySelectorAll("td[data-matrix-id]")) {
    td.tabIndex = 0;
    td.classList.add("editable");
  }
  return figure;
}

function matricesBlock(store, trace, view, state, onToggleRows, tableFor) {
  const box = el("div", "matrices");
  const common = { decimals: state.view.decimals, showAll: state.view.showAllRows, onToggleRows };
  const inputs = el("div", "matrix-group inputs");
  inputs.append(el("h3", "group-title", t("panel.inputs")));
  const row = el("div", "matrix-row");
  for (const id of view.inputs) {
    const matrix = resolveMatrix(trace, id);
    if (matrix) row.append(tableFor(state, id, matrix, common));
  }
  inputs.append(row);
  if (view.inputs.some(isEditable)) inputs.append(el("p", "hint edit-hint", t("edit.cellHint")));
  const result = el("div", "matrix-group result");
  const title = el("div", "result-title");
  title.append(el("h3", "group-title", t("panel.result")), handcalcToggle(store, state));
  result.append(title);
  const output = resolveMatrix(trace, view.step.output);
  const stepId = view.step.id;
  if (output && handcalcActive(state, stepId)) {
    result.append(handcalcBlock(store, state, { stepId, matrixId: view.step.output, matrix: output, onToggleRows,
      shown: shownInputsResult(trace, view.step, state.view.decimals, view.first) }));
  } else if (output) {
    result.append(tableFor(state, view.step.output, output, { ...common, clickable: true }), el("p", "hint", t("table.cellHint")));
  }
  if (view.step.kind === "grad_output" && trace.spec.loss === "bce" && saturated(resolveMatrix(trace, "y_hat"))) {
    const note = el("p", "matrix-note bce-clipped", t("panel.bceClipped", { clip: "10⁻¹²" }));
    note.dataset.testid = "bce-clipped";
    result.append(note);
  }
  box.append(inputs, result);
  return box;
}

/** Whether some ŷ lies within BCE_CLIP of 0 or 1: bce's ∂L/∂ŷ there is the clipped bound, not a derivative. */
function saturated(yHat) {
  return yHat.flat().some((p) => Number(p) <= BCE_CLIP || Number(p) >= 1 - BCE_CLIP);
}

function scalarBlock(trace, view, state) {
  const box = el("div", "scalar");
  box.dataset.testid = "scalar-formula";
  const selected = state.view.selected;
  if (!selected || selected.matrix !== view.step.output || resultHidden(state, view.step.id)) {
    box.hidden = true;
    return { box, operands: [] };
  }
  const formula = scalarFormula(trace, view.step, selected.row, selected.col, state.view.decimals, view.first);
  if (!formula) {
    box.hidden = true;
    return { box, operands: [] };
  }
  box.append(el("h3", "group-title", t("scalar.title")));
  const math = el("div", "scalar-math");
  renderTex(math, `\\displaystyle ${formula.latex}`); // inline mode: KaTeX may break a long sum after "+" or "="
  box.append(math);
  return { box, operands: formula.operands };
}

/** Mount the step panel into `el` (the #step-panel section); it re-renders from the store. */
export function mountStepPanel(root, store) {
  const options = optionsBlock(store);
  const predictFirst = predictFirstOption(store);
  options.box.append(predictFirst.box);
  const body = root.querySelector("#step-panel-body") ?? root;
  const content = el("div", "panel-content");
  body.append(options.box, content);
  let operands = [];
  let scalarSlot = null;
  const tableFor = tableCache();

  const toggleRows = () => setOptions(store, { showAllRows: !store.get().view.showAllRows });

  function render(state) {
    options.sync(state);
    predictFirst.sync(state);
    closeCellEditor(); // an open editor lives in a cached table: give the cell its number back first
    content.replaceChildren();
    if (!state.trace) {
      content.append(el("p", "empty", t("panel.noTrace")));
      return;
    }
    const { trace, view: viewOptions } = state;
    const stepIndex = nearestVisible(trace, viewOptions.mergeD, state.stepIndex);
    const view = stepView(trace, stepIndex, viewOptions.mergeD);
    const visible = visibleSteps(trace, viewOptions.mergeD);
    const position = { i: visible.indexOf(stepIndex) + 1, n: visible.length };
    content.dataset.stepId = view.step.id;
    content.dataset.phase = view.step.phase;
    content.append(
      headBlock(trace, view, position),
      formulaBlock(view),
      shapesBlock(view, trace.forward.X.length),
      explainBlock(trace, view),
      matricesBlock(store, trace, view, state, toggleRows, tableFor),
    );
    scalarSlot = el("div", "scalar-slot");
    content.append(scalarSlot);
    renderScalar(state);
  }

  function renderScalar(state) {
    if (!scalarSlot || !state.trace) return;
    const stepIndex = nearestVisible(state.trace, state.view.mergeD, state.stepIndex);
    const { box, operands: used } = scalarBlock(state.trace, stepView(state.trace, stepIndex, state.view.mergeD), state);
    operands = used;
    scalarSlot.replaceChildren(editButton(content, store, state.view.selected), box);
    highlight(state);
  }

  function highlight(state) {
    const depth = state.trace ? state.trace.spec.layers.length - 1 : 0;
    applyHighlights(content, { hover: state.local.hover, selected: state.view.selected, depth, operands });
  }

  bindCellEvents(content, store);
  store.subscribe((state, previous) => {
    if (needsRender(state, previous)) render(state);
    else if (state.view.selected !== previous.view.selected) renderScalar(state);
    else if (state.local.hover !== previous.local.hover) highlight(state);
  });
  render(store.get());
}

function needsRender(state, previous) {
  const v = state.view, p = previous.view;
  return state.trace !== previous.trace || state.stepIndex !== previous.stepIndex || state.lang !== previous.lang
    || v.mergeD !== p.mergeD || v.decimals !== p.decimals || v.showAllRows !== p.showAllRows
    || (state.trace && handcalcKey(state, shownStepId(state)) !== handcalcKey(previous, shownStepId(state)));
}

/** The editable table cell for a target in the panel, or null. */
function editableCell(content, target) {
  if (!target || !isEditable(target.matrix) || target.row === null || target.col === null) return null;
  const selector = `td[data-matrix-id="${CSS.escape(target.matrix)}"][data-row="${target.row}"][data-col="${target.col}"]`;
  return content.querySelector(`.matrix-group.inputs ${selector}`);
}

/** Open the in-place editor in a cell: the cell's text makes room for the input and comes back on Escape. */
function editInPlace(content, store, td) {
  const target = cellTarget(td);
  const text = [...td.childNodes];
  td.replaceChildren();
  td.classList.add("is-editing");
  const refocus = () => editableCell(content, target)?.focus();
  openCellEditor(store, td, {
    target,
    onCancel: () => { td.classList.remove("is-editing"); td.replaceChildren(...text); td.focus(); },
    onApplied: refocus,
  });
}

/** ✎ next to the scalar slot when the selection is a number the learner can change. */
function editButton(content, store, selected) {
  const td = editableCell(content, selected);
  if (!td) return "";
  const button = pencilButton(t("edit.button", { name: cellName(selected) }));
  button.dataset.testid = "cell-edit";
  button.addEventListener("click", () => {
    const cell = editableCell(content, store.get().view.selected);
    if (cell) editInPlace(content, store, cell);
  });
  return button;
}

function bindCellEvents(content, store) {
  content.addEventListener("pointerover", (event) => hoverTarget(store, cellTarget(event.target)));
  content.addEventListener("pointerleave", () => hoverTarget(store, null));
  content.addEventListener("focusin", (event) => { if (cellTarget(event.target)) hoverTarget(store, cellTarget(event.target)); });
  const select = (event) => {
    const target = cellTarget(event.target);
    if (target) toggleSelect(store, target);
  };
  content.addEventListener("click", (event) => {
    select(event);
    if (cellTarget(event.target)) revealScalar(content);
  });
  content.addEventListener("dblclick", (event) => {
    const target = cellTarget(event.target);
    const td = editableCell(content, target);
    if (!td) return;
    if (!sameTarget(target, store.get().view.selected)) toggleSelect(store, target);
    editInPlace(content, store, td);
  });
  content.addEventListener("keydown", (event) => {
    const target = cellTarget(event.target);
    const td = event.target === editableCell(content, target) ? event.target : null;
    if (td && (event.key === "F2" || (event.key === "Enter" && sameTarget(target, store.get().view.selected)))) {
      event.preventDefault();
      event.stopPropagation();
      editInPlace(content, store, td);
      return;
    }
    if ((event.key === "Enter" || event.key === " ") && cellTarget(event.target)) {
      event.preventDefault();
      event.stopPropagation();
      select(event);
      revealScalar(content);
    }
  });
}

/** Bring the expanded scalar formula into view after the learner picked a cell (no animation if reduced motion). */
function revealScalar(content) {
  const box = content.querySelector(".scalar:not([hidden])");
  if (!box) return;
  const calm = matchMedia("(prefers-reduced-motion: reduce)").matches;
  box.scrollIntoView({ block: "nearest", behavior: calm ? "auto" : "smooth" });
}
