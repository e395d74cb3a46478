/**
 * The question a student answers: the form for its kind (a value, a shape, a sign, an option, a hand
 * calculation) and what they sent — it stays in the form and can be changed until the reveal (then
 * view-verdict.js). Input that cannot be read as a number is said so and not sent.
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { parseNumber } from "../lib/number-text.js";
import { handcalcAction } from "../store/actions.js";
import { cellKey } from "../tools/handcalc.js";
import { button } from "./view-controls.js";
import { questionText, answerText, shapeOf, decimalsOf } from "./view-text.js";
import { verdict } from "./view-verdict.js";

const SIGNS = ["+", "-", "0"];
const sentHere = new Map(); // question id → the answer this page sent (the controller's `answer` wins: it survives a reload)

/** The answer this student gave to `question`, if known. */
function sentAnswer(cls, question) {
  if (cls.answer?.question_id === question.id && cls.answer.value !== undefined) return cls.answer.value;
  return sentHere.get(question.id);
}

function readNumber(input) {
  const text = input.value.trim();
  if (!text) return { error: t("class.emptyAnswer") };
  const value = parseNumber(text);
  return value === null ? { error: t("class.unreadable", { text }) } : { value };
}

/** The form for a value or a shape: number fields. */
function numberFields(question, send, problem) {
  const count = question.kind === "value" ? 1 : 2;
  const inputs = Array.from({ length: count }, (_, i) => {
    const input = el("input");
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.dataset.testid = `class-answer-${i}`;
    input.setAttribute("aria-label", t(question.kind === "value" ? "class.yourValue" : i ? "class.cols" : "class.rows"));
    input.placeholder = input.getAttribute("aria-label");
    input.setAttribute("aria-describedby", problem.id);
    return input;
  });
  const read = () => {
    const numbers = [];
    for (const input of inputs) {
      const { value, error } = readNumber(input);
      if (error) return { error, input };
      numbers.push(value);
    }
    if (question.kind === "value") return { value: numbers[0] };
    if (numbers.some((n) => !Number.isInteger(n) || n < 1)) return { error: t("class.notAShape"), input: inputs[0] };
    return { value: numbers };
  };
  const fill = (value) => {
    const numbers = question.kind === "value" ? [value] : shapeOf(value) ?? [];
    inputs.forEach((input, i) => {
      if (document.activeElement !== input && numbers[i] !== undefined) {
        input.value = question.kind === "value" ? answerText("value", numbers[i], { decimals: decimalsOf(numbers[i]) }) : String(numbers[i]);
      }
    });
  };
  return { nodes: inputs.flatMap((input, i) => (i ? [" × ", input] : [input])), read, fill, inputs, submit: true };
}

/** The form for a sign or a choice: one button per answer; the chosen one is pressed. */
function choiceButtons(question, send) {
  const choices = question.kind === "sign" ? SIGNS.map((sign) => [sign, sign === "-" ? "−" : sign])
    : question.options.map((option, i) => [i, option]);
  const buttons = choices.map(([value, text], i) => {
    const node = button(text, `class-choice-${i}`, () => send(value));
    node.dataset.value = String(value);
    node.setAttribute("aria-pressed", "false");
    return node;
  });
  const fill = (value) => {
    for (const node of buttons) node.setAttribute("aria-pressed", String(node.dataset.value === String(value)));
  };
  return { nodes: buttons, fill, submit: false };
}

/** The form for a hand calculation: the step's own hand-calculation check, sent as a matrix. */
function handcalcFields(question, store) {
  const read = () => {
    const { rows, cols, target } = question;
    const entries = store.get().local.answers?.[target?.stepId ?? store.get().stepId]?.entries ?? {};
    let filled = 0;
    const matrix = [];
    for (let row = 0; row < rows; row += 1) {
      matrix.push([]);
      for (let col = 0; col < cols; col += 1) {
        const text = String(entries[cellKey(row, col)] ?? "").trim();
        const value = text ? parseNumber(text) : null;
        if (text && value === null) return { error: t("class.unreadableCell", { row: row + 1, col: col + 1, text }) };
        if (value !== null) filled += 1;
        matrix[row].push(value);
      }
    }
    return filled ? { value: matrix } : { error: t("class.emptyHandcalc") };
  };
  return { nodes: [button(t("class.openHandcalc"), "class-open-handcalc", () => handcalcAction(store, "open"))],
    read, fill: () => {}, submit: true, submitText: t("class.sendHandcalc") };
}

/** The question box: {node, update(cls)}. */
export function questionPanel(classroom, store) {
  const box = el("div", "class-question");
  box.dataset.testid = "class-question";
  let shownKey = null;
  let form = null;

  function answerForm(question) {
    const node = el("form", "class-answer");
    const problem = el("p", "class-answer-problem");
    problem.id = `class-answer-problem-${question.id}`;
    problem.dataset.testid = "class-answer-problem";
    problem.setAttribute("role", "alert");
    const sent = el("p", "class-sent");
    sent.dataset.testid = "class-sent";
    sent.setAttribute("aria-live", "polite");
    const send = (value) => {
      problem.textContent = "";
      sentHere.set(question.id, value);
      classroom.answer(value);
      fields.fill(value);
      showSent(value);
    };
    const kinds = { value: numberFields, shape: numberFields, sign: choiceButtons, choice: choiceButtons };
    const fields = question.kind === "cells" ? handcalcFields(question, store) : kinds[question.kind](question, send, problem);
    node.append(...fields.nodes);
    if (fields.submit) {
      const submit = el("button", "btn primary small", fields.submitText ?? t("class.answer"));
      submit.type = "submit";
      submit.dataset.testid = "class-answer-send";
      node.append(" ", submit);
    }
    node.addEventListener("submit", (event) => {
      event.preventDefault();
      const read = fields.read();
      if (read.error) {
        problem.textContent = read.error;
        read.input?.setAttribute("aria-invalid", "true");
        read.input?.focus();
        return;
      }
      for (const input of fields.inputs ?? []) input.removeAttribute("aria-invalid");
      send(read.value);
    });
    function showSent(value) {
      const text = question.kind === "cells" ? t("class.sent")
        : t("class.sentValue", { answer: answerText(question.kind, value, { options: question.options, decimals: decimalsOf(value) || 3 }) });
      sent.textContent = text;
    }
    return { nodes: [node, problem, sent], fill: fields.fill, showSent, shown: undefined };
  }

  function update(cls) {
    const question = cls.question;
    const revealed = Boolean(cls.reveal && cls.reveal.question_id === question?.id) || question?.expected !== undefined;
    const key = `${question?.id}:${revealed}:${cls.result?.question_id ?? ""}`;
    if (key !== shownKey) {
      shownKey = key;
      form = null;
      box.replaceChildren();
      box.hidden = !question;
      if (!question) return;
      box.append(el("p", "class-question-text", questionText(question)));
      if (revealed) {
        box.append(...verdict(cls, question, sentAnswer(cls, question)));
        return;
      }
      form = answerForm(question);
      box.append(...form.nodes);
    }
    if (!form) return;
    // What was sent stays in the form (after a reload too, once the controller knows it).
    const sent = sentAnswer(cls, question);
    const sentKey = JSON.stringify(sent ?? null);
    if (sent !== undefined && form.shown !== sentKey) {
      form.shown = sentKey;
      form.fill(sent);
      form.showSent(sent);
    } else if (sent === undefined && cls.answered === question.id && form.shown === undefined) {
      form.shown = "answered";
      form.nodes[2].textContent = t("class.sent");
    }
  }
  return { node: box, update };
}
