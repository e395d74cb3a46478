/**
 * The timeline: one mark per visible step, grouped by phase (forward · loss · backward · update),
 * coloured with the phase colours and filled up to the current step. Click a mark or drag across
 * the bar to move; the current mark is the one keyboard stop (arrows work from anywhere anyway).
 */
import { el } from "../lib/dom.js";
import { pointerOnly } from "../store/state.js";
import { t } from "../i18n/i18n.js";
import { visibleSteps, nearestVisible } from "../lib/matrices.js";
import { texToText } from "../lib/tex-text.js";

function groupByPhase(trace, indices) {
  const groups = [];
  for (const index of indices) {
    const phase = trace.steps[index].phase;
    if (!groups.length || groups[groups.length - 1].phase !== phase) groups.push({ phase, indices: [] });
    groups[groups.length - 1].indices.push(index);
  }
  return groups;
}

function mark(trace, index, position) {
  const step = trace.steps[index];
  const button = el("button", `mark phase-${step.phase}`);
  button.type = "button";
  button.dataset.stepId = step.id;
  button.dataset.stepIndex = String(index);
  const label = t("timeline.mark", { i: position, phase: t(`phase.${step.phase}`), id: texToText(step.latex) });
  button.setAttribute("aria-label", label);
  button.title = label;
  button.append(el("span", "mark-dot"));
  return button;
}

/** Mount the timeline into the <ol> `list`; `player` moves the steps. */
export function mountTimeline(list, store, player) {
  let builtFor = null;

  function build(state) {
    const { trace, view } = state;
    list.replaceChildren();
    if (!trace) return;
    let position = 0;
    for (const group of groupByPhase(trace, visibleSteps(trace, view.mergeD))) {
      const item = el("li", `phase-group phase-${group.phase}`);
      item.style.setProperty("--count", String(group.indices.length));
      const name = el("span", "phase-name", t(`timeline.${group.phase}`));
      name.title = t(`phase.${group.phase}`);
      item.append(name);
      const marks = el("div", "marks");
      for (const index of group.indices) marks.append(mark(trace, index, (position += 1)));
      item.append(marks);
      list.append(item);
    }
    builtFor = { trace, mergeD: view.mergeD, lang: state.lang };
  }

  function update(state) {
    if (!state.trace) return;
    const current = nearestVisible(state.trace, state.view.mergeD, state.stepIndex);
    for (const button of list.querySelectorAll(".mark")) {
      const index = Number(button.dataset.stepIndex);
      button.classList.toggle("done", index < current);
      const isCurrent = index === current;
      button.classList.toggle("current", isCurrent);
      button.tabIndex = isCurrent ? 0 : -1;
      if (isCurrent) button.setAttribute("aria-current", "step");
      else button.removeAttribute("aria-current");
    }
  }

  bindPointer(list, player);
  store.subscribe((state, previous) => {
    if (pointerOnly(state, previous)) return;
    const stale = !builtFor || builtFor.trace !== state.trace || builtFor.mergeD !== state.view.mergeD || builtFor.lang !== state.lang;
    if (stale) build(state);
    update(state);
  });
  build(store.get());
  update(store.get());
}

/** The mark whose horizontal extent is nearest to clientX. */
function markAt(list, clientX) {
  let best = null;
  let bestDistance = Infinity;
  for (const button of list.querySelectorAll(".mark")) {
    const box = button.getBoundingClientRect();
    const distance = clientX < box.left ? box.left - clientX : clientX > box.right ? clientX - box.right : 0;
    if (distance < bestDistance) {
      best = button;
      bestDistance = distance;
    }
  }
  return best;
}

function bindPointer(list, player) {
  let dragging = false;
  const goTo = (event) => {
    const button = markAt(list, event.clientX);
    if (button) player.goToIndex(Number(button.dataset.stepIndex));
  };
  list.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    dragging = true;
    list.setPointerCapture(event.pointerId);
    goTo(event);
  });
  list.addEventListener("pointermove", (event) => { if (dragging) goTo(event); });
  const stop = () => { dragging = false; };
  list.addEventListener("pointerup", stop);
  list.addEventListener("pointercancel", stop);
  // keyboard activation of a mark (Enter / Space on the focused button) arrives as a click
  list.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest(".mark") : null;
    if (button && event.detail === 0) player.goToIndex(Number(button.dataset.stepIndex));
  });
}
