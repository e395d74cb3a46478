/**
 * Share: the link of the current view (the URL hash url.js keeps written) with a copy button, and a state
 * file for views too large for a link: save it, and open one by choosing it or dropping it on the page.
 * When the view does not fit in a link the page says so (status area) instead of giving a link that shows
 * something else.
 */
import { el } from "../lib/dom.js";
import { t, tn, formatNumber } from "../i18n/i18n.js";
import { sharedState } from "../store/state.js";
import { studentState } from "../store/shared-view.js";
import { MAX_URL_CHARS, stateFileText, readStateFile, readStateFileStudent } from "../store/url.js";
import { restoreState } from "../store/actions.js";
import { download } from "../lib/download.js";

function fileName(state) {
  const name = state.presetId ?? "custom";
  return `backprop-${name}-iteration-${state.iteration + 1}.json`;
}

/** Copy `input`'s text: the Clipboard API where the page may use it (https, localhost), else the selection. */
async function copyFrom(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.select();
    return document.execCommand("copy"); // a LAN address over http is not a secure context
  }
}

/**
 * Mount the share box into `root` (a <details>); returns {linkWritten}, which url.js's syncHash calls after
 * each hash write with {fits, length}.
 */
export function mountShare(root, store) {
  const body = root.querySelector(".share-body");
  const note = document.querySelector("#share-note");
  const link = el("input", "share-link");
  Object.assign(link, { type: "text", readOnly: true });
  link.dataset.testid = "share-link";
  const copy = el("button", "btn small");
  copy.type = "button";
  copy.dataset.testid = "share-copy";
  const status = el("p", "share-status");
  status.dataset.testid = "share-status";
  status.setAttribute("aria-live", "polite");
  const save = el("button", "btn small");
  save.type = "button";
  save.dataset.testid = "state-save";
  const openLabel = el("label", "btn small file-button");
  const openText = el("span");
  const open = el("input");
  Object.assign(open, { type: "file", accept: ".json,application/json" });
  open.dataset.testid = "state-open";
  openLabel.append(openText, open);
  const fileNote = el("p", "hint share-file-note");
  const row = el("div", "share-row");
  row.append(link, copy);
  const files = el("div", "share-row");
  files.append(save, openLabel);
  body.append(row, status, files, fileNote);

  let last = { fits: true, length: 0 };
  let copied = false;

  function render() {
    copy.textContent = t(copied ? "share.copied" : "share.copy");
    save.textContent = t("share.save");
    openText.textContent = t("share.open");
    fileNote.textContent = t("share.fileHint");
    copy.disabled = !last.fits;
    link.value = last.fits ? location.href : "";
    status.textContent = last.fits
      ? tn("share.fits", last.length, { n: formatNumber(last.length, 0) })
      : tn("share.tooLong", last.length, { n: formatNumber(last.length, 0), max: formatNumber(MAX_URL_CHARS, 0) });
    note.hidden = last.fits;
    note.textContent = last.fits ? "" : t("share.tooLongNote");
    root.dataset.fits = String(last.fits);
    root.dataset.length = String(last.length);
  }

  async function openStateText(text) {
    const shared = readStateFile(text, store.core);
    if (!shared) {
      store.dispatch({ type: "status", status: { error: [{ field: "", message: t("share.badFile") }] } });
      return;
    }
    await restoreState(store, shared, [], { origin: "link" }, readStateFileStudent(text, store.core));
  }

  copy.addEventListener("click", async () => {
    copied = await copyFrom(link);
    render();
  });
  save.addEventListener("click", () => {
    const state = store.get();
    if (state.trace) download(stateFileText(sharedState(state), studentState(state)), fileName(state));
  });
  open.addEventListener("change", async () => {
    const file = open.files?.[0];
    if (file) await openStateText(await file.text());
    open.value = "";
  });
  // a state file dropped anywhere on the page opens it
  document.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
  });
  document.addEventListener("drop", async (event) => {
    const file = event.dataTransfer?.files?.[0];
    if (!file) return;
    event.preventDefault();
    await openStateText(await file.text());
  });
  // the panel closes like a menu: Escape, or a click elsewhere
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !root.open) return;
    root.open = false;
    root.querySelector("summary").focus();
  });
  document.addEventListener("click", (event) => {
    if (root.open && event.target instanceof Node && !root.contains(event.target)) root.open = false;
  });
  store.subscribe((state, previous) => { if (state.lang !== previous.lang) render(); });
  render();

  return {
    linkWritten(result) {
      copied = false;
      last = result;
      render();
    },
  };
}
