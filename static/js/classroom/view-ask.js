/** The presenter's "ask about this step" form: a question about the current step's result, with its right answer. */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { resolveMatrix, shapeOf } from "../lib/matrices.js";
import { mergedFirst, shownInputsResult } from "../tools/shown-inputs.js";
import { field } from "./view-controls.js";

const KINDS = ["value", "shape", "sign", "choice", "cells"];

/**
 * The matrix, cell and values a question about the current step is about (the selected result cell, else (0, 0)):
 * the result and the same from its inputs as shown, rounded to the class's decimals (null where not known).
 */
function questionTarget(state) {
  const { trace, stepIndex, view } = state;
  const step = trace?.steps?.[stepIndex];
  if (!step) return null;
  const matrix = resolveMatrix(trace, step.output);
  const selected = view.selected;
  const onResult = selected?.matrix === step.output && Number.isInteger(selected.row) && Number.isInteger(selected.col);
  const row = onResult ? selected.row : 0;
  const col = onResult ? selected.col : 0;
  const shown = shownInputsResult(trace, step, view.decimals, mergedFirst(trace, stepIndex, view.mergeD));
  return { stepId: step.id, matrix: step.output, row, col, values: matrix, shown };
}

/** A number the server reads (JSON has no NaN or infinity), else null. */
const finite = (x) => (Number.isFinite(x) ? x : null);

/** `shown` as the server takes it for a hand calculation: the result's shape, null where unknown; else null. */
function shownCells(shown, values) {
  const fits = shown?.length === values.length && shown.every((row, r) => row.length === values[r].length);
  return fits ? shown.map((row) => row.map(finite)) : null;
}

/** The question and its right answer, from the trace the presenter's page holds; null when it cannot be asked. */
function buildQuestion(state, kind, prompt, choicesText, rightIndex, own) {
  const target = questionTarget(state);
  if (!target) return null;
  const { values, shown, ...where } = target;
  const value = values[target.row]?.[target.col];
  // The server judges numbers by the one judging rule at the class's decimals: against the teacher's numbers
  // (the result, and `shown`: the same from the rounded inputs), or, each student their own numbers, against each
  // student's own trace at the class's iteration (the values below are then not used).
  const question = { kind, target: where, decimals: state.view.decimals };
  if (prompt) question.prompt = prompt;
  if (own) question.iteration = state.iteration;
  if (kind === "value") Object.assign(question, { expected: value, shown: finite(shown?.[target.row]?.[target.col]) });
  if (kind === "shape") Object.assign(question, { expected: shapeOf(values) });
  if (kind === "sign") question.expected = Math.abs(value) < 1e-12 ? "0" : value > 0 ? "+" : "-";
  if (kind === "cells") Object.assign(question, { expected: values, shown: shownCells(shown, values) });
  if (kind === "choice") {
    const options = choicesText.split(/[;\n]/).map((text) => text.trim()).filter(Boolean);
    if (options.length < 2 || !(rightIndex >= 0 && rightIndex < options.length)) return null;
    Object.assign(question, { options, expected: rightIndex });
  }
  return question;
}

/** The ask form: {node}. */
export function askPanel(classroom, store) {
  const form = el("form", "class-ask");
  form.dataset.testid = "class-ask";
  const kind = el("select");
  kind.dataset.testid = "class-ask-kind";
  for (const name of KINDS) {
    const option = el("option", "", t(`class.kind.${name}`));
    option.value = name;
    kind.append(option);
  }
  const prompt = el("input");
  prompt.dataset.testid = "class-ask-prompt";
  prompt.maxLength = 500;
  prompt.placeholder = t("class.promptPlaceholder");
  const choices = el("input");
  choices.dataset.testid = "class-ask-options";
  choices.placeholder = t("class.optionsPlaceholder");
  choices.maxLength = 800;
  const right = el("input");
  right.type = "number";
  right.min = "1";
  right.max = "8";
  right.value = "1";
  right.dataset.testid = "class-ask-right";
  const choiceFields = el("span", "class-choice-fields");
  choiceFields.append(field(t("class.options"), choices), field(t("class.rightOption"), right));
  const syncKind = () => { choiceFields.hidden = kind.value !== "choice"; };
  kind.addEventListener("change", syncKind);
  syncKind();
  const submit = el("button", "btn primary small", t("class.ask"));
  submit.type = "submit";
  submit.dataset.testid = "class-ask-send";
  const problem = el("span", "class-problem");
  problem.setAttribute("role", "alert");
  form.append(field(t("class.askKind"), kind), field(t("class.prompt"), prompt), choiceFields, submit, problem);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = buildQuestion(store.get(), kind.value, prompt.value.trim(), choices.value, Number(right.value) - 1,
      Boolean(classroom.state.variants));
    problem.textContent = question ? "" : t("class.cannotAsk");
    if (question) classroom.ask(question);
  });
  return { node: form };
}
