/**
 * The connection pill (live, connecting, reconnecting, paused) and the problem line under it. The pill is a
 * polite live region, so a screen reader hears "reconnecting" too; the problem line shows only while there is one.
 */
import { el } from "../lib/dom.js";
import { t } from "../i18n/i18n.js";

const TEXT = {
  offline: "class.connection.offline",
  connecting: "class.connection.connecting",
  live: "class.connection.live",
  reconnecting: "class.connection.reconnecting",
  paused: "class.paused",
};

/** The problem line alone (the join form and a solo page have no connection to show): {node, update(cls)}. */
export function problemLine() {
  const node = el("p", "class-problem");
  node.dataset.testid = "class-problem";
  node.setAttribute("role", "alert");
  return { node, update: (cls) => { node.textContent = cls.problem ? t(cls.problem.key, cls.problem.params) : ""; } };
}

/** The pill and the problem line: {nodes, update(cls)}. */
export function statusLine() {
  const pill = el("span", "class-connection");
  pill.dataset.testid = "class-connection";
  pill.setAttribute("role", "status");
  pill.setAttribute("aria-live", "polite");
  const problem = problemLine();
  function update(cls) {
    pill.dataset.state = cls.connection;
    const text = t(TEXT[cls.connection] ?? TEXT.offline);
    if (pill.textContent !== text) pill.textContent = text;
    problem.update(cls);
  }
  return { nodes: [pill, problem.node], update };
}
