/**
 * Exports of the current iteration: the trace as JSON (the API's answer as it arrived), every matrix as
 * one CSV file, the worked solution as Markdown with LaTeX, and the same handout as a printable page
 * (a print stylesheet shows only it). Downloads change no state, so they need no command.
 */
import { el } from "../lib/dom.js";
import { t, getLang } from "../i18n/i18n.js";
import { download } from "../lib/download.js";
import { csvFile, csvLine } from "../lib/csv.js";
import { resolveMatrix } from "../lib/matrices.js";
import { renderTex } from "../lib/tex.js";
import { handoutHead, handoutSteps, handoutMarkdown } from "./handout.js";

/**
 * Every matrix of the trace in the order the steps use them (X and y first), each once. One file with a
 * block per matrix — its id and shape, then its rows — opens in a spreadsheet as a single sheet with every
 * matrix in reading order, which one download of many files would not.
 */
export function traceMatrixIds(trace) {
  const ids = ["X", "y"];
  for (const step of trace.steps) ids.push(...step.inputs, step.output);
  return [...new Set(ids)].filter((id) => resolveMatrix(trace, id));
}

/** The CSV text in `lang`'s convention (lib/csv.js): a block per matrix, numbers in full precision. */
export function matricesCsv(trace, lang = getLang()) {
  const blocks = traceMatrixIds(trace).map((id) => {
    const matrix = resolveMatrix(trace, id);
    return [csvLine([id, `${matrix.length}x${matrix[0].length}`], lang), ...matrix.map((row) => csvLine(row, lang))];
  });
  return csvFile(blocks);
}

function baseName(state) {
  return `backprop-${state.presetId ?? "custom"}-iteration-${state.iteration + 1}`;
}

function button(testid) {
  const node = el("button", "btn small");
  node.type = "button";
  node.dataset.testid = testid;
  return node;
}

/** Fill `root` (the printable handout section) with the handout, typeset by KaTeX. */
export function renderHandout(root, state, { onClose, onPrint }) {
  const head = handoutHead(state);
  const bar = el("div", "handout-bar");
  const print = el("button", "btn primary", t("handout.print"));
  print.type = "button";
  print.addEventListener("click", onPrint);
  const close = el("button", "btn", t("handout.close"));
  close.type = "button";
  close.dataset.testid = "handout-close";
  close.addEventListener("click", onClose);
  bar.append(print, close);
  const title = el("h2", "handout-title", head.title);
  title.id = "handout-title";
  title.tabIndex = -1; // focused when the handout opens
  root.replaceChildren(bar, title, el("p", "handout-intro", head.intro));
  const math = (latex) => {
    const box = el("div", "handout-math");
    renderTex(box, latex, { display: true });
    return box;
  };
  for (const step of handoutSteps(state)) {
    const article = el("article", "handout-step");
    article.dataset.stepId = step.id;
    const formula = math(step.latex);
    formula.classList.add("handout-formula");
    article.append(el("h3", "", step.title), formula, el("p", "handout-label", `${t("handout.given")}:`));
    const given = el("div", "handout-numbers");
    for (const item of step.given) {
      const figure = el("div", "handout-item"); // a cut matrix keeps its note under it
      figure.append(math(item.latex), ...(item.cut ? [el("p", "hint", item.cut)] : []));
      given.append(figure);
    }
    article.append(given);
    if (step.result) {
      article.append(el("p", "handout-label", `${t("handout.result")}:`), math(step.result.latex));
      if (step.result.cut) article.append(el("p", "hint", step.result.cut));
    }
    root.append(article);
  }
}

/** Mount the export buttons into `root` and the printable handout into `handoutRoot` (a hidden section). */
export function mountExports(root, handoutRoot, store) {
  const title = el("h3", "tools-subtitle");
  const row = el("div", "export-row");
  const json = button("export-json");
  const csv = button("export-csv");
  const markdown = button("export-handout");
  const print = button("print-handout");
  const hint = el("p", "hint");
  row.append(json, csv, markdown, print);
  root.append(title, row, hint);

  const closeHandout = () => {
    handoutRoot.hidden = true;
    handoutRoot.replaceChildren();
    document.body.classList.remove("printing-handout");
    print.focus();
  };
  const openHandout = () => {
    renderHandout(handoutRoot, store.get(), { onClose: closeHandout, onPrint: () => window.print() });
    handoutRoot.hidden = false;
    document.body.classList.add("printing-handout");
    handoutRoot.querySelector("h2").focus();
  };

  json.addEventListener("click", () => {
    const state = store.get();
    if (state.trace) download(JSON.stringify(state.trace, null, 1), `${baseName(state)}-trace.json`);
  });
  csv.addEventListener("click", () => {
    const state = store.get();
    if (state.trace) download(matricesCsv(state.trace), `${baseName(state)}-matrices.csv`, "text/csv;charset=utf-8");
  });
  markdown.addEventListener("click", () => {
    const state = store.get();
    if (state.trace) download(handoutMarkdown(state), `${baseName(state)}-handout-${state.lang}.md`, "text/markdown;charset=utf-8");
  });
  print.addEventListener("click", () => {
    if (!store.get().trace) return;
    openHandout();
    window.print();
  });

  const render = (state) => {
    title.textContent = t("export.title");
    json.textContent = t("export.json");
    csv.textContent = t("export.csv");
    markdown.textContent = t("export.handout");
    print.textContent = t("export.print");
    hint.textContent = t("export.hint");
    for (const node of [json, csv, markdown, print]) node.disabled = !state.trace;
    if (!handoutRoot.hidden) renderHandout(handoutRoot, state, { onClose: closeHandout, onPrint: () => window.print() });
  };
  store.subscribe((state, previous) => {
    const changed = state.trace !== previous.trace || state.lang !== previous.lang || state.view.decimals !== previous.view.decimals
      || state.view.showAllRows !== previous.view.showAllRows || (state.trace && !previous.trace);
    if (changed) render(state);
  });
  render(store.get());
}
