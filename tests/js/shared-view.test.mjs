// The shared view's one table (static/js/store/shared-view.js) and what is derived from it.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FIELDS, defaults, sharedState, ownState, studentState, sharedError, withDefaults, writeParams, readParams, PACKED_FIELDS, SMALL_FIELDS,
} from "../../static/js/store/shared-view.js";
import { initialState } from "../../static/js/store/state.js";
import { CORE } from "./helpers.mjs";

test("every shared field is listed once, with a default, a check and a way into a link", () => {
  const names = FIELDS.map((field) => field.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(names, ["lang", "request", "presetId", "variant", "ownNumbers", "iteration", "stepId", "lossHistory", "training", "view.mergeD",
    "view.decimals", "view.showAllRows", "view.dataAfter", "view.predictFirst", "view.selected"]);
  for (const field of FIELDS) {
    assert.ok(["class", "own", "student"].includes(field.scope), field.name);
    if (field.name === "ownNumbers") continue; // a class student's own numbers' label: never in a link
    assert.ok(field.link === "packed" || (typeof field.link.param === "string" && field.link.write && field.link.read), field.name);
    const value = field.default(CORE);
    if (field.name !== "request") assert.equal(field.valid(value, CORE), true, `${field.name}'s default passes its check`);
  }
  assert.deepEqual(FIELDS.filter((f) => f.scope === "own").map((f) => f.name), ["lang"]);
  assert.deepEqual(PACKED_FIELDS, ["request", "iteration", "lossHistory", "training"]);
  assert.deepEqual(SMALL_FIELDS.map((f) => f.name).filter((n) => !n.startsWith("view.")), ["request", "presetId", "iteration", "stepId"]);
});

test("the page's initial state and sharedState come from the table; the language stays each page's own", () => {
  const state = initialState(CORE);
  const shared = sharedState(state);
  assert.deepEqual(shared, {
    request: null, presetId: null, iteration: 0, stepId: null, lossHistory: [], training: null,
    view: { mergeD: false, decimals: 3, showAllRows: false, dataAfter: false, predictFirst: false, selected: null },
  });
  assert.ok(!("lang" in shared) && !("trace" in shared) && !("local" in shared));
  assert.deepEqual(ownState({ ...state, lang: "ru" }), { lang: "ru" });
  assert.deepEqual(defaults(CORE), { lang: "en", variant: null, ownNumbers: null, ...shared });
  assert.deepEqual(studentState({ ...state, variant: 17 }), { variant: 17, ownNumbers: null });
  assert.ok(!("variant" in sharedState({ ...state, variant: 17 })), "a class never shares a student's variant");
  // issue 14 in class: a student's own numbers are theirs: not shared, not in a link
  assert.deepEqual(studentState({ ...state, ownNumbers: "S7" }), { variant: null, ownNumbers: "S7" });
  assert.ok(!("ownNumbers" in sharedState({ ...state, ownNumbers: "S7" })), "a class never shares a student's own numbers");
  const params = new URLSearchParams();
  writeParams(params, { ...state, presetId: "exercise", ownNumbers: "S7" });
  assert.ok(![...params.values()].includes("S7"), "a link does not carry the label of a student's own numbers");
  assert.equal(initialState({ decimals: { min: 0, max: 8, default: 5 } }).view.decimals, 5);
});

test("a complete shared state is checked field by field and completed with the defaults", () => {
  assert.equal(sharedError({ request: {} }, CORE), null);
  assert.equal(sharedError({}, CORE), "state.request is required");
  assert.equal(sharedError([], CORE), "state must be an object");
  assert.equal(sharedError({ request: {}, lang: "ru" }, CORE),
    "state.lang is not one of request, presetId, iteration, stepId, lossHistory, training");
  assert.equal(sharedError({ request: {}, iteration: -1 }, CORE), "state.iteration must be a whole number ≥ 0, not -1");
  assert.equal(sharedError({ request: {}, view: { predictFirst: "yes" } }, CORE), 'state.view.predictFirst must be true or false, not "yes"');
  assert.equal(sharedError({ request: {}, view: { selected: { matrix: "W1", row: -1 } } }, CORE),
    'state.view.selected must be null or {matrix, row, col}, not {"matrix":"W1","row":-1}');
  assert.deepEqual(withDefaults({ request: { a: 1 }, view: { decimals: 5 } }, CORE).view,
    { mergeD: false, decimals: 5, showAllRows: false, dataAfter: false, predictFirst: false, selected: null });
});

test("link parameters are written and read by the table, both ways", () => {
  const state = {
    ...initialState(CORE), lang: "ru", presetId: "xor", stepId: "bwd:dL/dW1",
    view: { mergeD: true, decimals: 5, showAllRows: true, dataAfter: true, predictFirst: true, selected: { matrix: "W1", row: 1, col: null } },
  };
  const params = new URLSearchParams();
  writeParams(params, state);
  assert.equal(String(params),
    "lang=ru&preset=xor&step=bwd%3AdL%2FdW1&mergeD=1&decimals=5&rows=all&after=1&predict=1&sel=%7B%22matrix%22%3A%22W1%22%2C%22row%22%3A1%2C%22col%22%3Anull%7D");
  assert.deepEqual(readParams(params, CORE), { lang: "ru", presetId: "xor", stepId: "bwd:dL/dW1", view: state.view });
  const plain = new URLSearchParams();
  writeParams(plain, initialState(CORE));
  assert.equal(String(plain), "lang=en&mergeD=0&decimals=3");
  assert.deepEqual(readParams(new URLSearchParams(""), CORE),
    { lang: null, presetId: null, stepId: null, view: { showAllRows: false, dataAfter: false, predictFirst: false, selected: null } });
  const variant = new URLSearchParams();
  writeParams(variant, { ...state, variant: 17 });
  assert.match(String(variant), /&variant=17&/);
  assert.equal(readParams(variant, CORE).variant, 17);
  assert.equal(readParams(new URLSearchParams("variant=0"), CORE).variant, null);
  assert.equal(readParams(new URLSearchParams("variant=x"), CORE).variant, null);
});
