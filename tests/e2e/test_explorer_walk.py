"""Walk the exercise preset step by step and compare what the page shows with the API's trace.

At every step: the step id, the active node and edges of the matrix graph, the shape equation and the
numbers of the result table must be the trace's (rounded to the chosen decimals).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import Api, Explorer, close_at, decimals_of, resolve_matrix, shown_number
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SCREENSHOT_AT = {"fwd:H1": "first-step", "bwd:dL/dW2": "backward-step", "upd:W1": "update-step"}


def assert_table_matches(explorer: Explorer, matrix_id: str, expected: list[list[Any]], decimals: int) -> None:
    """Every shown cell of `matrix_id` is the trace's value at `decimals` places, printed with exactly that many."""
    shown = explorer.table_texts(matrix_id)
    assert shown is not None, f"no table for {matrix_id}"
    assert len(shown) == min(len(expected), 8)
    for r, row in enumerate(shown):
        assert len(row) == len(expected[r]), f"{matrix_id} row {r} has {len(row)} cells"
        for c, text in enumerate(row):
            assert decimals_of(text) == decimals, f"{matrix_id}[{r}][{c}] = {text!r}"
            assert close_at(shown_number(text), float(expected[r][c]), decimals), (
                f"{matrix_id}[{r}][{c}] shows {text!r}, the trace has {expected[r][c]}"
            )


def assert_step_shown(explorer: Explorer, trace: dict[str, Any], index: int, decimals: int) -> None:
    step = trace["steps"][index]
    total = len(trace["steps"])
    explorer.expect_step(step["id"])
    seen = explorer.snapshot()
    assert seen["counter"] == f"Step {index + 1} of {total}"
    assert seen["current"] == [step["id"]]
    assert seen["phase"] == step["phase"]
    assert seen["activeNodes"] == [step["node"]]
    assert sorted(seen["activeEdges"]) == sorted(step["edges"])
    assert seen["shapes"] == step["shapes"]
    assert seen["inputs"] == step["inputs"]
    assert seen["result"] == [step["output"]]
    assert_table_matches(explorer, step["output"], resolve_matrix(trace, step["output"]), decimals)
    for matrix_id in step["inputs"]:
        assert_table_matches(explorer, matrix_id, resolve_matrix(trace, matrix_id), decimals)


def test_every_exercise_step_shows_the_trace(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh()
    explorer.blur()

    for index, step in enumerate(trace["steps"]):
        if index:
            explorer.page.keyboard.press("ArrowRight")
        assert_step_shown(explorer, trace, index, decimals=3)
        if step["id"] in SCREENSHOT_AT:
            explorer.screenshot(SCREENSHOT_AT[step["id"]])

    explorer.page.keyboard.press("ArrowRight")  # past the end: stays on the last step
    explorer.expect_counter(f"Step {len(trace['steps'])} of {len(trace['steps'])}")
    assert explorer.errors == []


def test_next_button_walks_with_other_decimals(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh("lang=en&preset=exercise&decimals=5")

    for index in range(len(trace["steps"])):
        if index:
            explorer.by_testid("step-next").click()
        assert_step_shown(explorer, trace, index, decimals=5)

    expect(explorer.by_testid("step-next")).to_be_disabled()
    assert explorer.errors == []


def test_decimals_control_reformats_the_tables(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh()

    explorer.by_testid("decimals").fill("1")

    first_cell = explorer.page.locator("#step-panel td[data-matrix-id='H1']").first
    expect(first_cell).to_have_text(re.compile(r"^\u2212?\d+\.\d$"))
    assert_table_matches(explorer, "H1", resolve_matrix(trace, "H1"), 1)
    assert explorer.errors == []


def test_computed_nodes_are_filled_and_the_rest_hollow(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh()

    first = set(explorer.snapshot()["filled"])
    explorer.go_to("fwd:O2")
    middle = set(explorer.snapshot()["filled"])
    explorer.page.keyboard.press("End")
    explorer.expect_step(trace["steps"][-1]["id"])
    last = set(explorer.snapshot()["filled"])

    given = {"X", "y", "W1", "W2", "W3"}
    assert first == given | {"H1"}
    assert middle == given | {"H1", "O1", "H2", "O2"}
    assert last == {node["id"] for node in trace["graph"]["nodes"]}
    assert explorer.errors == []


def test_the_neuron_view_lights_the_weight_layer_of_the_step(explorer: Explorer) -> None:
    explorer.fresh()

    explorer.go_to("fwd:H2")
    on_forward = explorer.snapshot()["activeWeightLayers"]
    explorer.go_to("bwd:dL/dW3")
    on_backward = explorer.snapshot()["activeWeightLayers"]
    explorer.go_to("fwd:O1")
    on_activation = explorer.snapshot()["activeWeightLayers"]

    assert on_forward == ["2"]
    assert on_backward == ["3"]
    assert on_activation == []
    expect(explorer.page.locator("#neuron-view .nv-column.is-active")).to_have_attribute("data-layer", "1")


def test_a_result_cell_expands_to_its_scalar_sum(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh()
    explorer.go_to("bwd:dL/dW2")

    cell = explorer.page.locator("#step-panel td[data-matrix-id='dL/dW2'][data-row='0'][data-col='1']")
    cell.click()

    expect(explorer.by_testid("scalar-formula")).to_be_visible()
    latex = explorer.tex_source("scalar-formula")
    lhs, general, terms, total = [part.strip() for part in latex.replace("\\displaystyle", "").split("=")]
    assert lhs == r"\frac{\partial L}{\partial w^{2}_{12}}"
    # Σᵢ o¹ᵢ₁·dᵢ₂, whatever letter names the summation index
    assert re.fullmatch(r"\\sum_\{(\w)\} o\^\{1\}_\{\1 ?1\}\\,d_\{\1 ?2\}", general), general
    o1 = resolve_matrix(trace, "O1")
    d = resolve_matrix(trace, "dL/dH2")
    factors = [re.findall(r"\(?(-?\d+\.\d+)\)?", term) for term in terms.split("+")]
    assert len(factors) == len(o1)
    for i, (o_text, d_text) in enumerate(factors):
        assert close_at(float(o_text), o1[i][0], 3) and close_at(float(d_text), d[i][1], 3)
    exact = sum(o1[i][0] * d[i][1] for i in range(len(o1)))
    assert exact == pytest.approx(trace["backward"]["dW"][1][0][1], abs=1e-12)
    assert close_at(float(total), exact, 3)
    assert shown_number(cell.text_content() or "") == float(total)
    operands = explorer.page.locator("#step-panel td.is-operand")
    expect(operands).to_have_count(2 * len(o1))  # column 1 of O1 and column 2 of d
    assert explorer.errors == []
