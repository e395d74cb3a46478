/** Save text as a file through the browser's download (no server round trip). */
import { el } from "./dom.js";

/** Download `text` as `name` with the MIME `type`. */
export function download(text, name, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
