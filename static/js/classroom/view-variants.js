/**
 * The presenter's "each student their own numbers": the switch (only for a network with variants; the panel
 * says why not, and that training and edits are off while it is on), and a student's numbers on the projector
 * (pick by label or name; "Back to the class's numbers"). What students see does not change.
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { VARIANTS } from "../lib/core-options.js";
import { button, checkbox, field } from "./view-controls.js";

const rosterText = ({ label, name }) => (name ? `${label} — ${name}` : label);

/** {toggle (the checkbox, for the options row), node (the note and the student picker), update(cls)} */
export function variantsPanel(classroom, store) {
  const box = el("div", "class-variants-box");
  const toggle = checkbox(t("class.variants"), "class-variants", Boolean(classroom.state.variants),
    (on) => classroom.setVariants(on));
  const note = el("p", "class-variants-note");
  note.dataset.testid = "class-variants-note";
  const pick = el("select");
  pick.dataset.testid = "class-student-pick";
  const show = button(t("class.showStudent"), "class-show-student", () => {
    if (pick.value) classroom.showStudent(Number(pick.value));
  });
  const back = button(t("class.showClass"), "class-show-class", () => classroom.showClass(), "btn primary small");
  const showing = el("p", "class-showing");
  showing.dataset.testid = "class-showing";
  showing.setAttribute("aria-live", "polite");
  const pickLine = el("p", "class-student-line");
  pickLine.append(field(t("class.studentPick"), pick), " ", show, " ", back);
  box.append(note, pickLine, showing);
  pick.addEventListener("focus", () => classroom.loadRoster());

  function update(cls) {
    const eligible = VARIANTS.presets.includes(store.get().presetId);
    toggle.input.checked = Boolean(cls.variants);
    toggle.input.disabled = !eligible && !cls.variants;
    note.textContent = t(!eligible ? "class.variantsNone" : "class.variantsEditsOff");
    note.hidden = Boolean(cls.projector); // the switch's title says it; the projector's bar stays compact
    toggle.label.title = t(eligible ? "class.variantsHint" : "class.variantsNone");
    // Off, the panel only says why a network has no variants, and not on the projector: its bar stays compact
    // (the disabled switch's title still says why).
    box.hidden = !cls.variants && (eligible || Boolean(cls.projector));
    const texts = cls.roster.map(rosterText);
    if (pick.options.length !== texts.length || texts.some((text, i) => pick.options[i].textContent !== text)) {
      const chosen = pick.value;
      pick.replaceChildren(...cls.roster.map((s) => Object.assign(el("option", "", rosterText(s)), { value: String(s.place) })));
      if (chosen) pick.value = chosen;
    }
    pick.disabled = show.disabled = cls.roster.length === 0;
    pick.title = cls.roster.length ? "" : t("class.noStudents");
    back.hidden = !cls.viewing;
    showing.hidden = !cls.viewing;
    showing.textContent = cls.viewing ? t("class.showingStudent", { label: cls.viewing.label }) : "";
  }
  return { toggle: toggle.label, node: box, update };
}
