/**
 * The editor: layer sizes, an activation per layer, biases, loss, learning rate, initial weights and
 * seed, and X / y as text rows. Apply posts the request; the API's 422 messages appear next to it.
 * Everything typed is read as text and written back with textContent / value, never as HTML.
 */
import { el } from "./dom.js";
import { t, formatNumber } from "./i18n.js";
import { loadRequest } from "./actions.js";
import { problemText } from "./api.js";
import { ACTIVATION_NAMES, INIT_NAMES, LOSS_NAMES } from "./core-options.js";
import { weightFields } from "./editor-weights.js";

/** "2, 3, 1" → [2, 3, 1], or null unless it is at least two positive whole numbers. */
export function parseLayers(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const sizes = parts.map(Number);
  return sizes.length >= 2 && sizes.every((n) => Number.isInteger(n) && n > 0) ? sizes : null;
}

/** One number typed by a person: "0,5" and "0.5" both mean one half. */
function parseNumber(text) {
  const value = Number(text.trim().replace(",", "."));
  return text.trim() !== "" && Number.isFinite(value) ? value : null;
}

/**
 * Rows of numbers from text: one row per line; values split by spaces, tabs or ";" — or by commas
 * when a line has none of those (so "1,5 2" is 1.5 and 2, "1,2" is 1 and 2 and "1.5,2" is 1.5 and 2).
 * Returns {rows} or {error: {key, params}} naming the field and the line.
 */
export function parseRows(text, field) {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (!lines.length) return { error: { key: "editor.errEmpty", params: { field } } };
  const rows = [];
  for (const [index, line] of lines.entries()) {
    const cells = (/[\s;]/.test(line) ? line.split(/[\s;]+/) : line.split(",")).map((c) => c.replace(/,$/, "")).filter(Boolean);
    const row = [];
    for (const cell of cells) {
      const value = parseNumber(cell);
      if (value === null) return { error: { key: "editor.errNumber", params: { field, row: index + 1, value: cell } } };
      row.push(value);
    }
    if (rows.length && row.length !== rows[0].length) {
      return { error: { key: "editor.errRagged", params: { field, row: index + 1, got: row.length, want: rows[0].length } } };
    }
    rows.push(row);
  }
  return { rows };
}

/** Matrix → editable text, one row per line, values separated by two spaces (decimal point kept for a round trip). */
export function rowsToText(rows) {
  const matrix = Array.isArray(rows[0]) ? rows : rows.map((x) => [x]);
  return matrix.map((row) => row.map((x) => String(x)).join("  ")).join("\n");
}

function labelled(text, control, className = "field") {
  const label = el("label", className);
  label.append(el("span", "field-label", text), control);
  return label;
}

function select(names, prefix, value, testid) {
  const node = el("select");
  for (const name of names) node.append(new Option(t(`${prefix}.${name}`), name));
  node.value = value;
  if (testid) node.dataset.testid = testid;
  return node;
}

function input(type, value, testid, attrs = {}) {
  const node = el("input");
  Object.assign(node, { type, value: String(value ?? "") }, attrs);
  if (testid) node.dataset.testid = testid;
  return node;
}

/** Mount the editor into the <form> `form`; it refills from state.request unless the learner is mid-edit. */
export function mountEditor(form, store) {
  let dirty = false;
  let fields = null;
  let shownRequest = null;

  function build(request) {
    const layers = request.layers ?? [2, 2, 2, 1];
    const activations = request.activations ?? layers.slice(1).map((_, k) => (k === layers.length - 2 ? "identity" : "sigmoid"));
    fields = {
      layers: input("text", layers.join(", "), "editor-layers", { spellcheck: false, autocomplete: "off" }),
      activations: el("div", "activation-list"),
      bias: input("checkbox", "", "editor-bias"),
      loss: select(LOSS_NAMES, "loss", request.loss ?? "half_sse", "editor-loss"),
      lr: input("text", formatNumber(request.learning_rate ?? 0.1, 4).replace(/0+$/, "").replace(/[.,]$/, ""), "editor-lr", { inputMode: "decimal" }),
      init: select(INIT_NAMES, "init", request.init ?? "xavier_uniform", "editor-init"),
      seed: input("number", request.seed ?? 0, "editor-seed", { step: "1" }),
      X: el("textarea"), y: el("textarea"),
      keep: input("checkbox", "", "editor-keep-weights"),
      errors: el("ul", "editor-errors"),
      weights: weightFields(store.get().trace),
    };
    fields.bias.checked = Boolean(request.bias);
    Object.assign(fields.X, { value: rowsToText(request.X ?? []), rows: 6, spellcheck: false });
    Object.assign(fields.y, { value: rowsToText(request.y ?? []), rows: 6, spellcheck: false });
    fields.X.dataset.testid = "editor-X";
    fields.y.dataset.testid = "editor-y";
    fields.errors.dataset.testid = "editor-errors";
    fields.errors.setAttribute("aria-live", "polite");
    fillActivations(activations);
    fields.layers.addEventListener("input", () => fillActivations(currentActivations()));
    layout();
  }

  function currentActivations() {
    return [...fields.activations.querySelectorAll("select")].map((s) => s.value);
  }

  function fillActivations(previous) {
    const layers = parseLayers(fields.layers.value);
    if (!layers) return;
    fields.activations.replaceChildren();
    for (let k = 1; k < layers.length; k += 1) {
      const fallback = k === layers.length - 1 ? "identity" : "sigmoid";
      const choice = select(ACTIVATION_NAMES, "act", previous[k - 1] ?? fallback, `editor-activation-${k}`);
      fields.activations.append(labelled(t("editor.activationFor", { k }), choice, "field-inline"));
    }
  }

  function layout() {
    const apply = el("button", "btn primary", t("editor.apply"));
    apply.type = "submit";
    apply.dataset.testid = "editor-apply";
    const grid = el("div", "editor-grid");
    const activationBox = el("fieldset", "activations");
    activationBox.append(el("legend", "", t("editor.activations")), fields.activations);
    const layersField = labelled(t("editor.layers"), fields.layers);
    layersField.append(el("small", "hint", t("editor.layersHint")));
    grid.append(
      layersField, activationBox,
      labelled(t("editor.bias"), fields.bias, "check"),
      labelled(t("editor.loss"), fields.loss),
      labelled(t("editor.lr"), fields.lr),
      labelled(t("editor.init"), fields.init),
      labelled(t("editor.seed"), fields.seed),
    );
    const data = el("div", "editor-data");
    data.append(labelled(t("editor.X"), fields.X), labelled(t("editor.y"), fields.y));
    const actions = el("div", "editor-actions");
    actions.append(labelled(t("editor.keepWeights"), fields.keep, "check"), apply);
    form.replaceChildren(grid, data, fields.weights.box, actions, fields.errors);
  }

  /** The request the fields describe, or {errors} with messages naming the field and the rule. */
  function readRequest() {
    const errors = [];
    const layers = parseLayers(fields.layers.value);
    if (!layers) errors.push(t("editor.errLayers"));
    const lr = parseNumber(fields.lr.value);
    if (lr === null) errors.push(t("editor.errLr"));
    const seed = Number(fields.seed.value);
    if (!Number.isInteger(seed)) errors.push(t("editor.errSeed"));
    const X = parseRows(fields.X.value, "X");
    const y = parseRows(fields.y.value, "y");
    for (const parsed of [X, y]) if (parsed.error) errors.push(t(parsed.error.key, parsed.error.params));
    const pasted = fields.weights.read(layers, fields.bias.checked);
    if (pasted?.errors) errors.push(...pasted.errors);
    if (errors.length) return { errors };
    const request = { layers, activations: currentActivations(), bias: fields.bias.checked, loss: fields.loss.value,
      learning_rate: lr, init: fields.init.value, seed, X: X.rows, y: y.rows };
    const { trace } = store.get();
    const sameShape = trace && JSON.stringify(trace.spec.layers) === JSON.stringify(layers) && trace.spec.bias === request.bias;
    if (pasted) Object.assign(request, pasted);
    else if (fields.keep.checked && sameShape) {
      request.weights = trace.spec.weights;
      if (request.bias) request.biases = trace.spec.biases;
    }
    return { request };
  }

  function showErrors(messages) {
    fields.errors.replaceChildren(...messages.map((message) => el("li", "", message)));
  }

  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { request, errors } = readRequest();
    if (errors) return showErrors(errors);
    showErrors([]);
    const result = await loadRequest(store, request, { reason: "editor", presetId: null }, { quiet: true });
    if (result.ok) {
      dirty = false;
    } else if (!result.stale) {
      showErrors(result.problems.map(problemText));
    }
  });

  store.subscribe((state, previous) => {
    const langChanged = state.lang !== previous.lang;
    const newRequest = state.request !== shownRequest && (!dirty || state.presetId !== previous.presetId);
    if (state.request && (newRequest || langChanged)) {
      if (langChanged && dirty) return layout(); // keep what was typed, relabel only
      build(state.request);
      shownRequest = state.request;
      dirty = false;
    }
  });
}
