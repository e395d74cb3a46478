// The loss chart's axis ends fit their margin, and a wide range is drawn on a log scale.
import { test } from "node:test";
import assert from "node:assert/strict";
import { axisNumber, wantsLog } from "../../static/js/explorer/chart.js";

test("a huge axis end is short: mantissa and exponent, never a clipped tail", () => {
  assert.equal(axisNumber(1.8e212), "1.8e212");
  assert.equal(axisNumber(12345), "1.2e4");
  assert.equal(axisNumber(0.00012), "1.2e-4");
  assert.equal(axisNumber(0.413), "0.413");
  assert.equal(axisNumber(250.4), "250");
  for (const x of [1.8e212, 3.3e-300, 987654321, 0.5]) assert.ok(axisNumber(x).length <= 8, axisNumber(x));
});

test("a log scale for a positive range wider than 1000×, linear otherwise", () => {
  assert.equal(wantsLog([0.2, 0.1, 5e11]), true);
  assert.equal(wantsLog([0.2, 0.1, 0.05]), false);
  assert.equal(wantsLog([0, 1e6]), false);
  assert.equal(wantsLog([0.2]), false);
});
