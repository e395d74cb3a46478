"""The two views linked both ways: a clicked neuron lights its column in W and in the H / O tables and fills
the readout; a clicked edge of the computation graph goes to the step that uses it."""

from __future__ import annotations

import pytest
from conftest import Api, Explorer, close_at, shown_number
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_clicked_neuron_lights_its_column_in_the_h_and_o_tables_and_fills_the_readout(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh("lang=en&preset=exercise&step=fwd:O1")
    page = explorer.page

    page.locator("#neuron-view [data-neuron='1,2']").click()

    selected = page.locator("#step-panel td.is-selected")
    for matrix_id in ("H1", "O1"):
        cells = page.locator(f"#step-panel td[data-matrix-id='{matrix_id}'].is-selected")
        expect(cells).to_have_count(len(trace["forward"]["X"]))
        assert {c.get_attribute("data-col") for c in cells.all()} == {"1"}
    expect(selected).not_to_have_count(0)
    readout = page.locator("#neuron-view .graph-readout")
    expect(readout).not_to_have_text("Hover or focus a neuron or weight: its numbers and its place in W.")
    values = readout.text_content().split(": ")[-1].split("; ")
    column = [row[1] for row in trace["forward"]["O"][0]]
    assert all(close_at(shown_number(v), exact, 3) for v, exact in zip(values, column, strict=True))

    explorer.go_to("fwd:H1")
    page.locator("#neuron-view [data-neuron='0,1']").click()  # input x₁: row 1 of W₁, column 1 of X
    cells = page.locator("#step-panel td[data-matrix-id='X'].is-selected")
    expect(cells).to_have_count(len(trace["forward"]["X"]))
    assert explorer.errors == []


def test_a_clicked_graph_edge_goes_to_the_step_that_uses_it(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh("lang=en&preset=exercise&step=fwd:H1")
    forward = next(s for s in trace["steps"] if s["phase"] == "forward" and s["id"] != "fwd:H1" and s["edges"])
    edge = forward["edges"][0]

    explorer.page.locator(f"#matrix-graph [data-edge-id='{edge}'] .mg-edge-hit").click(force=True)

    explorer.expect_step(forward["id"])
    explorer.go_to(trace["steps"][-1]["id"])  # from an update step, the same edge leads to its backward step
    backward = next(s for s in trace["steps"] if s["phase"] == "backward" and edge in s["edges"])
    explorer.page.locator(f"#matrix-graph [data-edge-id='{edge}'] .mg-edge-hit").click(force=True)
    explorer.expect_step(backward["id"])
    assert explorer.errors == []
