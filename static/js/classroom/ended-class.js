/**
 * The class this presenter's tab ended, kept so that its results can still be downloaded — after a reload too —
 * until the server deletes them (the contract's results_seconds): `{code, token, until}` in sessionStorage.
 * Pure: the storage and the clock are passed in (the page passes sessionStorage and Date.now()).
 */
export const ENDED_KEY = "backprop.class.ended";

/** Keep the record of the class `code` (presenter `token`) ended at `now`; the record. */
export function keepEnded(storage, { code, token, now, keepSeconds }) {
  const record = { code, token, until: now + keepSeconds * 1000 };
  try {
    storage?.setItem(ENDED_KEY, JSON.stringify(record));
  } catch { /* private mode: the download stays offered until the tab reloads */ }
  return record;
}

/** The record kept by this tab, while its results are still kept at `now`; else null (and a stale one is dropped). */
export function endedBefore(storage, now) {
  let record = null;
  try {
    record = JSON.parse(storage?.getItem(ENDED_KEY) ?? "null");
  } catch { /* unreadable: as if none */ }
  if (record?.code && record?.token && record.until > now) return record;
  try {
    storage?.removeItem(ENDED_KEY);
  } catch { /* private mode */ }
  return null;
}
