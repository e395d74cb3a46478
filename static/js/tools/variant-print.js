/**
 * "Print variants": a dialog that makes N problem sheets (each its own variant: the network drawn, its numbers,
 * the tasks with empty matrices of the right shapes) and, printed separately, their key (every matrix of every
 * sheet at the shown decimals); the same as Markdown + LaTeX, and as a Moodle XML question bank. The sheets live
 * in their own section (#variant-sheets), outside the step panel, and print through the handout's print path:
 * a body class makes the print stylesheet (tools.css) show that section alone.
 */
import { el } from "../lib/dom.js";
import { svgEl, svgText } from "../graph/svg.js";
import { t, formatNumber } from "../i18n/i18n.js";
import { VARIANTS } from "../lib/core-options.js";
import { download } from "../lib/download.js";
import { renderTex } from "../lib/tex.js";
import { matrixTable } from "../lib/matrix-table.js";
import { resolveMatrix } from "../lib/matrices.js";
import { traceMatrixIds } from "./exports.js";
import { hasVariants } from "./variants.js";
import { fetchVariants, givenIds, givenDecimals, sheetTasks, variantsMarkdown, moodleXml } from "./variant-sheets.js";

const WIDE_FORMULA = 60; // LaTeX characters

/** The network as a picture: a column of neurons per layer, every weight a line (x, hidden layers, ŷ). */
export function networkPicture(layers) {
  const width = 60 + 90 * (layers.length - 1), tallest = Math.max(...layers), height = 28 * tallest + 24;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "variant-network", role: "img",
    "aria-label": layers.join(" → ") });
  const at = (layer, i) => [30 + 90 * layer, height / 2 + (i - (layers[layer] - 1) / 2) * 28];
  layers.slice(1).forEach((size, k) => {
    for (let i = 0; i < layers[k]; i += 1) {
      for (let j = 0; j < size; j += 1) {
        const [x1, y1] = at(k, i), [x2, y2] = at(k + 1, j);
        svgEl("line", { x1, y1, x2, y2, class: "variant-edge" }, svg);
      }
    }
  });
  layers.forEach((size, layer) => {
    for (let i = 0; i < size; i += 1) {
      const [cx, cy] = at(layer, i);
      svgEl("circle", { cx, cy, r: 9, class: "variant-neuron" }, svg);
      const name = layer === 0 ? `x${i + 1}` : layer === layers.length - 1 ? "ŷ" : `${i + 1}`;
      svgText(name, { x: cx, y: cy + 3.5, "text-anchor": "middle" }, svg);
    }
  });
  return svg;
}

/** An empty matrix of `shape` to fill in by hand (cells carry data-answer-id, never a number). */
function emptyMatrix(id, [rows, cols]) {
  const table = el("table", "variant-blank");
  table.dataset.answerId = id;
  for (let r = 0; r < rows; r += 1) {
    const tr = el("tr");
    for (let c = 0; c < cols; c += 1) tr.append(el("td"));
    table.append(tr);
  }
  return table;
}

function intro(trace) {
  return t("variants.sheetIntro", { layers: trace.spec.layers.join(" → "), lr: formatNumber(trace.spec.learning_rate, 1) })
    + ` ${trace.spec.activations.map((a) => t(`act.${a}`)).join(", ")}; ${t(`loss.${trace.spec.loss}`)}.`;
}

/** One problem sheet: [data-testid=variant-sheet][data-variant=N]. */
function sheet({ variant, trace }, title) {
  const article = el("article", "variant-sheet");
  article.dataset.testid = "variant-sheet";
  article.dataset.variant = String(variant);
  const head = el("div", "variant-head");
  head.append(el("h2", "", t("variants.sheetTitle", { n: variant, title })), el("p", "variant-name", t("variants.nameLine")));
  const top = el("div", "variant-top");
  const given = el("div", "variant-given");
  for (const id of givenIds(trace)) {
    const matrix = resolveMatrix(trace, id);
    given.append(matrixTable(id, matrix, { decimals: givenDecimals(matrix), showAll: true }));
  }
  top.append(networkPicture(trace.spec.layers), given);
  const tasks = el("ol", "variant-tasks");
  for (const task of sheetTasks(trace)) {
    const item = el("li", "variant-task");
    item.dataset.stepId = task.id;
    if (task.latex.length > WIDE_FORMULA) item.classList.add("wide"); // a long formula (bce's loss) takes two columns
    const formula = el("div", "variant-formula");
    renderTex(formula, task.latex);
    item.append(formula, emptyMatrix(task.output, task.shape));
    tasks.append(item);
  }
  article.append(head, el("p", "variant-intro", intro(trace)), top, el("h3", "", t("variants.tasks")), tasks);
  return article;
}

/** The key: per sheet, every matrix of its trace at `decimals` ([data-testid=variants-key] [data-variant=N]). */
function key(items, title, decimals) {
  const section = el("section", "variants-key");
  section.dataset.testid = "variants-key";
  section.append(el("h2", "", t("variants.keyTitle", { title })));
  for (const { variant, trace } of items) {
    const article = el("article", "variant-key");
    article.dataset.variant = String(variant);
    const grid = el("div", "variant-key-grid");
    for (const id of traceMatrixIds(trace)) grid.append(matrixTable(id, resolveMatrix(trace, id), { decimals, showAll: true }));
    article.append(el("h3", "", t("variants.sheetTitle", { n: variant, title })), grid);
    section.append(article);
  }
  return section;
}

function field(testid, labelKey, attrs) {
  const label = el("label", "field-inline");
  const input = el("input");
  Object.assign(input, { type: "number", step: "1", inputMode: "numeric", ...attrs });
  input.dataset.testid = testid;
  label.append(el("span", "", t(labelKey)), input);
  return { label, input };
}

function button(testid, textKey, className = "btn small") {
  const node = el("button", className, t(textKey));
  node.type = "button";
  node.dataset.testid = testid;
  return node;
}

/** Mount the "Print variants" button into `root`, its dialog, and the printable sheets into `sheetsRoot`. */
export function mountVariantPrint(root, sheetsRoot, store) {
  const open = button("print-variants", "variants.print");
  const hint = el("p", "hint");
  const subtitle = el("h3", "tools-subtitle");
  root.append(subtitle, open, hint);
  const dialog = el("dialog", "variants-dialog");
  dialog.dataset.testid = "variants-dialog";
  document.body.append(dialog);
  let items = null, itemsKey = "";

  const title = () => {
    const state = store.get();
    const preset = state.presets.find((p) => p.id === state.presetId);
    return preset ? preset.title[state.lang] ?? preset.title.en : state.presetId;
  };

  function render() {
    const state = store.get();
    const eligible = hasVariants(state.presetId);
    subtitle.textContent = t("variants.title");
    open.textContent = t("variants.print");
    open.disabled = !state.trace;
    hint.textContent = eligible ? t("variants.printHint") : t("variants.none");
  }

  function buildDialog() {
    const state = store.get();
    const eligible = hasVariants(state.presetId);
    const count = field("variants-count", "variants.count", { min: "1", max: String(VARIANTS.max_count), value: "30" });
    const from = field("variants-from", "variants.from", { min: String(VARIANTS.min_variant), max: String(VARIANTS.max_variant), value: "1" });
    const status = el("p", "hint variants-status");
    status.dataset.testid = "variants-status";
    status.setAttribute("aria-live", "polite");
    const actions = el("div", "export-row");
    const printSheets = button("variants-print", "variants.printSheets", "btn small primary");
    const printKey = button("variants-print-key", "variants.printKey");
    const markdown = button("variants-markdown", "variants.markdown");
    const moodle = button("export-moodle", "variants.moodle");
    const close = button("variants-close", "variants.close");
    actions.append(printSheets, printKey, markdown, moodle, close);
    const heading = el("h2", "", t("variants.dialogTitle", { title: title() }));
    heading.tabIndex = -1;
    dialog.replaceChildren(heading, el("p", "hint", eligible ? t("variants.dialogHint", { max: VARIANTS.max_count }) : t("variants.none")),
      count.label, from.label, actions, status);
    for (const node of [printSheets, printKey, markdown, moodle]) node.disabled = !eligible;

    const wanted = () => {
      const n = Math.round(Number(count.input.value)), first = Math.round(Number(from.input.value));
      const okCount = n >= 1 && n <= VARIANTS.max_count, okFrom = first >= VARIANTS.min_variant && first + n - 1 <= VARIANTS.max_variant;
      if (!okCount || !okFrom) {
        status.textContent = t("variants.badRange", { max: VARIANTS.max_count, last: VARIANTS.max_variant });
        return null;
      }
      return { n, first };
    };
    const prepared = async () => {
      const range = wanted();
      if (!range) return null;
      const { presetId } = store.get();
      const cacheKey = `${presetId}|${range.first}|${range.n}`;
      if (items && itemsKey === cacheKey) return items;
      const started = performance.now();
      status.textContent = t("variants.preparing", { done: 0, n: range.n });
      try {
        items = await fetchVariants(presetId, range.first, range.n, (done) => {
          status.textContent = t("variants.preparing", { done, n: range.n });
        });
      } catch (error) {
        status.textContent = String(error.message);
        return null;
      }
      itemsKey = cacheKey;
      const seconds = (performance.now() - started) / 1000;
      status.textContent = t("variants.prepared", { n: range.n, seconds: formatNumber(seconds, 1) });
      dialog.dataset.prepareMs = String(Math.round(seconds * 1000));
      return items;
    };
    const printing = async (mode) => {
      const ready = await prepared();
      if (!ready) return;
      renderSheets(ready);
      document.body.classList.add("printing-variants");
      document.body.dataset.printing = mode;
      dialog.close();
      sheetsRoot.querySelector(mode === "key" ? "[data-testid=variants-key] h2" : "h2")?.focus();
      window.print();
    };
    const name = (ext) => `backprop-${store.get().presetId}-variants-${from.input.value}-${Number(from.input.value) + Number(count.input.value) - 1}-${store.get().lang}.${ext}`;
    printSheets.addEventListener("click", () => printing("sheets"));
    printKey.addEventListener("click", () => printing("key"));
    markdown.addEventListener("click", async () => {
      const ready = await prepared();
      if (ready) download(variantsMarkdown(ready, { title: title(), decimals: store.get().view.decimals }), name("md"), "text/markdown;charset=utf-8");
    });
    moodle.addEventListener("click", async () => {
      const ready = await prepared();
      if (!ready) return;
      const xml = moodleXml(ready, { title: title(), presetId: store.get().presetId, decimals: store.get().view.decimals });
      dialog.dataset.moodleBytes = String(new TextEncoder().encode(xml).length);
      download(xml, name("xml"), "application/xml;charset=utf-8");
    });
    close.addEventListener("click", () => dialog.close());
    return heading;
  }

  function renderSheets(ready) {
    const bar = el("div", "handout-bar");
    const print = el("button", "btn primary", t("handout.print"));
    print.type = "button";
    print.addEventListener("click", () => window.print());
    const close = el("button", "btn", t("variants.closeSheets"));
    close.type = "button";
    close.dataset.testid = "variants-sheets-close";
    close.addEventListener("click", closeSheets);
    bar.append(print, close);
    const heading = el("h2", "visually-hidden", t("variants.sheetsTitle", { title: title() }));
    heading.tabIndex = -1;
    const sheets = el("div", "variant-sheet-list");
    for (const item of ready) sheets.append(sheet(item, title()));
    sheetsRoot.replaceChildren(bar, heading, sheets, key(ready, title(), store.get().view.decimals));
    sheetsRoot.hidden = false;
  }

  function closeSheets() {
    sheetsRoot.hidden = true;
    sheetsRoot.replaceChildren();
    document.body.classList.remove("printing-variants");
    delete document.body.dataset.printing;
    open.focus();
  }

  open.addEventListener("click", () => {
    const heading = buildDialog();
    dialog.showModal();
    heading.focus();
  });
  store.subscribe((state, previous) => {
    if (state.presetId !== previous.presetId || state.lang !== previous.lang || state.trace !== previous.trace) {
      items = null;
      render();
    }
  });
  render();
}
