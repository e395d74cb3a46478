/** A student's optional name: the field (the join page's, the student's bar's) and the note on who sees it. */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";
import { classProtocol } from "./protocol.js";

/** {label, input, hint}: the field, at most the server's name length (the one rule, app/classroom/questions.py). */
export function nameInput(value, testid) {
  const input = el("input", "class-name-input");
  input.dataset.testid = testid;
  input.maxLength = classProtocol().questions.max_name_chars;
  input.autocomplete = "nickname";
  input.spellcheck = false;
  input.placeholder = t("class.namePlaceholder");
  input.value = value ?? "";
  const hint = el("p", "class-name-hint", t("class.nameHint"));
  hint.id = `${testid}-hint`;
  input.setAttribute("aria-describedby", hint.id);
  const label = el("label", "field-inline");
  label.append(el("span", "", t("class.name")), input);
  return { label, input, hint };
}
