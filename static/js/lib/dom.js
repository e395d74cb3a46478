/** Building DOM from data: text always goes in through textContent, so nothing a user typed is parsed as HTML. */

/** A new `tag` element with an optional class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
