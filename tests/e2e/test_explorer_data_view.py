"""The "Data and predictions" view: points of X over the network's ŷ, linked to the matrix rows."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Api, Explorer

GRID = 30
POINT = "#data-view .dv-point[data-obs='{i}']"


def open_moons_and_catch_predict(explorer: Explorer) -> dict[str, Any]:
    """Load the moons preset and return the body of the page's first /api/predict request."""
    with explorer.page.expect_request("**/api/predict") as caught:
        explorer.fresh("lang=en&preset=moons")
    expect(explorer.page.locator("[data-testid=data-view-grid]")).to_have_attribute("data-state", "ready")
    return caught.value.post_data_json


def cell_predictions(explorer: Explorer) -> list[float]:
    return explorer.page.locator("#data-view .dv-cell").evaluate_all("cells => cells.map((c) => Number(c.dataset.yhat))")


def cell_fills(explorer: Explorer) -> list[str]:
    return explorer.page.locator("#data-view .dv-cell").evaluate_all("cells => cells.map((c) => c.getAttribute('fill'))")


def test_moons_points_and_grid_match_the_api(explorer: Explorer, api: Api) -> None:
    body = open_moons_and_catch_predict(explorer)
    trace = api.preset_trace("moons")
    X = trace["forward"]["X"]
    expect(explorer.page.locator("#data-view .dv-point")).to_have_count(len(X))
    assert len(X) == 64
    expect(explorer.page.locator("#data-view .dv-cell")).to_have_count(GRID * GRID)
    # 0/1 targets: y = 1 a filled circle, y = 0 a hollow square
    expect(explorer.page.locator("#data-view circle.dv-point.dv-class1")).to_have_count(sum(row[0] == 1 for row in trace["forward"]["y"]))
    expect(explorer.page.locator("#data-view rect.dv-point.dv-class0")).to_have_count(sum(row[0] == 0 for row in trace["forward"]["y"]))

    # The page asks for the trace's own network on a 30×30 grid over X's bounding box plus 10 %.
    assert body["weights"] == trace["spec"]["weights"] and body["biases"] == trace["spec"]["biases"]
    assert len(body["X"]) == GRID * GRID
    low1, high1 = min(r[0] for r in X), max(r[0] for r in X)
    low2, high2 = min(r[1] for r in X), max(r[1] for r in X)
    pad1, pad2 = 0.1 * (high1 - low1), 0.1 * (high2 - low2)
    step1, step2 = (high1 - low1 + 2 * pad1) / GRID, (high2 - low2 + 2 * pad2) / GRID
    assert abs(body["X"][0][0] - (low1 - pad1 + step1 / 2)) < 1e-12  # top-left cell
    assert abs(body["X"][0][1] - (high2 + pad2 - step2 / 2)) < 1e-12
    assert abs(body["X"][-1][0] - (high1 + pad1 - step1 / 2)) < 1e-12  # bottom-right cell

    expected = api.client.post("/api/predict", json=body).json()["y_hat"]
    shown = cell_predictions(explorer)
    for index in (0, 7, 450, 899):
        assert shown[index] == expected[index][0], f"cell {index}"
    assert explorer.errors == []


def test_a_point_and_its_rows_light_each_other(explorer: Explorer) -> None:
    open_moons_and_catch_predict(explorer)
    explorer.expect_step("fwd:H1")
    explorer.page.locator(POINT.format(i=3)).hover()
    x_row = explorer.page.locator("#step-panel td[data-matrix-id='X'][data-row='3']")
    expect(x_row).to_have_count(2)
    for k in range(2):
        expect(x_row.nth(k)).to_contain_class("cell pos is-hover")  # X cells are also "editable"
    expect(explorer.page.locator("#step-panel td[data-matrix-id='H1'][data-row='3'].is-hover")).to_have_count(8)
    expect(explorer.page.locator("#step-panel td.is-hover:not([data-row='3'])")).to_have_count(0)

    explorer.page.locator("#step-panel td[data-matrix-id='H1'][data-row='3'][data-col='1']").hover()
    expect(explorer.page.locator("#data-view .dv-point.is-hover")).to_have_count(1)
    expect(explorer.page.locator(f"{POINT.format(i=3)}.is-hover")).to_have_count(1)
    explorer.page.locator("#step-panel td[data-matrix-id='W1'][data-row='0'][data-col='1']").hover()
    expect(explorer.page.locator("#data-view .dv-point.is-hover")).to_have_count(0)  # a weight is no observation
    assert explorer.errors == []


def test_after_the_update_repaints_and_a_step_change_costs_nothing(explorer: Explorer, api: Api) -> None:
    open_moons_and_catch_predict(explorer)
    grid = explorer.page.locator("[data-testid=data-view-grid]")
    before = cell_fills(explorer)
    explorer.page.locator("#data-view svg.dv-plot").evaluate("svg => { svg.dataset.probe = 'kept'; }")
    predicts: list[str] = []
    explorer.page.on("request", lambda request: predicts.append(request.url) if "/api/predict" in request.url else None)

    explorer.by_testid("step-next").click()
    explorer.by_testid("step-last").click()
    explorer.expect_step("upd:b2")
    expect(explorer.page.locator("#data-view svg.dv-plot[data-probe='kept']")).to_have_count(1)  # not re-rendered
    assert predicts == []

    with explorer.page.expect_request("**/api/predict") as caught:
        explorer.by_testid("data-view-after").focus()
        explorer.page.keyboard.press("Space")  # the toggle works from the keyboard
    expect(grid).to_have_attribute("data-weights", "after")
    expect(grid).to_have_attribute("data-state", "ready")
    trace = api.preset_trace("moons")
    assert caught.value.post_data_json["weights"] == trace["updated"]["W"]
    after = cell_fills(explorer)
    assert sum(a != b for a, b in zip(before, after)) > GRID  # one gradient step moved the colours
    expected = api.client.post("/api/predict", json=caught.value.post_data_json).json()["y_hat"]
    assert cell_predictions(explorer)[123] == expected[123][0]

    explorer.by_testid("data-view-after").click()  # back: served from the cache
    expect(grid).to_have_attribute("data-weights", "before")
    assert cell_fills(explorer) == before
    assert len(predicts) == 1
    explorer.by_testid("data-view-after").click()
    explorer.page.locator(POINT.format(i=3)).hover()
    explorer.page.locator("#data-view").scroll_into_view_if_needed()
    explorer.screenshot("data-view")
    assert explorer.errors == []


def test_three_inputs_show_the_sentence(explorer: Explorer) -> None:
    explorer.fresh()
    expect(explorer.page.locator("#data-view .dv-point")).to_have_count(4)  # the exercise: 2 inputs, 1 output
    explorer.page.locator("#editor summary").click()
    explorer.by_testid("editor-layers").fill("3, 2, 1")
    explorer.by_testid("editor-X").fill("0 1 5\n1 0 5\n1 1 5\n2 1 5")
    explorer.by_testid("editor-apply").click()
    sentence = explorer.by_testid("data-view-unsupported")
    expect(sentence).to_have_text("This picture needs a network with 2 inputs and 1 output; this one is 3 → 2 → 1.")
    expect(explorer.page.locator("#data-view svg")).to_have_count(0)
    assert explorer.errors == []
