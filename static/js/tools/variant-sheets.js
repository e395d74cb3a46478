/**
 * Exercise variants on paper and in an LMS: the content of a problem sheet (the network, its numbers, the tasks
 * with the shapes of their answers), its key, and two renderings that need no DOM: Markdown with LaTeX, and a
 * Moodle XML question bank (one Cloze question per variant; docs.moodle.org "Moodle XML format" and "Embedded
 * Answers (Cloze) question type"). Items are {variant, request, trace}; variant-print.js fetches and draws them.
 */
import { t, formatNumber } from "../i18n/i18n.js";
import { resolveMatrix, shapeOf } from "../lib/matrices.js";
import { matrixLabel, shapeText } from "../lib/notation.js";
import { texMatrix } from "./handout.js";
import { tolerance, CLOSE_FACTOR } from "./judging.js";
import { getJson, fetchTrace } from "../store/api.js";

/** At most this many variants are fetched at once (each is a GET and a trace). */
const PARALLEL = 6;

/** The matrices a sheet gives: X, y, every W_k and, with biases, every b_k. */
export function givenIds(trace) {
  const depth = trace.spec.layers.length - 1;
  const ids = ["X", "y"];
  for (let k = 1; k <= depth; k += 1) ids.push(`W${k}`);
  if (trace.spec.bias) for (let k = 1; k <= depth; k += 1) ids.push(`b${k}`);
  return ids;
}

/** The tasks of the exercise, one per step: {id, phase, latex, output, shape} (forward, loss, every d, every gradient, the update). */
export function sheetTasks(trace) {
  return trace.steps.map((step) => ({
    id: step.id, phase: step.phase, latex: step.latex, output: step.output, shape: shapeOf(resolveMatrix(trace, step.output)),
  }));
}

/** Variants `from` … `from + count − 1` of `presetId`, each with its request and trace, in order. */
export async function fetchVariants(presetId, from, count, onProgress = () => {}) {
  const numbers = Array.from({ length: count }, (_, i) => from + i);
  const items = new Array(count);
  let next = 0, done = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const request = await getJson(`/api/presets/${encodeURIComponent(presetId)}/variants/${numbers[index]}`);
      items[index] = { variant: numbers[index], request, trace: await fetchTrace(request) };
      onProgress(++done, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
  return items;
}

/** Given numbers as a problem book writes them: small integers (binary data) without decimals, else one. */
export function givenDecimals(matrix) {
  return matrix.every((row) => row.every(Number.isInteger)) ? 0 : 1;
}

/** The given matrices as LaTeX. */
const given = (trace) => givenIds(trace).map((id) => {
  const matrix = resolveMatrix(trace, id);
  return `${matrixLabel(id)} = ${texMatrix(matrix, givenDecimals(matrix))}`;
});

/** The sheets and the key as Markdown with LaTeX ($$ … $$), in the page's language and decimal separator. */
export function variantsMarkdown(items, { title, decimals }) {
  const lines = [`# ${t("variants.sheetsTitle", { title })}`, ""];
  for (const { variant, trace } of items) {
    lines.push(`## ${t("variants.sheetTitle", { n: variant, title })}`, "", t("variants.sheetIntro", {
      layers: trace.spec.layers.join(" → "), lr: formatNumber(trace.spec.learning_rate, 1),
    }), "");
    for (const latex of given(trace)) lines.push(`$$${latex}$$`, "");
    lines.push(`### ${t("variants.tasks")}`, "");
    sheetTasks(trace).forEach((task, i) => lines.push(`${i + 1}. $${task.latex}$ — ${matrixLabelText(task)} ${shapeText(task.shape)}`));
    lines.push("");
  }
  lines.push(`# ${t("variants.keyTitle", { title })}`, "");
  for (const { variant, trace } of items) {
    lines.push(`## ${t("variants.sheetTitle", { n: variant, title })}`, "");
    for (const task of sheetTasks(trace)) lines.push(`$$${matrixLabel(task.output)} = ${texMatrix(resolveMatrix(trace, task.output), decimals)}$$`, "");
  }
  return lines.join("\n");
}

function matrixLabelText(task) {
  return `$${matrixLabel(task.output)}$`;
}

// --- Moodle XML -------------------------------------------------------------------------------------------

const escapeXml = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
/** CDATA cannot hold "]]>": split it across two sections. */
const cdata = (html) => `<![CDATA[${String(html).replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
/** A number as Moodle's numerical answers need it: a decimal point, no exponent, never a comma. */
export function moodleNumber(x) {
  const text = Number(x).toFixed(12).replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" ? "0" : text;
}
const escapeHtml = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * One embedded NUMERICAL answer: full marks within the tolerance of the shown decimals, half within the "close"
 * band of the judging rule (judging.js), {weight:NUMERICAL:=value:tol~%50%value:closeTol}.
 */
function clozeNumber(value, decimals) {
  const tol = tolerance(decimals);
  return `{1:NUMERICAL:=${moodleNumber(value)}:${moodleNumber(tol)}~%50%${moodleNumber(value)}:${moodleNumber(CLOSE_FACTOR * tol)}}`;
}

/** A task's answer grid: a table of embedded answers, one per cell (data-matrix-id / row / col name each). */
function clozeTable(trace, task, decimals) {
  const matrix = resolveMatrix(trace, task.output);
  const rows = matrix.map((row, r) => `<tr>${row.map((x, c) =>
    `<td data-matrix-id="${escapeHtml(task.output)}" data-row="${r}" data-col="${c}">${clozeNumber(x, decimals)}</td>`).join("")}</tr>`);
  return `<table class="backprop-answer">${rows.join("")}</table>`;
}

/**
 * The Moodle XML question bank: a category named after the preset (under `$course$/Backprop Explorer`), then one
 * Cloze question per variant whose text gives the network and its numbers (LaTeX, \( … \) and \[ … \] for
 * Moodle's MathJax filter, numbers in the page's language) and asks for the result of every step in `phases`.
 */
export function moodleXml(items, { title, presetId, decimals, phases = ["forward", "loss", "backward", "update"] }) {
  const category = `$course$/Backprop Explorer/${title}`;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>", "  <!-- Backprop Explorer: exercise variants -->",
    '  <question type="category">', `    <category><text>${escapeXml(category)}</text></category>`,
    `    <info format="html"><text>${cdata(escapeHtml(t("variants.moodleInfo", { title })))}</text></info>`,
    "  </question>"];
  for (const { variant, trace } of items) {
    const tasks = sheetTasks(trace).filter((task) => phases.includes(task.phase));
    const html = [
      `<p>${escapeHtml(t("variants.sheetIntro", { layers: trace.spec.layers.join(" → "), lr: formatNumber(trace.spec.learning_rate, 1) }))}</p>`,
      ...given(trace).map((latex) => `<p>\\[${escapeHtml(latex)}\\]</p>`),
      `<p>${escapeHtml(t("variants.moodleAsk", { decimals }))}</p>`,
      "<ol>",
      ...tasks.map((task) => `<li data-step-id="${escapeHtml(task.id)}">\\(${escapeHtml(task.latex)}\\) ${escapeHtml(shapeText(task.shape))}: `
        + `\\(${escapeHtml(matrixLabel(task.output))} =\\) ${clozeTable(trace, task, decimals)}</li>`),
      "</ol>",
    ].join("\n");
    out.push('  <question type="cloze">',
      `    <name><text>${escapeXml(t("variants.sheetTitle", { n: variant, title }))}</text></name>`,
      `    <questiontext format="html"><text>${cdata(html)}</text></questiontext>`,
      `    <generalfeedback format="html"><text></text></generalfeedback>`,
      "    <penalty>0.3333333</penalty>", "    <hidden>0</hidden>",
      `    <idnumber>${escapeXml(`backprop-${presetId}-v${variant}`)}</idnumber>`,
      "  </question>");
  }
  out.push("</quiz>", "");
  return out.join("\n");
}
