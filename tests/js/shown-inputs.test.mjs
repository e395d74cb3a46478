// The page's shown-inputs rule against the case table the server's port reads too (tests/cases/shown_inputs.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { shownInputsResult } from "../../static/js/tools/shown-inputs.js";

const { cases } = JSON.parse(readFileSync(new URL("../cases/shown_inputs.json", import.meta.url), "utf8"));

test("every step's result from the shown inputs is the server's", () => {
  assert.equal(cases.length, 2);
  for (const { name, trace, decimals, results } of cases) {
    for (const step of trace.steps) {
      const got = shownInputsResult(trace, step, decimals);
      assert.ok(got, `${name} ${step.id}`);
      got.flat().forEach((value, i) => assert.ok(Math.abs(value - results[step.id].flat()[i]) < 1e-9, `${name} ${step.id}`));
    }
  }
});
