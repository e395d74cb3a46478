"""The shown-inputs rule on the server (app/core/shown_inputs.py) gives what the page's static/js/tools/shown-inputs.js
gives: both read tests/cases/shown_inputs.json (a trace as the API sends it, and every step's result from its
inputs rounded to the shown decimals). `python -m tests.core.test_shown_inputs` writes the file anew."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from app.api.encoding import encode_trace
from app.core.shown_inputs import shown_inputs_result
from app.core.variants import student_request, trace_of

CASES = Path(__file__).parents[1] / "cases" / "shown_inputs.json"


def cases() -> dict[str, Any]:
    made = []
    for preset in ("exercise", "xor"):  # no bias, sigmoid, half_sse; bias, tanh, a sigmoid output and bce
        request = student_request(preset, "cases", 1)
        trace = trace_of(request)
        results = {step.id: (lambda r: None if r is None else r.tolist())(shown_inputs_result(trace, step, 3))
                   for step in trace.steps}
        made.append({"name": f"{preset}: a student's own numbers (seed 'cases', place 1)", "request": request,
                     "decimals": 3, "trace": orjson.loads(encode_trace(trace)), "results": results})
    return {"about": "Every step's result from its inputs rounded to `decimals` (the 'shown' reference of the one "
                     "judging rule): app/core/shown_inputs.py and static/js/tools/shown-inputs.js both reproduce it "
                     "from `trace` (the API's answer for `request`).", "cases": made}


def test_the_server_computes_every_steps_shown_inputs_result_as_the_case_table_says() -> None:
    table = json.loads(CASES.read_text(encoding="utf-8"))
    assert len(table["cases"]) == 2
    for case in table["cases"]:
        trace = trace_of(case["request"])
        assert orjson.loads(encode_trace(trace)) == case["trace"], "the table's trace is this request's"
        for step in trace.steps:
            expected = case["results"][step.id]
            assert expected is not None, step.id
            result = shown_inputs_result(trace, step, case["decimals"])
            assert result is not None and np.allclose(result, expected, rtol=0, atol=1e-12), step.id
            exact = np.atleast_2d(np.asarray(trace.matrix(step.output), dtype=float))
            assert np.max(np.abs(result - exact)) < 0.01, f"{step.id}: rounding the inputs moves a result a little"


if __name__ == "__main__":
    CASES.write_text(json.dumps(cases(), ensure_ascii=False) + "\n", encoding="utf-8")
