"""Switching presets redraws both graph views and the matrices with the new network's shapes."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Api, Explorer, close_at, resolve_matrix, shown_number
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def weight_count(layers: list[int]) -> int:
    return sum(a * b for a, b in zip(layers, layers[1:]))


def assert_network_drawn(explorer: Explorer, trace: dict[str, Any]) -> None:
    """The timeline, both graph views and the first step's tables match `trace`'s structure."""
    layers = trace["spec"]["layers"]
    page = explorer.page
    explorer.expect_counter(f"Step 1 of {len(trace['steps'])}")
    marks = page.locator("#timeline .mark")
    expect(marks).to_have_count(len(trace["steps"]))
    assert [m.get_attribute("data-step-id") for m in marks.all()] == [s["id"] for s in trace["steps"]]
    expect(page.locator("#matrix-graph [data-node-id]")).to_have_count(len(trace["graph"]["nodes"]))
    expect(page.locator("#matrix-graph [data-edge-id]")).to_have_count(len(trace["graph"]["edges"]))
    expect(page.locator("#neuron-view .nv-neuron:not(.nv-bias-node)")).to_have_count(sum(layers))
    expect(page.locator("#neuron-view [data-weight]")).to_have_count(weight_count(layers))
    expect(page.locator("#neuron-view [data-bias]")).to_have_count(sum(layers[1:]) if trace["spec"]["bias"] else 0)
    rows = len(trace["forward"]["X"])
    for node in trace["graph"]["nodes"]:
        shape = f"[{rows if node['shape'][0] == 'n' else node['shape'][0]}×{node['shape'][1]}]"
        graph_node = page.locator(f"#matrix-graph [data-node-id='{node['id']}']")
        expect(graph_node.locator(".mg-node-shape")).to_have_text(shape)
        if node["shape"][0] == "n":  # the literal [n×k] is in its accessible name
            assert f"[n×{node['shape'][1]}]" in (graph_node.get_attribute("aria-label") or "")
    first = trace["steps"][0]
    explorer.expect_step(first["id"])
    for matrix_id in [*first["inputs"], first["output"]]:
        matrix = resolve_matrix(trace, matrix_id)
        caption = page.locator(f"#step-panel table[data-matrix-id='{matrix_id}'] caption .matrix-shape")
        expect(caption).to_have_text(f"[{len(matrix)}×{len(matrix[0])}]")


def choose(explorer: Explorer, preset_id: str) -> None:
    explorer.by_testid("preset").select_option(preset_id)


def test_the_deep_preset_redraws_everything_with_its_shapes(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("deep")
    assert trace["spec"]["layers"] == [2, 8, 8, 8, 1]
    explorer.fresh()

    choose(explorer, "deep")

    assert_network_drawn(explorer, trace)
    explorer.screenshot("deep-preset")
    explorer.blur()
    for index, step in enumerate(trace["steps"]):
        if index:
            explorer.page.keyboard.press("ArrowRight")
        explorer.expect_step(step["id"])
        seen = explorer.snapshot()
        assert (seen["activeNodes"], sorted(seen["activeEdges"])) == ([step["node"]], sorted(step["edges"])), step["id"]
        assert (seen["shapes"], seen["result"]) == (step["shapes"], [step["output"]]), step["id"]
    assert explorer.errors == []


def test_deep_tables_show_the_first_rows_then_all(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("deep")
    explorer.fresh("lang=en&preset=deep&step=fwd:H2")
    explorer.expect_step("fwd:H2")
    h2 = resolve_matrix(trace, "H2")
    assert len(h2) == 64

    shown = explorer.table_texts("H2")
    assert shown is not None and len(shown) == 8
    expect(explorer.page.locator("#step-panel table[data-matrix-id='W2'] td")).to_have_count(64)
    explorer.page.locator("#step-panel table[data-matrix-id='H2']").locator("xpath=ancestor::figure").get_by_test_id(
        "show-all-rows").click()

    expect(explorer.page.locator("#step-panel table[data-matrix-id='H2'] tbody tr")).to_have_count(64)
    shown = explorer.table_texts("H2")
    assert shown is not None
    assert all(close_at(shown_number(shown[r][c]), h2[r][c], 3) for r in range(64) for c in range(8))
    assert explorer.errors == []


def test_switching_between_presets_follows_each_trace(explorer: Explorer, api: Api) -> None:
    explorer.fresh()

    for preset_id in ("xor", "moons", "exercise"):
        choose(explorer, preset_id)
        assert_network_drawn(explorer, api.preset_trace(preset_id))

    assert explorer.errors == []
