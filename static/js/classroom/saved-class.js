/**
 * What a tab keeps of its class across a reload (pure: the storage is passed in; the page's defaults are the
 * browser's). Storage refused (a private window): the class still works, a reload just starts over.
 * - the presenter's room, `{code, token, epoch}` in sessionStorage: a presenter's reload keeps the room;
 * - a student's place per room, `{studentId, epoch, exploring}` in localStorage: a reload, or closing and
 *   reopening the class link on the same device, is the same student (the same place, so the same own numbers);
 * - the name this student gave, in sessionStorage (the room keeps it too).
 */
export const PRESENTER_KEY = "backprop.class.presenter";
export const STUDENT_PREFIX = "backprop.class.student.";
export const NAME_KEY = "backprop.class.name";

/** The tab's sessionStorage, or null where it is refused. */
export function tabStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** The device's localStorage, or null where it is refused. */
export function deviceStorage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function read(storage, key) {
  try {
    return JSON.parse(storage?.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

function write(storage, key, value) {
  try {
    if (value === null) storage?.removeItem(key);
    else storage?.setItem(key, JSON.stringify(value));
  } catch { /* refused: see above */ }
}

export const savedPresenter = (storage = tabStorage()) => read(storage, PRESENTER_KEY);
export const savePresenter = (value, storage = tabStorage()) => write(storage, PRESENTER_KEY, value);
export const savedStudent = (code, storage = deviceStorage()) => read(storage, STUDENT_PREFIX + code);
export const saveStudent = (code, value, storage = deviceStorage()) => write(storage, STUDENT_PREFIX + code, value);
export const savedName = (storage = tabStorage()) => read(storage, NAME_KEY);
export const saveName = (name, storage = tabStorage()) => write(storage, NAME_KEY, name);
