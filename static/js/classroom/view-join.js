/**
 * The join page (/join): a code field and an optional name (kept only in the room; the presenter's tally and
 * results show it); a wrong code is said so. No connection pill before there is a class.
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { problemLine } from "./view-status.js";
import { nameInput } from "./view-name.js";

/** {nodes, update(cls)} */
export function joinPanel(classroom) {
  const form = el("form", "class-join");
  const label = el("label", "field-inline");
  const input = el("input");
  input.dataset.testid = "join-code";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.maxLength = 16;
  input.className = "class-code-input";
  label.append(el("span", "", t("class.joinLabel")), input);
  const name = nameInput(classroom.name, "join-name");
  const submit = el("button", "btn primary", t("class.join"));
  submit.type = "submit";
  form.append(label, name.label, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    classroom.lookUp(input.value, name.input.value);
  });
  queueMicrotask(() => input.focus());
  const problem = problemLine();
  return { nodes: [el("p", "class-intro", t("class.joinIntro")), form, name.hint, problem.node], update: problem.update };
}
