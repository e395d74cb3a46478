/**
 * The header and the stepping bar: preset picker, language switch, help dialog, step buttons,
 * speed, the "step i of n" readout, the iteration label and "next iteration"; plus the status area
 * (loading, errors, warnings) and the aria-live announcement of each step change.
 */
import { el } from "../lib/dom.js";
import { pointerOnly } from "../store/state.js";
import { t, getLang } from "../i18n/i18n.js";
import { visibleSteps, nearestVisible } from "../lib/matrices.js";
import { texToText } from "../lib/tex-text.js";
import { stepView } from "./step-panel.js";
import { changeLang, choosePreset, nextIteration } from "../store/actions.js";
import { problemText } from "../lib/problems.js";

const $ = (selector, root = document) => root.querySelector(selector);
const byTestId = (id) => $(`[data-testid="${id}"]`);

/** Fill every element marked data-i18n / data-i18n-label / data-i18n-aria with the current language's text. */
export function applyStaticTexts(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-label]")) {
    const text = t(node.dataset.i18nLabel);
    node.setAttribute("aria-label", text);
    node.title = text;
  }
  for (const node of root.querySelectorAll("[data-i18n-aria]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nAria)); // named for screen readers, no tooltip
  }
  document.title = t("app.title");
}

const SVG = "http://www.w3.org/2000/svg";
// Drawn icons, not font glyphs: symbols like ⏮ are missing from many fonts (and from projector PCs).
const ICONS = {
  "step-first": "M21 5v14l-8-7z M13 5v14l-8-7z M3 5h2v14H3z",
  "step-prev": "M19 5v14l-9-7z M6 5h2v14H6z",
  play: "M7 4v16l13-8z",
  pause: "M6 5h4v14H6z M14 5h4v14h-4z",
  "step-next": "M5 5v14l9-7z M16 5h2v14h-2z",
  "step-last": "M3 5v14l8-7z M11 5v14l8-7z M19 5h2v14h-2z",
};

/** Replace a button's content with the drawn icon `name` (the button keeps its aria-label). */
function setIcon(button, name) {
  if (button.dataset.icon === name) return;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon-svg");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  button.replaceChildren(svg);
  button.dataset.icon = name;
}

function mountPresetPicker(store) {
  const select = byTestId("preset");
  select.addEventListener("change", () => { if (select.value) choosePreset(store, select.value); });
  return (state) => {
    const lang = getLang();
    const wanted = state.presets.map((p) => `${p.id}:${p.title[lang] ?? p.title.en}`).join("|") + (state.presetId ?? "");
    if (select.dataset.built !== wanted) {
      select.replaceChildren();
      if (!state.presetId) select.append(new Option(t("header.presetCustom"), ""));
      for (const preset of state.presets) {
        const option = new Option(preset.title[lang] ?? preset.title.en, preset.id);
        option.title = preset.description?.[lang] ?? "";
        select.append(option);
      }
      select.dataset.built = wanted;
    }
    select.value = state.presetId ?? "";
  };
}

function mountLangSwitch(store) {
  const group = byTestId("lang");
  group.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-lang]") : null;
    if (button) changeLang(store, button.dataset.lang);
  });
  return (state) => {
    for (const button of group.querySelectorAll("button[data-lang]")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
      button.title = t(`lang.${button.dataset.lang}`);
    }
  };
}

function helpContent() {
  const body = $("#help-body");
  body.replaceChildren(
    el("h3", "", t("help.notationTitle")),
    ...["help.notation1", "help.notation2", "help.notation3", "help.notation4", "help.notation5"].map((key) => el("p", "", t(key))),
    el("p", "", t("help.mouse")),
    el("p", "", t("help.handcalc")),
    el("p", "", t("help.variants")),
    el("p", "", t("help.edit")),
    el("p", "", t("help.tools")),
    el("p", "", t("help.class")),
    el("h3", "", t("help.keysTitle")),
  );
  const keys = el("ul", "keys");
  for (const key of ["help.keyArrows", "help.keySpace", "help.keyHomeEnd"]) keys.append(el("li", "", t(key)));
  body.append(keys, el("p", "note", t("help.keyNote")));
}

function mountHelp() {
  const dialog = $("#help-dialog");
  $("#help-open").addEventListener("click", () => {
    helpContent();
    dialog.showModal();
  });
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); }); // click on the backdrop
  return () => { if (dialog.open) helpContent(); };
}

function mountStepButtons(store, player) {
  const actions = { "step-first": () => player.first(), "step-prev": () => player.prev(), play: () => player.toggle(),
    "step-next": () => player.next(), "step-last": () => player.last() };
  for (const [id, action] of Object.entries(actions)) {
    byTestId(id).addEventListener("click", action);
    setIcon(byTestId(id), id);
  }
  const speed = byTestId("speed");
  speed.addEventListener("change", () => player.setSpeed(Number(speed.value)));
  byTestId("next-iteration").addEventListener("click", () => nextIteration(store));
  return (state) => {
    const play = byTestId("play");
    setIcon(play, state.local.playing ? "pause" : "play");
    play.setAttribute("aria-pressed", String(state.local.playing));
    const label = t(state.local.playing ? "step.pause" : "step.play");
    play.setAttribute("aria-label", label);
    play.title = label;
    speed.value = String(state.local.speed);
    const { index, count } = player.position();
    byTestId("step-first").disabled = byTestId("step-prev").disabled = !count || index === 0;
    byTestId("step-last").disabled = byTestId("step-next").disabled = !count || index >= count - 1;
    const counter = byTestId("step-counter");
    counter.textContent = count ? t("step.counter", { i: index + 1, n: count }) : "";
    $("#iteration-label").textContent = t("iteration.label", { n: state.iteration + 1 });
    const next = byTestId("next-iteration");
    next.disabled = !state.trace || Boolean(state.status.loading);
    next.classList.toggle("ready", Boolean(count) && index >= count - 1);
    next.title = t("iteration.hint");
  };
}

function mountStatus(store) {
  $("#error-dismiss").addEventListener("click", () => store.dispatch({ type: "status", status: { error: null } }));
  return (state) => {
    $("#loading").hidden = !state.status.loading;
    document.body.classList.toggle("is-loading", Boolean(state.status.loading));
    const errors = state.status.error ?? [];
    $("#error-box").hidden = !errors.length;
    $("#error-list").replaceChildren(...errors.map((p) => el("li", "", problemText(p))));
    const warnings = state.status.warnings ?? [];
    $("#warning-box").hidden = !warnings.length;
    $("#warning-list").replaceChildren(...warnings.map((w) => el("li", "", String(w))));
  };
}

/** The sentence the screen reader hears on a step change: "Step 7 of 18: backward — ∂L/∂W₂ = O₁ᵀ · d". */
export function announcement(state) {
  const { trace, view } = state;
  const visible = visibleSteps(trace, view.mergeD);
  const index = nearestVisible(trace, view.mergeD, state.stepIndex);
  const shown = stepView(trace, index, view.mergeD);
  return t("step.announce", {
    i: visible.indexOf(index) + 1, n: visible.length,
    phase: t(`phase.${shown.step.phase}`), formula: texToText(shown.merged ? shown.step.merged_latex : shown.step.latex),
  });
}

function mountAnnouncer() {
  const live = $("#announcer");
  let last = "";
  return (state, previous) => {
    if (!state.trace) return;
    const changed = !previous || state.stepIndex !== previous.stepIndex || state.trace !== previous.trace
      || state.lang !== previous.lang; // the sentence waiting there must not stay in the old language
    if (!changed) return;
    const text = announcement(state);
    if (text !== last) live.textContent = text;
    last = text;
  };
}

/**
 * Keep --bar-h equal to the height of the header and the step bar, so on a wide screen the views and
 * the step panel fill exactly the rest of the window (the header wraps differently per language).
 */
function trackBarHeight() {
  const parts = [$(".app-header"), $(".step-bar"), $("#status-area")];
  const update = () => {
    const height = parts.reduce((sum, node) => sum + (node ? node.getBoundingClientRect().height : 0), 0);
    document.documentElement.style.setProperty("--bar-h", `${Math.ceil(height) + 24}px`);
  };
  const observer = new ResizeObserver(update);
  for (const node of parts) if (node) observer.observe(node);
  update();
}

/** Mount the header, the step bar, the status area and the announcer; all re-render from the store. */
export function mountControls(store, player) {
  const renderers = [mountPresetPicker(store), mountLangSwitch(store), mountHelp(), mountStepButtons(store, player),
    mountStatus(store), mountAnnouncer()];
  let lang = null;
  const render = (state, previous) => {
    if (pointerOnly(state, previous)) return;
    if (state.lang !== lang) {
      applyStaticTexts();
      lang = state.lang;
    }
    for (const renderer of renderers) renderer(state, previous);
  };
  store.subscribe(render);
  render(store.get(), null);
  trackBarHeight();
}
