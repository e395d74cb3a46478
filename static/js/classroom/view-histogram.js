/**
 * The presenter's tally of the open question: how many answered, a bar per distinct answer, the names given,
 * and Reveal. Nothing says which answer is right before the reveal: the projector must not give it away.
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { button } from "./view-controls.js";
import { tolerance as decimalsTolerance } from "../tools/judging.js";
import { questionText, answerText, valueDecimals } from "./view-text.js";

const CLOSE = 1e-12; // rounding slack when comparing a value with the tolerance

/**
 * Value answers grouped at the question's tolerance: a group spans at most `tolerance` and is labelled by its
 * most common value. After the reveal each answer carries its verdict (the server's, by the one judging rule:
 * the right ones are already one bar at the right value) and a group holds one verdict.
 */
export function valueGroups(counts, tolerance) {
  const entries = counts.map((c) => ({ value: Number(c.answer), count: c.count, verdict: c.verdict }))
    .filter((e) => Number.isFinite(e.value)).sort((a, b) => a.value - b.value);
  const groups = [];
  const add = (members) => {
    const top = members.reduce((best, e) => (e.count > best.count ? e : best), members[0]);
    groups.push({ value: top.value, count: members.reduce((n, e) => n + e.count, 0), verdict: top.verdict });
  };
  for (const verdict of new Set(entries.map((e) => e.verdict))) {
    let members = [];
    for (const entry of entries.filter((e) => e.verdict === verdict)) {
      if (members.length && entry.value - members[0].value > tolerance + CLOSE) {
        add(members);
        members = [];
      }
      members.push(entry);
    }
    if (members.length) add(members);
  }
  return groups.sort((a, b) => b.count - a.count || a.value - b.value);
}

/** Labels for the groups' values from `first` decimals on, with decimals added until no two read the same. */
export function valueLabels(values, tolerance, first = valueDecimals(tolerance)) {
  for (let decimals = first; ; decimals += 1) {
    const labels = values.map((value) => answerText("value", value, { decimals }));
    if (new Set(labels).size === labels.length || decimals >= 12) return labels;
  }
}

/** The bars to draw: {label, count, right, verdict?}, `right` and `verdict` known only after the reveal. */
function bars(question, tally, reveal) {
  const revealed = Boolean(reveal);
  const counts = tally.counts ?? [];
  let entries;
  if (question.kind === "value") {
    const tolerance = decimalsTolerance(question.decimals);
    const groups = valueGroups(counts, tolerance);
    const labels = valueLabels(groups.map((g) => g.value), tolerance, question.decimals);
    entries = groups.map((g, i) => ({ label: labels[i], count: g.count, right: revealed && g.verdict === "right",
      verdict: revealed ? g.verdict : undefined }));
  } else {
    entries = counts.map((c) => ({ label: answerText(question.kind, c.answer, question), count: c.count,
      right: revealed && Boolean(c.correct), verdict: revealed ? c.verdict : undefined }));
  }
  if (tally.other) entries.push({ label: t("class.other"), count: tally.other, right: false });
  return entries;
}

/**
 * How many were right, close and wrong by the one judging rule, known only after the reveal: the same block with
 * variants (on each student's own numbers) and without. Before it, in variants mode, a line saying so.
 */
function verdictBars(question, tally) {
  if (!tally.verdicts) return question.own ? [el("p", "class-verdicts-hidden", t("class.verdictsHidden"))] : [];
  if (!tally.answers) return []; // nobody answered: nothing to count
  const entries = Object.entries(tally.verdicts).map(([verdict, count]) => ({
    label: t(`class.verdict.${verdict}`), count, right: verdict === "right", verdict }));
  const list = barList(entries);
  list.dataset.testid = "class-verdicts";
  return [group(t(question.own ? "class.verdicts" : "class.verdictsClass"), list)];
}

/** A titled list of bars: the projector lays the verdicts' and the answers' side by side. */
function group(title, list) {
  const box = el("div", "class-bar-group");
  const heading = el("p", "class-verdicts-title", title);
  heading.title = title; // the projector cuts it to one line
  box.append(heading, list);
  return box;
}

function cellsTable(tally) {
  const table = el("table", "class-cells");
  table.append(el("caption", "", t("class.cellsRight", { n: tally.answers })));
  for (const row of tally.cells_right) {
    const tr = el("tr");
    for (const count of row) tr.append(el("td", "", String(count)));
    table.append(tr);
  }
  return table;
}

function histogram(question, tally, reveal) {
  if (!question || !tally) return [];
  const verdicts = verdictBars(question, tally);
  if (tally.cells_right) return tally.answers ? [...verdicts, cellsTable(tally)] : verdicts; // no table of zeros
  if (question.own || question.kind === "cells") return verdicts; // own: raw values mean nothing across variants
  const values = barList(bars(question, tally, reveal));
  return verdicts.length ? [...verdicts, group(t("class.byAnswer"), values)] : [values];
}

function barList(entries) {
  const most = Math.max(1, ...entries.map((e) => e.count));
  const list = el("ul", "class-bars");
  for (const entry of entries) {
    const item = el("li", entry.right ? "right" : "");
    if (entry.verdict) item.dataset.verdict = entry.verdict;
    const bar = el("span", "class-hist-bar");
    bar.style.width = `${(100 * entry.count) / most}%`;
    const label = el("span", "class-bar-label", entry.label);
    if (entry.right) label.append(el("span", "visually-hidden", ` (${t("class.rightAnswer")})`));
    item.append(label, bar, el("span", "class-bar-count", String(entry.count)));
    list.append(item);
  }
  return list;
}

/** The tally box: {node, update(cls)}. */
export function tallyPanel(classroom) {
  const box = el("div", "class-tally");
  const asked = el("p", "class-asked");
  const answers = el("p", "class-answers");
  answers.dataset.testid = "class-answers";
  answers.setAttribute("aria-live", "polite");
  const chart = el("div", "class-histogram");
  chart.dataset.testid = "class-histogram";
  const reveal = button(t("class.reveal"), "class-reveal", () => classroom.reveal(), "btn primary small");
  const revealed = el("p", "class-revealed");
  revealed.dataset.testid = "class-revealed";
  const answer = el("p", "class-revealed-answer");
  answer.dataset.testid = "class-revealed-answer";
  const named = el("p", "class-named");
  named.dataset.testid = "class-named";
  box.append(asked, answers, chart, named, reveal, revealed, answer);

  function update(cls) {
    const question = cls.question;
    box.dataset.open = question ? "true" : "false";
    asked.textContent = question ? questionText(question) : t(cls.questionsAsked ? "class.noOpenQuestion" : "class.noQuestion");
    const tally = cls.reveal?.tally ?? cls.tally;
    const count = tally?.answers ?? 0;
    answers.textContent = question ? t("class.answersCount", { n: count }) : "";
    answers.dataset.count = String(count);
    reveal.hidden = !question || Boolean(cls.reveal);
    revealed.textContent = !cls.reveal ? "" : count ? t("class.revealedRight", { right: tally?.right ?? 0, n: count })
      : t("class.revealedNobody");
    // The bars are the answers given: the right one is said too (none of them may be it). Not with variants (each
    // student had their own) nor for a hand calculation (the cells' table says how each cell went).
    const said = cls.reveal && question && !question.own && question.kind !== "cells" ? cls.reveal.expected : undefined;
    answer.hidden = said === undefined;
    answer.textContent = said === undefined ? "" : t("class.expected", { answer: answerText(question.kind, said, question) });
    chart.replaceChildren(...histogram(question, tally, cls.reveal));
    const names = cls.tally?.named ?? tally?.named ?? []; // the reveal's tally has counts only
    named.hidden = names.length === 0;
    named.replaceChildren(el("span", "", t("class.named")),
      ...names.map(({ name, correct }) => (cls.reveal ? el("span", correct ? "right" : "wrong", `${correct ? "✓" : "✗"} ${name}`)
        : el("span", "", name))));
  }
  return { node: box, update };
}
