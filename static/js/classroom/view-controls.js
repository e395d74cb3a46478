/** The small form controls every class panel builds: a button, a checkbox, a labelled field. */
import { el } from "../lib/dom.js";

export function button(text, testid, onClick, className = "btn small") {
  const node = el("button", className, text);
  node.type = "button";
  if (testid) node.dataset.testid = testid;
  node.addEventListener("click", onClick);
  return node;
}

export function checkbox(text, testid, checked, onChange) {
  const label = el("label", "field-inline");
  const input = el("input");
  input.type = "checkbox";
  input.checked = checked;
  input.dataset.testid = testid;
  input.addEventListener("change", () => onChange(input.checked));
  label.append(input, el("span", "", text));
  return { label, input };
}

export function field(text, input) {
  const label = el("label", "field-inline");
  label.append(el("span", "", text), input);
  return label;
}
