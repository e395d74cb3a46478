/**
 * The editor: layer sizes, an activation per layer, biases, loss, learning rate, initial weights and
 * seed, and X / y as text rows (point or comma decimals, see number-text.js). Each field's problem shows
 * next to it, in the page's language, and the field is marked aria-invalid until it is fixed: the editor's
 * own checks follow the core's limits (core-options.js), the API's 422s are worded by problems.js.
 * Everything typed is read as text and written back with textContent / value, never as HTML.
 */
import { el } from "../lib/dom.js";
import { t, typedNumber } from "../i18n/i18n.js";
import { loadRequest } from "../store/actions.js";
import { problemMessage, problemText, ruleText } from "../lib/problems.js";
import { parseNumber, parseRows, rowsToText } from "../lib/number-text.js";
import {
  ACTIVATION_NAMES, DEFAULTS, INIT_NAMES, LIMITS, LOSS_NAMES, SIGMOID_OUTPUT_LOSSES,
} from "../lib/core-options.js";
import { weightFields } from "./editor-weights.js";

/** A broken rule, as number-text.js reports one: {error: {rule, params}}. */
const broken = (rule, params = {}) => ({ error: { rule, params } });

/** "2, 3, 1" → {sizes: [2, 3, 1]}, or {error: {rule, params}} by the core's layer rules. */
export function readLayers(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const sizes = parts.map(Number);
  if (!sizes.every((n) => Number.isInteger(n) && n > 0)) return broken("layers_format");
  if (sizes.length < 2) return broken("too_few_layers", { count: sizes.length });
  if (sizes.length - 1 > LIMITS.max_layers) {
    return broken("too_many_layers", { count: sizes.length - 1, max: LIMITS.max_layers });
  }
  const wide = sizes.find((n) => n > LIMITS.max_width);
  if (wide !== undefined) return broken("width_range", { value: wide, min: 1, max: LIMITS.max_width });
  return { sizes };
}

/** The layer sizes, or null while they are not valid. */
export function parseLayers(text) {
  return readLayers(text).sizes ?? null;
}

/** X: rows of layers[0] numbers, within the row limit. */
function readX(text, layers) {
  const parsed = parseRows(text, layers?.[0]);
  if (parsed.error || !layers) return parsed;
  const rows = parsed.rows;
  if (rows.length > LIMITS.max_rows) return broken("rows_range", { rows: rows.length, max: LIMITS.max_rows });
  if (rows[0].length !== layers[0]) return broken("input_columns", { got: rows[0].length, want: layers[0] });
  return parsed;
}

/** y: one row per row of X, of layers[-1] numbers; from 0 to 1 for a loss that needs a sigmoid output. */
function readY(text, layers, X, loss) {
  const out = layers?.[layers.length - 1];
  const parsed = parseRows(text, out);
  if (parsed.error || !layers) return parsed;
  const rows = parsed.rows;
  if (rows[0].length !== out) return broken("output_columns", { got: rows[0].length, want: out });
  if (X && rows.length !== X.length) return broken("target_rows", { got: rows.length, want: X.length });
  if (SIGMOID_OUTPUT_LOSSES.includes(loss) && rows.flat().some((v) => v < 0 || v > 1)) {
    return broken("targets_0_1");
  }
  return parsed;
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

/** A problem's numbers as the learner would type them (0,5 in Russian); texts they typed stay as they are. */
function numbersTyped(params) {
  const typed = ([key, v]) => [key, typeof v === "number" ? typedNumber(v) : v];
  return Object.fromEntries(Object.entries(params).map(typed));
}

/** A field with its error line under it: the line is the control's description while it shows a problem. */
function withError(label, name) {
  const box = el("div", "field-box");
  const error = el("p", "field-error");
  error.id = `editor-error-${name}`;
  error.dataset.testid = `editor-error-${name}`;
  error.hidden = true;
  box.append(label, error);
  return { box, error };
}

/**
 * Mount the editor into the <form> `form`; it refills from state.request unless the learner is mid-edit.
 * What the learner types is kept as a draft (state.local.draft): another preset refills the fields but keeps
 * the draft, which a bar offers to restore or discard.
 */
export function mountEditor(form, store) {
  let holdsDraft = false; // the fields show the learner's own typing, not state.request
  let fields = null;
  let shownRequest = null;
  let replacing = false; // a focused field removed by a rebuild fires "change": not the learner's typing
  const draftBar = buildDraftBar();
  /** field name (a request field: layers, loss, learning_rate, seed, X, y) → {control, error} */
  let slots = {};

  function build(request) {
    const layers = request.layers ?? DEFAULTS.layers;
    const fallback = (_, k) => (k === layers.length - 2 ? DEFAULTS.output_activation : DEFAULTS.hidden_activation);
    const activations = request.activations ?? layers.slice(1).map(fallback);
    fields = {
      layers: input("text", layers.join(", "), "editor-layers", { spellcheck: false, autocomplete: "off" }),
      activations: el("div", "activation-list"),
      bias: input("checkbox", "", "editor-bias"),
      loss: select(LOSS_NAMES, "loss", request.loss ?? DEFAULTS.loss, "editor-loss"),
      lr: input("text", typedNumber(request.learning_rate ?? DEFAULTS.learning_rate), "editor-lr",
        { inputMode: "decimal" }),
      init: select(INIT_NAMES, "init", request.init ?? DEFAULTS.init, "editor-init"),
      seed: input("number", request.seed ?? DEFAULTS.seed, "editor-seed",
        { step: "1", min: "0", max: String(LIMITS.max_seed) }),
      X: el("textarea"), y: el("textarea"),
      keep: input("checkbox", "", "editor-keep-weights"),
      errors: el("ul", "editor-errors"),
      weights: weightFields(store.get().trace),
    };
    fields.bias.checked = request.bias ?? DEFAULTS.bias;
    Object.assign(fields.X, { value: rowsToText(request.X ?? [], typedNumber), rows: 6, spellcheck: false });
    Object.assign(fields.y, { value: rowsToText(request.y ?? [], typedNumber), rows: 6, spellcheck: false });
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
      const fallback = k === layers.length - 1 ? DEFAULTS.output_activation : DEFAULTS.hidden_activation;
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
    const boxed = (name, label, control) => {
      const { box, error } = withError(label, name);
      slots[name] = { control, error };
      return box;
    };
    slots = {};
    grid.append(
      boxed("layers", layersField, fields.layers), activationBox,
      labelled(t("editor.bias"), fields.bias, "check"),
      boxed("loss", labelled(t("editor.loss"), fields.loss), fields.loss),
      boxed("learning_rate", labelled(t("editor.lr"), fields.lr), fields.lr),
      labelled(t("editor.init"), fields.init),
      boxed("seed", labelled(t("editor.seed"), fields.seed), fields.seed),
    );
    const data = el("div", "editor-data");
    data.append(boxed("X", labelled(t("editor.X"), fields.X), fields.X),
      boxed("y", labelled(t("editor.y"), fields.y), fields.y));
    const weights = boxed("weights", fields.weights.box, fields.weights.box.querySelector("textarea") ?? fields.weights.box);
    const actions = el("div", "editor-actions");
    actions.append(labelled(t("editor.keepWeights"), fields.keep, "check"), apply);
    replacing = true;
    form.replaceChildren(draftBar.box, grid, data, weights, actions, fields.errors);
    replacing = false;
  }

  function buildDraftBar() {
    const box = el("div", "editor-draft");
    box.dataset.testid = "editor-draft";
    box.hidden = true;
    const text = el("p", "editor-draft-text");
    const restore = el("button", "btn small primary");
    const discard = el("button", "btn small");
    Object.assign(restore, { type: "button" });
    Object.assign(discard, { type: "button" });
    restore.dataset.testid = "editor-draft-restore";
    discard.dataset.testid = "editor-draft-discard";
    restore.addEventListener("click", () => restoreDraft(store.get().local.draft));
    discard.addEventListener("click", () => store.dispatch({ type: "draft", draft: null }));
    box.append(text, restore, discard);
    const render = (state) => {
      box.hidden = !state.local.draft || holdsDraft;
      text.textContent = t("editor.draftKept");
      restore.textContent = t("editor.draftRestore");
      discard.textContent = t("editor.draftDiscard");
    };
    return { box, render };
  }

  /** The fields as typed (text, not parsed): what a draft keeps. */
  function readDraft() {
    return { layers: fields.layers.value, activations: currentActivations(), bias: fields.bias.checked,
      loss: fields.loss.value, lr: fields.lr.value, init: fields.init.value, seed: fields.seed.value,
      X: fields.X.value, y: fields.y.value, keep: fields.keep.checked };
  }

  function restoreDraft(draft) {
    if (!draft) return;
    build(store.get().request);
    Object.assign(fields.layers, { value: draft.layers });
    fillActivations(draft.activations);
    fields.bias.checked = draft.bias;
    fields.keep.checked = draft.keep;
    for (const name of ["loss", "lr", "init", "seed", "X", "y"]) fields[name].value = draft[name];
    holdsDraft = true;
    draftBar.render(store.get());
  }

  /** {request} when every field is valid, else {problems: {field: message}} in the page's language. */
  function readRequest() {
    const problems = {};
    const failed = (name, parsed) => {
      if (parsed.error) problems[name] = ruleText(parsed.error.rule, numbersTyped(parsed.error.params));
      return parsed.error ? null : parsed;
    };
    const layers = failed("layers", readLayers(fields.layers.value))?.sizes ?? null;
    const lr = parseNumber(fields.lr.value);
    if (lr === null || lr <= 0) problems.learning_rate = ruleText("positive");
    const seed = Number(fields.seed.value);
    if (fields.seed.value.trim() === "" || !Number.isInteger(seed) || seed < 0 || seed > LIMITS.max_seed) {
      problems.seed = ruleText("int_range", { min: 0, max: LIMITS.max_seed });
    }
    const activations = currentActivations();
    const loss = fields.loss.value;
    if (SIGMOID_OUTPUT_LOSSES.includes(loss) && activations[activations.length - 1] !== "sigmoid") {
      problems.loss = ruleText("needs_sigmoid_output");
    }
    const X = failed("X", readX(fields.X.value, layers))?.rows ?? null;
    const y = failed("y", readY(fields.y.value, layers, X, loss))?.rows ?? null;
    const pasted = fields.weights.read(layers, fields.bias.checked);
    if (pasted?.errors) problems.weights = pasted.errors.join(" ");
    if (Object.keys(problems).length) return { problems };
    const request = { layers, activations, bias: fields.bias.checked, loss,
      learning_rate: lr, init: fields.init.value, seed, X, y };
    const { trace } = store.get();
    const sameShape = trace && JSON.stringify(trace.spec.layers) === JSON.stringify(layers) && trace.spec.bias === request.bias;
    if (pasted) Object.assign(request, pasted);
    else if (fields.keep.checked && sameShape) {
      request.weights = trace.spec.weights;
      if (request.bias) request.biases = trace.spec.biases;
    }
    return { request };
  }

  /** Show or clear one field's problem; `fromServer` marks a 422's, which only an edit of its field clears. */
  function showFieldError(name, message, fromServer = false) {
    const { control, error } = slots[name];
    error.textContent = message ?? "";
    error.hidden = !message;
    error.dataset.source = message && fromServer ? "server" : "editor";
    if (message) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", error.id);
    } else {
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
    }
  }

  /**
   * Show `problems` ({field: message}) next to their fields (`fromServer`: the names whose message came
   * from the API) and `general` lines under Apply; every other field is cleared.
   */
  function showProblems(problems, { general = [], fromServer = new Set() } = {}) {
    for (const name of Object.keys(slots)) showFieldError(name, problems[name], fromServer.has(name));
    const lines = Object.keys(problems).length && !general.length ? [t("editor.invalid")] : general;
    fields.errors.replaceChildren(...lines.map((message) => el("li", "", message)));
  }

  /** While problems show, each edit checks again: a fixed field loses its mark, a changed problem its old text. */
  function recheck(event) {
    const shown = Object.keys(slots).filter((name) => !slots[name].error.hidden);
    if (!shown.length) return;
    const edited = Object.keys(slots).find((name) => slots[name].control === event.target);
    const { problems = {} } = readRequest();
    const still = {};
    const fromServer = new Set();
    for (const name of shown) {
      const { error } = slots[name];
      if (problems[name]) {
        still[name] = problems[name];
      } else if (error.dataset.source === "server" && name !== edited) {
        still[name] = error.textContent;
        fromServer.add(name);
      }
    }
    showProblems(still, { fromServer });
  }

  /** The API's 422: problems on a field of the form go next to it, the rest under Apply. */
  function showServerProblems(apiProblems) {
    const byField = {};
    const general = [];
    for (const problem of apiProblems) {
      const name = problem.loc?.[0];
      if (name in slots && !(name in byField)) byField[name] = problemMessage(problem) ?? t("rule.unknown");
      else general.push(problemText(problem));
    }
    showProblems(byField, { general, fromServer: new Set(Object.keys(byField)) });
  }

  const keepDraft = (event) => {
    if (!fields || replacing || draftBar.box.contains(event.target)) return;
    holdsDraft = true;
    store.dispatch({ type: "draft", draft: readDraft() });
    recheck(event);
  };
  form.addEventListener("input", keepDraft);
  form.addEventListener("change", keepDraft);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { request, problems } = readRequest();
    if (problems) return showProblems(problems);
    showProblems({});
    const result = await loadRequest(store, request, { reason: "editor", presetId: null }, { quiet: true });
    if (result.ok) {
      holdsDraft = false;
      store.dispatch({ type: "draft", draft: null });
    } else if (!result.stale) {
      showServerProblems(result.problems);
    }
  });

  store.subscribe((state, previous) => {
    if (!state.request) return;
    const langChanged = state.lang !== previous.lang;
    // a next iteration keeps what is being typed; another preset or network refills (the draft stays)
    const newRequest = state.request !== shownRequest && (!holdsDraft || state.presetId !== previous.presetId);
    if (newRequest || (langChanged && !holdsDraft)) {
      build(state.request);
      shownRequest = state.request;
      holdsDraft = false;
    } else if (langChanged) {
      layout(); // keep what was typed, relabel only
    }
    if (newRequest || langChanged || state.local.draft !== previous.local.draft) draftBar.render(state);
  });
}
