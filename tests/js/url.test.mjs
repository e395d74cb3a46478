// Links and state files (static/js/store/url.js) through the shared view's table: round trips, and the links and
// state files today's main page wrote (STATE_VERSION 1, tests/js/fixtures/v1-main.json) open as they were.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hashFor, readHash, sharedFromHash, stateFileText, readStateFile, packJson, unpackJson, MAX_URL_CHARS } from "../../static/js/store/url.js";
import { CORE, fixtures } from "./helpers.mjs";

// each case's shared state as its page wrote it into the state file (JSON's own numbers: -0 is written 0)
const cases = fixtures("v1-main.json").cases.map((c) => ({ ...c, shared: JSON.parse(c.file).state }));
const PRESETS = [{ id: "exercise" }, { id: "xor" }, { id: "moons" }];

/** The presets a case's page had: its own preset's request is the shared request when the link says preset alone. */
const presetsFor = (shared) => PRESETS.map((p) => ({ ...p, request: p.id === shared.presetId && shared.iteration === 0 ? shared.request : { other: p.id } }));

test("the fixtures cover plain parameters, a packed state, a selection and training", () => {
  const hashes = cases.map((c) => c.hash).join(" ");
  for (const part of ["lang=ru", "mergeD=1", "rows=all", "after=1", "sel=", "&s="]) assert.ok(hashes.includes(part), part);
  assert.ok(cases.some((c) => c.shared.training?.lossHistory.length > 1));
});

for (const fixture of cases) {
  test(`a v1 link opens as it was written: ${fixture.name}`, async () => {
    const wanted = await readHash(fixture.hash, CORE);
    assert.equal(wanted.lang, fixture.lang);
    assert.equal(wanted.damaged, false);
    const shared = sharedFromHash(wanted, presetsFor(fixture.shared));
    // v1 pages did not write "hide the next result" into links (the issue): it opens as the default; the loss
    // of the shown iteration comes from its trace, so a link need not hold it
    const earlier = (state) => ({ ...state, lossHistory: state.lossHistory.filter((p) => p.iteration < state.iteration) });
    const expected = { ...fixture.shared, view: { ...fixture.shared.view, predictFirst: false } };
    assert.deepEqual(earlier(shared), earlier(expected));
  });

  test(`the same shared state writes the v1 link again: ${fixture.name}`, async () => {
    const shared = { ...fixture.shared, view: { ...fixture.shared.view, predictFirst: false } };
    const presets = presetsFor(fixture.shared);
    const { hash, fits } = await hashFor(shared, { lang: fixture.lang, presets });
    assert.equal(fits, true);
    const params = (h) => new URLSearchParams(h.slice(1));
    const [now, then] = [params(hash), params(fixture.hash)];
    assert.deepEqual([...now.keys()], [...then.keys()]);
    for (const [key, value] of then) {
      if (key === "s") assert.deepEqual(await unpackJson(now.get("s")), await unpackJson(value)); // same JSON (compression may differ)
      else assert.equal(now.get(key), value, key);
    }
  });

  test(`a v1 state file opens and is written byte for byte: ${fixture.name}`, () => {
    assert.deepEqual(readStateFile(fixture.file, CORE), fixture.shared);
    assert.equal(stateFileText(fixture.shared), fixture.file);
  });
}

test("hide the next result and the selection travel in a link now", async () => {
  const shared = { ...cases[2].shared };
  const { hash } = await hashFor(shared, { lang: "en", presets: PRESETS });
  assert.match(hash, /&predict=1&/);
  const back = sharedFromHash(await readHash(hash, CORE), PRESETS);
  assert.deepEqual(back, shared);
});

test("a damaged or foreign link part is said so; a bad state file is refused", async () => {
  const wanted = await readHash("#lang=xx&preset=exercise&decimals=99&s=notpacked&sel=%7Bnope", CORE);
  assert.equal(wanted.damaged, true);
  assert.equal(wanted.lang, null);
  assert.equal(wanted.view.decimals, undefined); // out of range: left out, a restore takes the default
  assert.equal(wanted.view.selected, null);
  assert.equal(readStateFile("{}", CORE), null);
  assert.equal(readStateFile("not json", CORE), null);
  const file = JSON.parse(cases[0].file);
  file.state.view.decimals = 42;
  assert.equal(readStateFile(JSON.stringify(file), CORE), null);
  file.version = 2;
  assert.equal(readStateFile(cases[0].file.replace('"version":1', '"version":2'), CORE), null);
});

test("a state too large for a link says toolong; a long training gets the compact replay form first", async () => {
  const curve = Array.from({ length: 40_000 }, (_, i) => Math.sin(i) * 1e-3 + 1 / (i + 1));
  const training = { epochs: curve.length - 1, from: 0, lossHistory: curve, start: { a: 1 } };
  const shared = { ...cases[0].shared, presetId: null, training };
  const compact = await hashFor(shared, { lang: "en" });
  assert.equal(compact.fits, true);
  const packed = await unpackJson(new URLSearchParams(compact.hash.slice(1)).get("s"));
  assert.deepEqual(packed.training, { epochs: training.epochs, from: 0, start: { a: 1 }, replay: true });
  const huge = { ...shared, training: null, lossHistory: curve.map((loss, iteration) => ({ iteration, loss })) };
  const tooLong = await hashFor(huge, { lang: "en" });
  assert.equal(tooLong.fits, false);
  assert.ok(tooLong.length > MAX_URL_CHARS);
  assert.match(tooLong.hash, /toolong=1/);
  assert.equal((await readHash(tooLong.hash, CORE)).tooLong, true);
});

test("packJson and unpackJson round-trip any JSON; legacy req links still open", async () => {
  const value = { a: [1, 2.5, "ж"], b: null };
  assert.deepEqual(await unpackJson(await packJson(value)), value);
  const req = Buffer.from(JSON.stringify({ X: [[1, 2]] })).toString("base64url");
  const wanted = await readHash(`#lang=en&iter=3&req=${req}`, CORE);
  assert.deepEqual(wanted.state, { request: { X: [[1, 2]] }, iteration: 3, lossHistory: [], training: null });
});
