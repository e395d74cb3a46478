// Texts of the hand-calculation check's surroundings (issue 14): Russian plurals, the gradient-check
// explanation, an English-style CSV.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setLang, t, tn } from "../../static/js/i18n/i18n.js";
import { parseRows } from "../../static/js/lib/number-text.js";

test("Russian counts agree with their nouns", () => {
  setLang("ru");
  assert.match(tn("share.fits", 562, { n: "562" }), /\(562 символа\)/);
  assert.match(tn("share.fits", 565, { n: "565" }), /\(565 символов\)/);
  assert.match(tn("share.fits", 561, { n: "561" }), /\(561 символ\)/);
  assert.match(tn("share.tooLong", 2562, { n: "2562", max: "2000" }), /\(2562 символа;/);
  assert.match(tn("train.cancelled", 21, { epochs: 3, requested: 21, from: "1", to: "0" }), /из 21 эпохи:/);
  assert.match(tn("train.cancelled", 25, { epochs: 3, requested: 25, from: "1", to: "0" }), /из 25 эпох:/);
  assert.equal(tn("handout.rowsCut", 21, { shown: 8, rows: 21 }), "(первые 8 из 21 строки)");
  assert.equal(tn("handout.rowsCut", 30, { shown: 8, rows: 30 }), "(первые 8 из 30 строк)");
  setLang("en");
  assert.equal(tn("handout.rowsCut", 21, { shown: 8, rows: 21 }), "(first 8 of 21 rows)");
});

test("the gradient check's explanation names the real error term and the floor of the denominator", () => {
  for (const lang of ["en", "ru"]) {
    setLang(lang);
    const text = t("gradcheck.explain2");
    assert.match(text, /ε²\/6/);
    assert.match(text, /max\(\|a\|, \|n\|, 10⁻⁴\)/);
    assert.doesNotMatch(text, /ε² times the curvature|ε², умноженное на кривизну/);
  }
  setLang("en");
});

test("an English-style CSV reads every line's comma as a separator", () => {
  assert.deepEqual(parseRows("0.5,1\n1,0", 2), { rows: [[0.5, 1], [1, 0]] });
  assert.deepEqual(parseRows("1,0\n0.5,1", 2), { rows: [[1, 0], [0.5, 1]] });
  assert.deepEqual(parseRows("0,5 1\n1 0", 2), { rows: [[0.5, 1], [1, 0]] }); // a decimal comma stays one
  assert.equal(parseRows("0,5\n1,5", 2).error.rule, "ambiguous_comma");
});
