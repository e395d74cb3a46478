// static/js/classroom/teacher-key.js: the key leaves the address at once and goes to the API as a Bearer header.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  labelStartButton, mayStartClass, takeKeyFromUrl, teacherHeaders,
} from "../../static/js/classroom/teacher-key.js";

function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)) };
}

function fakeHistory() {
  return { state: { kept: true }, calls: [], replaceState(state, title, url) { this.calls.push([state, url]); } };
}

test("the key moves from the address into sessionStorage; the rest of the address stays", () => {
  const storage = memoryStorage();
  const history = fakeHistory();
  takeKeyFromUrl({ href: "http://127.0.0.1:8000/join?lang=ru&key=s3cret-key#v=1&s=abc" }, storage, history);

  assert.deepEqual(history.calls, [[{ kept: true }, "/join?lang=ru#v=1&s=abc"]]);
  assert.deepEqual(teacherHeaders(storage), { Authorization: "Bearer s3cret-key" });
});

test("an address without a key is left alone, and no header is sent", () => {
  const storage = memoryStorage();
  const history = fakeHistory();
  takeKeyFromUrl({ href: "http://127.0.0.1:8000/#v=1" }, storage, history);

  assert.deepEqual(history.calls, []);
  assert.deepEqual(teacherHeaders(storage), {});
});

test("an empty key is dropped from the address but not kept", () => {
  const storage = memoryStorage();
  const history = fakeHistory();
  takeKeyFromUrl({ href: "http://127.0.0.1:8000/?key=" }, storage, history);

  assert.deepEqual(history.calls, [[{ kept: true }, "/"]]);
  assert.equal(storage.getItem("backprop.teacherKey"), null);
});

test("a page may start a class on the server's machine or with a key; else it offers to join one", () => {
  const local = { dataset: { classStart: "local" } };
  const network = { dataset: { classStart: "key" } };
  const withKey = memoryStorage();
  withKey.setItem("backprop.teacherKey", "k");
  const button = { dataset: { i18n: "class.start" } };
  const keptButton = { dataset: { i18n: "class.start" } };

  labelStartButton(button, network, memoryStorage());
  labelStartButton(keptButton, network, withKey);

  assert.equal(mayStartClass(local, memoryStorage()), true);
  assert.equal(mayStartClass(network, memoryStorage()), false);
  assert.equal(mayStartClass(network, withKey), true);
  assert.equal(button.dataset.i18n, "class.joinClass");
  assert.equal(keptButton.dataset.i18n, "class.start");
});

test("storage that refuses (private mode) means no key, not an error", () => {
  const refusing = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); } };
  takeKeyFromUrl({ href: "http://h/?key=abc" }, refusing, fakeHistory());

  assert.deepEqual(teacherHeaders(refusing), {});
});
