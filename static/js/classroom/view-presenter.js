/**
 * The presenter's panel: the code, the students' address and its QR code, the count, the class options
 * (lock, hide the next result, projector layout, the results' download, End the class — which asks first and offers
 * the download), the ask form and the tally.
 */
import { el } from "../lib/dom.js";
import { t, tn } from "../i18n/i18n.js";
import { setOptions } from "../store/actions.js";
import { button, checkbox } from "./view-controls.js";
import { statusLine } from "./view-status.js";
import { askPanel } from "./view-ask.js";
import { tallyPanel } from "./view-histogram.js";
import { variantsPanel } from "./view-variants.js";
import { path, classProtocol } from "./protocol.js";

/** The code, address, QR code, count and connection: {node, update(cls)}. */
function headPanel(classroom) {
  const head = el("div", "class-head");
  const code = el("strong", "class-code");
  code.dataset.testid = "class-code";
  const link = el("a", "class-link");
  link.dataset.testid = "class-link";
  const hosts = el("select", "class-hosts");
  hosts.dataset.testid = "class-host";
  hosts.setAttribute("aria-label", t("class.host"));
  hosts.addEventListener("change", () => classroom.chooseHost(hosts.value));
  const count = el("span", "class-count");
  count.dataset.testid = "class-count";
  count.setAttribute("aria-live", "polite");
  const status = statusLine();
  const codeLine = el("p", "class-code-line");
  codeLine.append(el("span", "", t("class.codeLabel")), " ", code, " ", link, " ", hosts);
  const qr = el("img", "class-qr");
  qr.alt = t("class.qrAlt");
  qr.width = 160;
  qr.height = 160;
  const hint = el("p", "class-hint");
  hint.dataset.testid = "class-hint";
  const countLine = el("p", "class-count-line");
  countLine.append(count, " ", ...status.nodes);
  const text = el("div", "class-head-text");
  text.append(codeLine, countLine, hint);
  head.append(qr, text);

  function update(cls) {
    status.update(cls);
    code.textContent = cls.code ?? "";
    const url = cls.studentUrls.find((u) => new URL(u).hostname === cls.host) ?? cls.studentUrls[0] ?? `${location.origin}/join/${cls.code}`;
    link.href = url;
    link.textContent = url;
    const names = cls.studentUrls.map((u) => new URL(u).hostname);
    if (hosts.options.length !== names.length) {
      hosts.replaceChildren(...names.map((host) => Object.assign(el("option", "", host), { value: host })));
    }
    hosts.value = cls.host ?? "";
    hosts.hidden = names.length < 2;
    const src = `${path("qr", cls.code)}${cls.host ? `?host=${encodeURIComponent(cls.host)}` : ""}`;
    if (qr.getAttribute("src") !== src) qr.src = src;
    // Without the server the count is not known: an old number would claim students who may be gone.
    const known = cls.connection === "live";
    count.textContent = known ? tn("class.count", cls.students, { n: cls.students, exploring: cls.exploring })
      : t("class.countUnknown");
    count.dataset.count = known ? String(cls.students) : "";
    hint.textContent = cls.hint ? t("class.hint", { command: "make serve HOST=0.0.0.0" }) : "";
    hint.hidden = !cls.hint;
  }
  return { node: head, update };
}

/** Minutes the results stay on the server after the class ends (the contract's results_seconds). */
export function resultsMinutes() {
  return Math.max(1, Math.round((classProtocol().results_seconds ?? 0) / 60));
}

/**
 * "End the class" asks once more before it ends the class for everyone, and offers the results' download first
 * (they stay on the server a while after the end, then go: the dialog says how long).
 */
function endControl(classroom) {
  const box = el("span", "class-end");
  const end = button(t("class.end"), "class-end", () => show(true));
  const confirm = el("span", "class-end-confirm");
  confirm.dataset.testid = "class-end-dialog";
  confirm.setAttribute("role", "group");
  confirm.setAttribute("aria-label", t("class.endConfirm"));
  const cancel = button(t("class.endCancel"), "class-end-cancel", () => { show(false); end.focus(); });
  const results = button(t("class.endResults"), "class-end-results", () => classroom.downloadResults());
  const kept = el("span", "class-end-kept", t("class.endKept", { minutes: resultsMinutes() }));
  confirm.append(el("span", "class-end-question", t("class.endConfirm")), " ",
    button(t("class.endYes"), "class-end-yes", () => classroom.stop(), "btn small danger"), " ", cancel, " ", results, kept);
  function show(asking) {
    end.hidden = asking;
    confirm.hidden = !asking;
    if (asking) cancel.focus();
  }
  box.append(end, confirm);
  show(false);
  return box;
}

/** Lock, hide the next result (the store's predictFirst, the step panel's "Predict first"), projector, end. */
function optionsPanel(classroom, store) {
  const box = el("div", "class-options");
  const lock = checkbox(t("class.lock"), "class-lock", classroom.state.locked, (on) => classroom.setLocked(on));
  const predict = checkbox(t("class.predictFirst"), "class-predict", Boolean(store.get().view.predictFirst),
    (on) => setOptions(store, { predictFirst: on }));
  const projector = checkbox(t("class.projector"), "class-projector", classroom.state.projector,
    (on) => classroom.setProjector(on));
  const results = button(t("class.results.download"), "class-results", () => classroom.downloadResults());
  box.append(lock.label, predict.label, projector.label, results, endControl(classroom));
  function update(cls) {
    lock.input.checked = Boolean(cls.locked);
    projector.input.checked = Boolean(cls.projector);
    predict.input.checked = Boolean(store.get().view.predictFirst);
  }
  return { node: box, update };
}

/** {nodes, update(cls)} */
export function presenterPanel(classroom, store) {
  const head = headPanel(classroom);
  const options = optionsPanel(classroom, store);
  const ask = askPanel(classroom, store);
  const tally = tallyPanel(classroom);
  const variants = variantsPanel(classroom, store);
  options.node.insertBefore(variants.toggle, options.node.lastChild); // beside the other class options
  options.node.append(variants.node); // the student picker flows on after them: the projector's bar stays low
  const work = el("div", "class-work");
  work.append(ask.node, tally.node);
  function update(cls) {
    head.update(cls);
    options.update(cls);
    variants.update(cls);
    tally.update(cls);
  }
  return { nodes: [head.node, options.node, work], update };
}
