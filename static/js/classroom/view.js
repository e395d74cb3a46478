/**
 * The class bar (the controller in this folder holds the class state; this file only shows it): picks the panel
 * for the mode — the join form at /join, the presenter's panel, the student's bar, the ended note — and applies
 * what the class does to the rest of the page: the projector layout, and the lock (controls inert and greyed).
 * Everything a student typed reaches the page through textContent only.
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { button } from "./view-controls.js";
import { problemLine } from "./view-status.js";
import { joinPanel } from "./view-join.js";
import { presenterPanel } from "./view-presenter.js";
import { studentPanel } from "./view-student.js";
import { resultsMinutes } from "./view-presenter.js";

/** The controls a locked student cannot use: they are inert and look disabled. */
const LOCKABLE = "nav.step-bar, #app, .lower, .header-controls label";

function endedPanel(classroom) {
  const note = el("p", "class-ended");
  return { nodes: [note, button(t("class.leave"), "class-leave", () => classroom.leave())],
    update: (cls) => { note.textContent = t(cls.ended ?? "class.endedRestart"); } };
}

/** A presenter's page after "End the class": the class's results can still be downloaded for a while. */
function soloPanel(classroom) {
  const problem = problemLine(); // e.g. the class could not start
  const ended = el("p", "class-ended-results");
  const note = el("span");
  ended.append(note, " ", button(t("class.results.download"), "class-results", () => classroom.downloadResults()));
  function update(cls) {
    problem.update(cls);
    ended.hidden = !cls.endedCode;
    note.textContent = cls.endedCode ? t("class.endedResults", { code: cls.endedCode, minutes: resultsMinutes() }) : "";
  }
  return { nodes: [ended, problem.node], update };
}

function panelFor(cls, classroom, store) {
  if (cls.mode === "presenter") return presenterPanel(classroom, store);
  if (cls.mode === "following" || cls.mode === "exploring") return studentPanel(classroom, store);
  if (cls.mode === "ended") return endedPanel(classroom);
  if (cls.asking) return joinPanel(classroom);
  return soloPanel(classroom);
}

export function mountClassroom(root, startButton, classroom, store) {
  const body = root.querySelector(".class-body");
  let shownLayout = null;
  let panel = null;

  startButton.addEventListener("click", () => classroom.start());
  // Follow only: the student's own keys do not move their page (nor, ever, the teacher's).
  window.addEventListener("keydown", (event) => {
    const { mode, locked } = classroom.state;
    if (mode === "following" && locked && !root.contains(event.target)) event.stopImmediatePropagation();
  }, true);

  function render(cls) {
    const layout = `${cls.mode}:${cls.asking}:${store.get().lang}`;
    if (layout !== shownLayout) {
      shownLayout = layout;
      panel = panelFor(cls, classroom, store);
      body.replaceChildren(...panel.nodes);
    }
    root.dataset.mode = cls.mode;
    root.hidden = cls.mode === "solo" && !cls.asking && !cls.problem && !cls.endedCode;
    startButton.hidden = cls.mode !== "solo";
    document.body.classList.toggle("projector", cls.mode === "presenter" && Boolean(cls.projector));
    const locked = cls.mode === "following" && Boolean(cls.locked);
    document.body.classList.toggle("class-locked", locked);
    for (const node of document.querySelectorAll(LOCKABLE)) node.inert = locked;
    panel.update(cls);
  }

  classroom.subscribe(render);
  // Texts follow the page's language; "hide the next result" follows the step panel's "Predict first".
  store.subscribe((state, previous) => {
    if (state.lang !== previous.lang || state.view.predictFirst !== previous.view.predictFirst
      || state.presetId !== previous.presetId) render(classroom.state);
  });
}
