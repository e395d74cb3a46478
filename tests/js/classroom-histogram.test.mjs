// The presenter's histogram groups value answers at the question's tolerance, with labels that never collide
// (0.573 and 0.5727 once were two bars both reading "0.573"). Run: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { valueGroups, valueLabels } from "../../static/js/classroom/view-histogram.js";
import { answerText, shapeOf, valueDecimals } from "../../static/js/classroom/view-text.js";

const counts = [{ answer: "0.573", count: 2 }, { answer: "0.5727", count: 1 }, { answer: "0.58", count: 1 },
  { answer: "0.5781", count: 1 }];

test("answers within the tolerance are one group, labelled by its most common value", () => {
  const groups = valueGroups(counts, 0.005);
  assert.deepEqual(groups.map((g) => [g.value, g.count]), [[0.573, 3], [0.5781, 2]]);
});

test("a tight tolerance keeps close answers apart, and their labels differ", () => {
  const groups = valueGroups(counts, 0.0001);
  assert.equal(groups.length, 4);
  const labels = valueLabels(groups.map((g) => g.value), 0.0001);
  assert.equal(new Set(labels).size, 4, labels.join(" "));
});

test("labels get more decimals until they differ", () => {
  assert.deepEqual(valueLabels([0.573, 0.5727], 0.005), ["0.5730", "0.5727"]);
});

test("after the reveal a group holds one verdict: a close answer within the tolerance of a right one stays apart", () => {
  const groups = valueGroups([{ answer: 0.2, count: 3, verdict: "right" }, { answer: 0.2049, count: 1, verdict: "close" },
    { answer: 0.2053, count: 1, verdict: "close" }, { answer: 0.9, count: 1, verdict: "wrong" }], 0.0005);
  assert.deepEqual(groups.map((g) => [g.value, g.count, g.verdict]),
    [[0.2, 3, "right"], [0.2049, 2, "close"], [0.9, 1, "wrong"]]);
});

test("a tolerance of 0 groups equal values only", () => {
  assert.equal(valueGroups(counts, 0).length, 4);
  assert.equal(valueDecimals(0), 6);
  assert.equal(valueDecimals(0.005), 3);
});

test("a shape answer reads rows × columns, from the list a page sends or the key a tally groups it under", () => {
  assert.equal(answerText("shape", "4×2"), "4 × 2");
  assert.equal(answerText("shape", [4, 2]), "4 × 2");
  assert.deepEqual(shapeOf("12×3"), [12, 3]);
});
