/** Small DOM helpers for the graph views: SVG elements by createElementNS, text always via textContent. */

export const SVG_NS = "http://www.w3.org/2000/svg";

/** A new SVG element `tag` with `attrs` set, appended to `parent` when given. */
export function svgEl(tag, attrs = {}, parent = null) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  if (parent) parent.append(el);
  return el;
}

/** An SVG <text> with `content` (plain text, never markup). */
export function svgText(content, attrs = {}, parent = null) {
  const el = svgEl("text", attrs, parent);
  el.textContent = content;
  return el;
}

/** A <title> child: the accessible name and the hover tooltip of its parent. */
export function svgTitle(parent, content) {
  const title = svgEl("title", {}, parent);
  title.textContent = content;
  return title;
}

/** An HTML element `tag` with a class and optional text. */
export function htmlEl(tag, className, text = null, parent = null) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== null) el.textContent = text;
  if (parent) parent.append(el);
  return el;
}

/** Toggle `className` on every element of `from` that is not in `to`, and on every element of `to`. */
export function moveClass(className, from, to) {
  for (const el of from) if (!to.has(el)) el.classList.remove(className);
  for (const el of to) el.classList.add(className);
}
