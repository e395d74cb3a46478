/**
 * The class bar (classroom.js holds the class state): the join form at /join, the presenter's panel (code,
 * student address and QR code, count, lock, predict first, projector, questions and their histogram) and the
 * student's (mode, follow / explore, the question to answer and whether it was right). Everything a student
 * typed reaches the page through textContent only.
 */
import { el } from "./dom.js";
import { t, tn, formatNumber } from "./i18n.js";
import { parseNumber } from "./number-text.js";
import { resolveMatrix, shapeOf } from "./matrices.js";
import { setOptions, handcalcAction } from "./actions.js";
import { cellKey } from "./handcalc.js";

const KINDS = ["value", "shape", "sign", "choice", "cells"];
const SIGNS = ["+", "-", "0"];
const MAX_NAME = 32;
const DEFAULT_TOLERANCE = 0.005;

function button(text, testid, onClick, className = "btn small") {
  const node = el("button", className, text);
  node.type = "button";
  if (testid) node.dataset.testid = testid;
  node.addEventListener("click", onClick);
  return node;
}

function checkbox(text, testid, checked, onChange) {
  const label = el("label", "field-inline");
  const input = el("input");
  input.type = "checkbox";
  input.checked = checked;
  input.dataset.testid = testid;
  input.addEventListener("change", () => onChange(input.checked));
  label.append(input, el("span", "", text));
  return label;
}

/** The matrix, cell and value a question about the current step is about: the selected result cell, else (0, 0). */
function questionTarget(state) {
  const step = state.trace?.steps?.[state.stepIndex];
  if (!step) return null;
  const matrix = resolveMatrix(state.trace, step.output);
  const selected = state.view.selected;
  const onResult = selected?.matrix === step.output && Number.isInteger(selected.row) && Number.isInteger(selected.col);
  const row = onResult ? selected.row : 0;
  const col = onResult ? selected.col : 0;
  return { stepId: step.id, matrix: step.output, row, col, values: matrix };
}

/** A question's text in the reader's language (the teacher's own prompt, when typed, comes first). */
function questionText(question) {
  const target = question.target ?? {};
  const cell = { matrix: target.matrix ?? "?", row: (target.row ?? 0) + 1, col: (target.col ?? 0) + 1, step: target.stepId ?? "" };
  const asked = t(`class.ask.${question.kind}`, cell);
  return question.prompt ? `${question.prompt} — ${asked}` : asked;
}

function answerText(kind, answer, options) {
  if (answer === null || answer === undefined) return "—";
  if (kind === "shape") return `${answer[0]} × ${answer[1]}`;
  if (kind === "sign") return answer === "-" ? "−" : answer;
  if (kind === "choice") return options?.[answer] ?? String(answer);
  if (kind === "value") return formatNumber(Number(answer), 3);
  return JSON.stringify(answer);
}

export function mountClassroom(root, startButton, classroom, store) {
  const body = root.querySelector(".class-body");
  let shownMode = null;
  let parts = {};

  startButton.addEventListener("click", () => classroom.start());
  // Follow only: the student's own keys do not move their page (nor, ever, the teacher's).
  window.addEventListener("keydown", (event) => {
    const { mode, locked } = classroom.state;
    if (mode === "following" && locked && !root.contains(event.target)) event.stopImmediatePropagation();
  }, true);

  function render(cls) {
    const layout = `${cls.mode}:${cls.asking}`;
    if (layout !== shownMode) {
      shownMode = layout;
      parts = {};
      body.replaceChildren(...build(cls));
    }
    update(cls);
  }

  function build(cls) {
    if (cls.mode === "presenter") return buildPresenter();
    if (cls.mode === "following" || cls.mode === "exploring") return buildStudent();
    if (cls.mode === "ended") return [parts.ended = el("p", "class-ended"), button(t("class.leave"), "class-leave", () => classroom.leave())];
    if (cls.asking) return buildJoin();
    return connectionLine().slice(1); // solo: only a problem (e.g. the class could not start)
  }

  function connectionLine() {
    parts.connection = el("span", "class-connection");
    parts.connection.dataset.testid = "class-connection";
    parts.connection.setAttribute("role", "status");
    parts.problem = el("p", "class-problem");
    parts.problem.dataset.testid = "class-problem";
    parts.problem.setAttribute("role", "alert");
    return [parts.connection, parts.problem];
  }

  function buildJoin() {
    const form = el("form", "class-join");
    const label = el("label", "field-inline");
    const input = el("input");
    input.dataset.testid = "join-code";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.maxLength = 16;
    input.className = "class-code-input";
    label.append(el("span", "", t("class.joinLabel")), input);
    const submit = el("button", "btn primary", t("class.join"));
    submit.type = "submit";
    form.append(label, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      classroom.lookUp(input.value);
    });
    queueMicrotask(() => input.focus());
    return [el("p", "class-intro", t("class.joinIntro")), form, ...connectionLine()];
  }

  function buildPresenter() {
    const head = el("div", "class-head");
    parts.code = el("strong", "class-code");
    parts.code.dataset.testid = "class-code";
    parts.link = el("a", "class-link");
    parts.link.dataset.testid = "class-link";
    parts.hosts = el("select", "class-hosts");
    parts.hosts.dataset.testid = "class-host";
    parts.hosts.setAttribute("aria-label", t("class.host"));
    parts.hosts.addEventListener("change", () => classroom.chooseHost(parts.hosts.value));
    parts.count = el("span", "class-count");
    parts.count.dataset.testid = "class-count";
    parts.count.setAttribute("aria-live", "polite");
    const codeLine = el("p", "class-code-line");
    codeLine.append(el("span", "", t("class.codeLabel")), " ", parts.code, " · ", parts.link, " ", parts.hosts);
    parts.qr = el("img", "class-qr");
    parts.qr.alt = t("class.qrAlt");
    parts.qr.width = 160;
    parts.qr.height = 160;
    parts.hint = el("p", "class-hint");
    parts.hint.dataset.testid = "class-hint";
    head.append(parts.qr, el("div", "", ""));
    head.lastChild.append(codeLine, parts.count, " ", ...connectionLine(), parts.hint);

    const cls = classroom.state;
    const options = el("div", "class-options");
    options.append(
      checkbox(t("class.lock"), "class-lock", cls.locked, (on) => classroom.setLocked(on)),
      checkbox(t("class.predictFirst"), "class-predict", store.get().view.predictFirst, (on) => setOptions(store, { predictFirst: on })),
      checkbox(t("class.projector"), "class-projector", cls.projector, (on) => classroom.setProjector(on)),
      button(t("class.end"), "class-end", () => classroom.stop()),
    );
    return [head, options, buildAsk(), buildTally()];
  }

  function buildAsk() {
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
    const field = (text, input) => {
      const label = el("label", "field-inline");
      label.append(el("span", "", text), input);
      return label;
    };
    const choiceFields = el("span", "class-choice-fields");
    choiceFields.append(field(t("class.options"), choices), field(t("class.rightOption"), right));
    const syncKind = () => { choiceFields.hidden = kind.value !== "choice"; };
    kind.addEventListener("change", syncKind);
    syncKind();
    const submit = el("button", "btn primary small", t("class.ask"));
    submit.type = "submit";
    submit.dataset.testid = "class-ask-send";
    parts.askProblem = el("span", "class-problem");
    parts.askProblem.setAttribute("role", "alert");
    form.append(field(t("class.askKind"), kind), field(t("class.prompt"), prompt), choiceFields, submit, parts.askProblem);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const question = buildQuestion(kind.value, prompt.value.trim(), choices.value, Number(right.value) - 1);
      parts.askProblem.textContent = question ? "" : t("class.cannotAsk");
      if (question) classroom.ask(question);
    });
    return form;
  }

  /** The question and its right answer, from the trace the presenter's page holds. */
  function buildQuestion(kind, prompt, choicesText, rightIndex) {
    const target = questionTarget(store.get());
    if (!target) return null;
    const { values, ...where } = target;
    const value = values[target.row]?.[target.col];
    const question = { kind, target: where };
    if (prompt) question.prompt = prompt;
    if (kind === "value") Object.assign(question, { expected: value, tolerance: DEFAULT_TOLERANCE });
    if (kind === "shape") Object.assign(question, { expected: shapeOf(values) });
    if (kind === "sign") question.expected = Math.abs(value) < 1e-12 ? "0" : value > 0 ? "+" : "-";
    if (kind === "cells") Object.assign(question, { expected: values, tolerance: DEFAULT_TOLERANCE });
    if (kind === "choice") {
      const options = choicesText.split(/[;\n]/).map((text) => text.trim()).filter(Boolean);
      if (options.length < 2 || !(rightIndex >= 0 && rightIndex < options.length)) return null;
      Object.assign(question, { options, expected: rightIndex });
    }
    return question;
  }

  function buildTally() {
    const box = el("div", "class-tally");
    parts.asked = el("p", "class-asked");
    parts.answers = el("p", "class-answers");
    parts.answers.dataset.testid = "class-answers";
    parts.answers.setAttribute("aria-live", "polite");
    parts.histogram = el("div", "class-histogram");
    parts.histogram.dataset.testid = "class-histogram";
    parts.reveal = button(t("class.reveal"), "class-reveal", () => classroom.reveal(), "btn primary small");
    parts.revealed = el("p", "class-revealed");
    parts.revealed.dataset.testid = "class-revealed";
    parts.named = el("p", "class-named");
    parts.named.dataset.testid = "class-named";
    box.append(parts.asked, parts.answers, parts.histogram, parts.named, parts.reveal, parts.revealed);
    return box;
  }

  function buildStudent() {
    const line = el("div", "class-head");
    parts.modeText = el("strong", "class-mode-text");
    parts.explore = button(t("class.explore"), "class-explore", () => classroom.explore());
    parts.follow = button(t("class.follow"), "class-follow", () => classroom.followTeacher(), "btn primary small");
    parts.lockedNote = el("span", "class-locked-note", t("class.lockedNote"));
    line.append(parts.modeText, " ", ...connectionLine(), parts.explore, parts.follow, parts.lockedNote,
      button(t("class.leave"), "class-leave", () => classroom.leave()));
    parts.question = el("div", "class-question");
    parts.question.dataset.testid = "class-question";
    return [line, parts.question];
  }

  function renderQuestionForStudent(cls) {
    const key = `${cls.question?.id}:${Boolean(cls.reveal)}:${cls.answered}:${cls.result?.question_id}:${t("class.answer")}`;
    if (parts.questionKey === key) return;
    parts.questionKey = key;
    const box = parts.question;
    box.replaceChildren();
    box.hidden = !cls.question;
    const question = cls.question;
    if (!question) return;
    box.append(el("p", "class-question-text", questionText(question)));
    if (cls.result?.question_id === question.id) {
      const verdict = !cls.result.answered ? t("class.notAnswered") : cls.result.correct ? t("class.right") : t("class.wrong");
      const result = el("p", `class-result ${cls.result.correct ? "right" : "wrong"}`, verdict);
      result.dataset.testid = "class-result";
      box.append(result);
    }
    if (cls.reveal || question.expected !== undefined) {
      const expected = cls.reveal?.expected ?? question.expected;
      if (question.kind !== "cells") box.append(el("p", "class-expected", t("class.expected", { answer: answerText(question.kind, expected, question.options) })));
      return;
    }
    box.append(answerForm(question));
    if (cls.answered === question.id) box.append(el("p", "class-sent", t("class.sent")));
  }

  function answerForm(question) {
    const form = el("form", "class-answer");
    const name = el("input");
    name.maxLength = MAX_NAME;
    name.dataset.testid = "class-name";
    name.placeholder = t("class.namePlaceholder");
    name.setAttribute("aria-label", t("class.name"));
    name.value = sessionStorage.getItem("backprop.class.name") ?? "";
    const send = (value) => {
      try { sessionStorage.setItem("backprop.class.name", name.value); } catch { /* private mode */ }
      classroom.answer(value, name.value.trim().slice(0, MAX_NAME));
    };
    const submit = (text) => {
      const node = el("button", "btn primary small", text);
      node.type = "submit";
      node.dataset.testid = "class-answer-send";
      return node;
    };
    if (question.kind === "value" || question.kind === "shape") {
      const inputs = question.kind === "value" ? [el("input")] : [el("input"), el("input")];
      inputs.forEach((input, i) => {
        input.inputMode = "decimal";
        input.dataset.testid = `class-answer-${i}`;
        input.setAttribute("aria-label", t(question.kind === "value" ? "class.yourValue" : i ? "class.cols" : "class.rows"));
      });
      form.append(...inputs.flatMap((input, i) => (i ? [" × ", input] : [input])), submit(t("class.answer")));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const numbers = inputs.map((input) => parseNumber(input.value));
        if (numbers.some((n) => n === null || !Number.isFinite(n))) return;
        send(question.kind === "value" ? numbers[0] : numbers.map(Math.round));
      });
    } else if (question.kind === "sign" || question.kind === "choice") {
      const choices = question.kind === "sign" ? SIGNS.map((sign) => [sign, sign === "-" ? "−" : sign]) :
        question.options.map((option, i) => [i, option]);
      choices.forEach(([value, text], i) => form.append(button(text, `class-choice-${i}`, () => send(value))));
      form.addEventListener("submit", (event) => event.preventDefault());
    } else {
      // Hand calculation: the student types into the step's own hand-calculation check, then sends it.
      form.append(button(t("class.openHandcalc"), "class-open-handcalc", () => handcalcAction(store, "open")),
        submit(t("class.sendHandcalc")));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const { rows, cols, target } = question;
        const entries = store.get().local.answers[target?.stepId ?? store.get().stepId]?.entries ?? {};
        const matrix = Array.from({ length: rows }, (_, row) => Array.from({ length: cols }, (_, col) => {
          const n = parseNumber(entries[cellKey(row, col)] ?? "");
          return n === null || !Number.isFinite(n) ? null : n;
        }));
        send(matrix);
      });
    }
    form.prepend(name, " ");
    return form;
  }

  function renderTally(cls) {
    const question = cls.question;
    parts.asked.textContent = question ? questionText(question) : t("class.noQuestion");
    const tally = cls.reveal?.tally ?? cls.tally;
    const answers = tally?.answers ?? 0;
    parts.answers.textContent = question ? t("class.answersCount", { n: answers }) : "";
    parts.answers.dataset.count = String(answers);
    parts.reveal.hidden = !question || Boolean(cls.reveal);
    parts.revealed.textContent = cls.reveal ? t("class.revealedRight", { right: tally?.right ?? 0, n: answers }) : "";
    parts.histogram.replaceChildren(...histogram(question, tally));
    const named = cls.tally?.named ?? tally?.named ?? []; // the reveal's tally has counts only
    parts.named.hidden = named.length === 0;
    parts.named.replaceChildren(el("span", "", t("class.named")),
      ...named.map(({ name, correct }) => el("span", cls.reveal ? (correct ? "right" : "wrong") : "", name)));
  }

  function histogram(question, tally) {
    if (!question || !tally) return [];
    if (tally.cells_right) {
      const table = el("table", "class-cells");
      table.append(el("caption", "", t("class.cellsRight", { n: tally.answers })));
      for (const row of tally.cells_right) {
        const tr = el("tr");
        for (const count of row) tr.append(el("td", "", String(count)));
        table.append(tr);
      }
      return [table];
    }
    const counts = [...(tally.counts ?? [])];
    if (tally.other) counts.push({ answer: null, count: tally.other, other: true });
    const most = Math.max(1, ...counts.map((c) => c.count));
    const list = el("ul", "class-bars");
    for (const entry of counts) {
      const item = el("li", entry.correct ? "right" : "");
      const label = entry.other ? t("class.other") : answerText(question.kind, entry.answer, question.options);
      const bar = el("span", "class-hist-bar");
      bar.style.width = `${(100 * entry.count) / most}%`;
      item.append(el("span", "class-bar-label", label), bar, el("span", "class-bar-count", String(entry.count)));
      list.append(item);
    }
    return [list];
  }

  function update(cls) {
    root.dataset.mode = cls.mode;
    root.hidden = cls.mode === "solo" && !cls.asking && !cls.problem;
    startButton.hidden = cls.mode !== "solo";
    document.body.classList.toggle("projector", cls.mode === "presenter" && cls.projector);
    const locked = cls.mode === "following" && cls.locked;
    for (const node of document.querySelectorAll("nav.step-bar, #app, .lower, .header-controls label")) node.inert = locked;
    if (parts.connection) {
      const paused = cls.connection === "paused" || cls.connection === "reconnecting";
      parts.connection.dataset.state = cls.connection;
      parts.connection.textContent = t(paused ? "class.paused" : `class.connection.${cls.connection}`);
    }
    if (parts.problem) parts.problem.textContent = cls.problem ? t(cls.problem.key, cls.problem.params) : "";
    if (parts.ended) parts.ended.textContent = t(cls.ended ?? "class.endedRestart");
    if (cls.mode === "presenter") updatePresenter(cls);
    if (cls.mode === "following" || cls.mode === "exploring") {
      parts.modeText.textContent = t(`class.mode.${cls.mode}`);
      parts.explore.hidden = cls.mode !== "following" || cls.locked;
      parts.follow.hidden = cls.mode !== "exploring";
      parts.lockedNote.hidden = !locked;
      renderQuestionForStudent(cls);
    }
  }

  function updatePresenter(cls) {
    parts.code.textContent = cls.code ?? "";
    const url = cls.studentUrls.find((u) => new URL(u).hostname === cls.host) ?? cls.studentUrls[0] ?? `${location.origin}/join/${cls.code}`;
    parts.link.href = url;
    parts.link.textContent = url;
    const hosts = cls.studentUrls.map((u) => new URL(u).hostname);
    if (parts.hosts.options.length !== hosts.length) {
      parts.hosts.replaceChildren(...hosts.map((host) => Object.assign(el("option", "", host), { value: host })));
    }
    parts.hosts.value = cls.host ?? "";
    parts.hosts.hidden = hosts.length < 2;
    const qr = `/api/class/rooms/${cls.code}/qr.svg${cls.host ? `?host=${encodeURIComponent(cls.host)}` : ""}`;
    if (parts.qr.getAttribute("src") !== qr) parts.qr.src = qr;
    parts.count.textContent = tn("class.count", cls.students, { n: cls.students, exploring: cls.exploring });
    parts.count.dataset.count = String(cls.students);
    parts.hint.textContent = cls.hint ? t("class.hint", { command: "make serve HOST=0.0.0.0" }) : "";
    parts.hint.hidden = !cls.hint;
    renderTally(cls);
  }

  classroom.subscribe(render);
  // Texts follow the page's language.
  store.subscribe((state, previous) => {
    if (state.lang !== previous.lang) {
      shownMode = null;
      render(classroom.state);
    }
  });
}
