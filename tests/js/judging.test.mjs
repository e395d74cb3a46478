// The judging rule against the one table of cases the Python tests read too (tests/cases/judging.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { judge, tolerance } from "../../static/js/tools/judging.js";
import { verdictOf, checkMatrix, nextRecord } from "../../static/js/tools/handcalc.js";

const { cases } = JSON.parse(readFileSync(new URL("../cases/judging.json", import.meta.url), "utf8"));

test("every case of the shared table", () => {
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    assert.deepEqual(judge(c.typed, c.exact, c.decimals, c.shown), { verdict: c.verdict, basis: c.basis }, c.name);
  }
});

test("the tolerance is half a unit of the last shown decimal", () => {
  assert.equal(tolerance(3), 0.0005);
  assert.equal(tolerance(0), 0.5);
});

test("typed text: decimal comma, minus signs, not a number, nothing", () => {
  assert.equal(verdictOf("−2,130", -2.12874, 3, -2.13012).basis, "shown");
  assert.equal(verdictOf("abc", 1, 3).verdict, "wrong");
  assert.equal(verdictOf("  ", 1, 3).verdict, "empty");
});

test("a matrix check counts the cells judged by the shown inputs", () => {
  const tally = checkMatrix([[-2.12874], [-1.9113]], { "0,0": "-2.130", "1,0": "-1.911" }, 3, 2, [[-2.13012], [-1.9101]]);
  assert.deepEqual([tally.right, tally.close, tally.fromShown], [2, 0, 1]);
});

test("checking again is a new check (the panel redraws on it)", () => {
  const first = nextRecord({}, { action: "check", entries: { "0,0": "1" } });
  const again = nextRecord(first, { action: "check", entries: { "0,0": "2" } });
  assert.equal(first.checks, 1);
  assert.equal(again.checks, 2);
  assert.equal(again.entries["0,0"], "2");
});
