// The class a presenter's tab ended: kept in the tab's storage while the server keeps its results, then gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { keepEnded, endedBefore, ENDED_KEY } from "../../static/js/classroom/ended-class.js";
import { fakeStorage as storage } from "./helpers.mjs";

test("the ended class is kept until its results expire, and survives a reload (read back from storage)", () => {
  const tab = storage();
  const kept = keepEnded(tab, { code: "ABC234", token: "t0ken", now: 1_000, keepSeconds: 1800 });
  assert.deepEqual(kept, { code: "ABC234", token: "t0ken", until: 1_000 + 1_800_000 });
  assert.deepEqual(JSON.parse(tab.items.get(ENDED_KEY)), kept);
  assert.deepEqual(endedBefore(tab, 1_000 + 1_799_999), kept);
});

test("an expired, damaged or incomplete record is none, and is dropped", () => {
  const tab = storage();
  keepEnded(tab, { code: "ABC234", token: "t0ken", now: 0, keepSeconds: 10 });
  assert.equal(endedBefore(tab, 10_000), null);
  assert.equal(tab.items.has(ENDED_KEY), false);
  for (const text of ["{not json", JSON.stringify({ code: "ABC234", until: 1e15 }), JSON.stringify({ token: "t", until: 1e15 })]) {
    tab.items.set(ENDED_KEY, text);
    assert.equal(endedBefore(tab, 0), null, text);
    assert.equal(tab.items.has(ENDED_KEY), false, text);
  }
});

test("storage that refuses (private mode) or is missing keeps nothing and throws nothing", () => {
  for (const tab of [storage({ refuse: true }), null]) {
    const kept = keepEnded(tab, { code: "ABC234", token: "t0ken", now: 0, keepSeconds: 10 });
    assert.equal(kept.code, "ABC234"); // this page still offers the download until it reloads
    assert.equal(endedBefore(tab, 0), null);
  }
});
