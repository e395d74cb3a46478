/**
 * The teacher key (app/classroom/teacher.py): only the teacher starts a class. `serve` prints a teacher link
 * `/?key=…`; the page moves the key from the address into this tab's sessionStorage before anything else
 * reads the address (so no link it shows or shares carries it), and sends it as `Authorization: Bearer` when
 * it starts a class. The server renders into the page whether it may start one without the key
 * (`data-class-start="local"`: opened on the server's own machine, no proxy in between).
 */

export const KEY_PARAM = "key";
const STORAGE_KEY = "backprop.teacherKey";

/** Move `?key=…` from the address into sessionStorage; the address keeps everything else. */
export function takeKeyFromUrl(loc = window.location, storage = window.sessionStorage, history = window.history) {
  const url = new URL(loc.href);
  const key = url.searchParams.get(KEY_PARAM);
  if (key === null) return;
  url.searchParams.delete(KEY_PARAM);
  history.replaceState(history.state, "", `${url.pathname}${url.search}${url.hash}`);
  try {
    if (key.trim()) storage.setItem(STORAGE_KEY, key.trim());
  } catch { /* private mode: this page cannot keep the key; the link works again */ }
}

export function teacherKey(storage = window.sessionStorage) {
  try {
    return storage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Whether this page offers "Start a class" (else "Join a class"). */
export function mayStartClass(body = document.body, storage = window.sessionStorage) {
  return body.dataset.classStart === "local" || teacherKey(storage) !== null;
}

/** Headers that carry the key to the API, when this tab has one. */
export function teacherHeaders(storage = window.sessionStorage) {
  const key = teacherKey(storage);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** A page without the right to start a class offers to join one instead (its label follows the language). */
export function labelStartButton(button, body = document.body, storage = window.sessionStorage) {
  if (!mayStartClass(body, storage)) button.dataset.i18n = "class.joinClass";
}
