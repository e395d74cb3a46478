/** The room's HTTP calls (paths from the contract): start a class, find one, addresses, the room's state, results. */
import { path } from "./protocol.js";

async function json(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.detail?.[0]?.msg ?? response.statusText);
    error.reason = body?.detail?.[0]?.type ?? null;
    throw error;
  }
  return body;
}

/** A new room: {code, token, student_urls, hint, …}. */
export async function createRoom(headers = {}) {
  return json(await fetch(path("rooms"), { method: "POST", headers: { "Content-Type": "application/json", ...headers },
    body: "{}" }));
}

/** The room of a join code ({code, epoch, …}); an Error with `reason` (unknown_class, class_ended, …) if none. */
export async function findRoom(code) {
  return json(await fetch(path("room", code || "-")));
}

export async function addresses() {
  return json(await fetch(path("addresses")));
}

/**
 * The room's shared state: {seq, state, etag}; `known` ({etag, …}) is what this page already has, answered by
 * a 304 without the body.
 */
export async function fetchState(code, known = null) {
  const headers = known?.etag ? { "If-None-Match": known.etag } : {};
  const response = await fetch(path("state", code), { headers, cache: "no-cache" });
  if (response.status === 304) return known;
  const state = await json(response);
  return { seq: Number(response.headers.get("X-State-Seq")), state, etag: response.headers.get("ETag") };
}

/** The class's results log ({records, ended, dropped}): the presenter's token only, during the class and a while after. */
export async function fetchResults(code, token) {
  return json(await fetch(path("results", code), { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" }));
}

/** The presenter's upload of its shared state: the seq of the `state` frame every page then hears. */
export async function putState(code, token, state) {
  const body = await json(await fetch(path("state", code), { method: "PUT", body: JSON.stringify(state),
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` } }));
  return body.seq;
}

/**
 * Own numbers (each student their own numbers): {preset, place, label, iteration, request, loss_history}.
 * `credential` is the student's id (their own numbers) or the presenter's token with the `place` of a student.
 */
export async function fetchNumbers(code, credential, iteration, place = null) {
  const query = new URLSearchParams({ iteration: String(iteration) });
  if (place !== null) query.set("place", String(place));
  return json(await fetch(`${path("numbers", code)}?${query}`, { headers: { Authorization: `Bearer ${credential}` },
    cache: "no-store" }));
}

/** The class's students for the presenter to pick: [{place, label, name}]. */
export async function fetchStudents(code, token) {
  const body = await json(await fetch(path("students", code), { headers: { Authorization: `Bearer ${token}` },
    cache: "no-store" }));
  return body.students;
}
