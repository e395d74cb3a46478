/**
 * The student's bar: following or exploring, the connection, Explore / Follow, the lock note, Leave, their name
 * (optional), the teacher's training progress, and the question to answer (view-question.js).
 */
import { el } from "../lib/dom.js";
import { t, formatNumber } from "../i18n/i18n.js";
import { button } from "./view-controls.js";
import { statusLine } from "./view-status.js";
import { questionPanel } from "./view-question.js";
import { nameInput } from "./view-name.js";

/** The teacher's training run as students see it (they do not train themselves): {node, update(cls)}. */
function trainingLine() {
  const node = el("p", "class-training");
  node.dataset.testid = "class-training";
  const text = el("span", "class-training-text");
  const bar = el("progress");
  node.append(text, " ", bar);
  function update(cls) {
    const run = cls.training;
    node.hidden = !run;
    if (!run) return;
    const epochs = Math.max(1, Number(run.epochs) || 1);
    const epoch = Math.min(epochs, Math.max(0, Number(run.epoch) || 0));
    bar.max = epochs;
    bar.value = epoch;
    bar.setAttribute("aria-label", t("class.trainingLabel"));
    const loss = run.loss === null || run.loss === undefined || !Number.isFinite(Number(run.loss)) ? null : formatNumber(Number(run.loss), 4);
    text.textContent = loss === null ? t("class.trainingNoLoss", { epoch, epochs }) : t("class.training", { epoch, epochs, loss });
  }
  return { node, update };
}

/** {nodes, update(cls)} */
export function studentPanel(classroom, store) {
  const line = el("div", "class-head");
  const modeText = el("strong", "class-mode-text");
  const status = statusLine();
  const explore = button(t("class.explore"), "class-explore", () => classroom.explore());
  const follow = button(t("class.follow"), "class-follow", () => classroom.followTeacher(), "btn primary small");
  const lockedNote = el("span", "class-locked-note", t("class.lockedNote"));
  line.append(modeText, " ", ...status.nodes, explore, follow, lockedNote,
    button(t("class.leave"), "class-leave", () => classroom.leave()));
  // The name (optional): given here or at joining, changed any time; the room keeps it.
  const name = nameInput(classroom.state.name, "class-name");
  name.input.addEventListener("change", () => classroom.setName(name.input.value));
  name.input.addEventListener("keydown", (event) => { if (event.key === "Enter") name.input.blur(); });
  line.append(" ", name.label);
  const training = trainingLine();
  const question = questionPanel(classroom, store);
  function update(cls) {
    status.update(cls);
    modeText.textContent = t(`class.mode.${cls.mode}`);
    explore.hidden = cls.mode !== "following" || cls.locked;
    follow.hidden = cls.mode !== "exploring";
    lockedNote.hidden = !(cls.mode === "following" && cls.locked);
    if (document.activeElement !== name.input) name.input.value = cls.name ?? "";
    training.update(cls);
    question.update(cls);
  }
  return { nodes: [line, training.node, question.node], update };
}
