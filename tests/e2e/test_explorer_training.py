"""Training you can watch (issue 9): progress and cancel while training in chunks, a run that stops early
(defect 5) and charts that stay true after training (defect 9)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.conftest import Api, Explorer, close_at, shown_number

TRAIN_ROUTE = "**/api/train"


class HeldTraining:
    """Holds the page's /api/train requests until the test lets each one through (no timing involved)."""

    def __init__(self, explorer: Explorer) -> None:
        self.page = explorer.page
        self.held: list[Route] = []
        self.passing = False
        self.page.route(TRAIN_ROUTE, self._hold)

    def _hold(self, route: Route) -> None:
        if self.passing:
            route.continue_()
        else:
            self.held.append(route)

    def wait_for_request(self) -> None:
        for _ in range(400):  # bounded: each round lets Playwright dispatch the route event
            if self.held:
                return
            self.page.wait_for_timeout(25)
        raise AssertionError("the page sent no training request")

    def release_one(self) -> None:
        self.wait_for_request()
        self.held.pop(0).continue_()

    def release_all(self) -> None:
        """Let every held and later request through, and stop routing."""
        self.passing = True
        while self.held:
            self.held.pop(0).continue_()
        self.page.unroute(TRAIN_ROUTE)


def train(explorer: Explorer, epochs: int) -> None:
    explorer.by_testid("train-epochs").fill(str(epochs))
    explorer.by_testid("train").click()


def trained_weights(api: Api, request: dict[str, Any], epochs: int) -> list[list[list[float]]]:
    response = api.client.post("/api/train", json={**request, "epochs": epochs, "snapshots": 0})
    assert response.status_code == 200, response.text
    return response.json()["weights"]


def expect_w1(explorer: Explorer, weights: list[list[list[float]]]) -> None:
    explorer.go_to("fwd:H1")
    shown = explorer.table_texts("W1")
    for row, exact_row in zip(shown, weights[0], strict=True):
        for text, exact in zip(row, exact_row, strict=True):
            shown_value = shown_number(text)  # past 1e15 the page writes 6.154e+41: compare to 4 digits
            assert close_at(shown_value, exact, 3) or shown_value == pytest.approx(exact, rel=1e-3), (text, exact)


def test_training_shows_its_progress_and_draws_the_curve_chunk_by_chunk(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise")
    held = HeldTraining(explorer)
    progress = explorer.by_testid("train-progress")
    try:
        train(explorer, 100)  # ten chunks of ten epochs
        expect(progress).to_be_visible()
        expect(progress).to_have_attribute("max", "100")
        expect(explorer.by_testid("train-cancel")).to_be_enabled()
        held.release_one()
        expect(progress).to_have_attribute("value", "10")
        expect(explorer.page.locator(".train-progress-text")).to_have_text(re.compile(r"^Epoch 10 of 100, loss \d+\.\d{4}$"))
        for chart in ("#train-chart", "#iteration-chart"):  # the curve so far: epochs 0..10
            expect(explorer.page.locator(f"{chart} path.loss-line")).to_have_attribute("d", re.compile(r"^M[^M]*(L[^L]*){10}$"))
        expect(explorer.by_testid("iteration")).to_have_text("Iteration 1")  # the weights shown are still these
        explorer.screenshot("training-progress-en")
    finally:
        held.release_all()
    expect(explorer.page.locator("#train-result")).to_contain_text("Trained 100 epochs", timeout=60_000)
    expect(progress).to_be_hidden()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 101")
    expect_w1(explorer, trained_weights(api, api.presets()["exercise"]["request"], 100))
    assert explorer.errors == []


def test_cancel_stops_after_the_current_chunk_and_keeps_what_was_trained(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=ru&preset=exercise")
    held = HeldTraining(explorer)
    try:
        train(explorer, 200)  # chunks of 20
        held.wait_for_request()
        explorer.by_testid("train-cancel").click()
        expect(explorer.page.locator(".train-progress-text")).to_contain_text("Остановка")
        expect(explorer.by_testid("train-cancel")).to_be_disabled()
        explorer.screenshot("training-cancelling-ru")
        held.release_one()
        expect(explorer.page.locator("#train-result")).to_contain_text("Отменено после 20 из 200 эпох")
    finally:
        held.release_all()
    expect(explorer.by_testid("train-progress")).to_be_hidden()
    expect(explorer.by_testid("iteration")).to_have_text("Итерация 21")
    expect_w1(explorer, trained_weights(api, api.presets()["exercise"]["request"], 20))
    assert explorer.errors == []


def open_request(explorer: Explorer, request: dict[str, Any]) -> None:
    """Open `request` through a state file, as a teacher would hand it on."""
    state = {"request": request, "presetId": None, "iteration": 0, "stepId": None, "lossHistory": [], "training": None}
    text = json.dumps({"format": "backprop-explorer-state", "version": 1, "state": state})
    explorer.by_testid("share").locator("summary").click()
    explorer.by_testid("state-open").set_input_files(
        files=[{"name": "state.json", "mimeType": "application/json", "buffer": text.encode()}]
    )
    explorer.by_testid("share").locator("summary").click()


def test_defect_5_a_run_that_stops_early_says_where_and_counts_only_the_epochs_it_kept(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise")
    request = {**api.presets()["exercise"]["request"], "activations": ["identity"] * 3, "learning_rate": 5}
    open_request(explorer, request)
    expect(explorer.page.locator("#loading")).to_be_hidden()

    train(explorer, 300)

    result = explorer.page.locator("#train-result")
    expect(result).to_contain_text("Stopped early at epoch 4 of 300", timeout=30_000)
    expect(result).to_contain_text("NaN")
    assert "Trained 300" not in result.text_content()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 4")  # three updates were kept
    expect_w1(explorer, trained_weights(api, request, 3))
    assert explorer.errors == []


def path_points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]


def test_defect_9_the_charts_follow_every_trained_epoch(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    for label in ("Iteration 2", "Iteration 3"):
        explorer.by_testid("next-iteration").click()
        expect(explorer.by_testid("iteration")).to_have_text(label)

    train(explorer, 500)

    expect(explorer.page.locator("#train-result")).to_contain_text("Trained 500 epochs", timeout=60_000)
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 503")
    per_iteration = path_points(explorer.page.locator("#iteration-chart path.loss-line").get_attribute("d"))
    assert len(per_iteration) == 503  # iterations 1..503, each trained epoch among them
    xs = [x for x, _ in per_iteration]
    assert xs == sorted(xs) and max(b - a for a, b in zip(xs, xs[1:])) < 1  # no long straight jump
    assert explorer.page.locator("#iteration-chart .loss-dot").count() == 4  # the iterations stepped through
    axis = explorer.page.locator("#train-chart .axes text").all_text_contents()
    assert axis[2:4] == ["0", "500"]  # 500 epochs: the loss before the first update, then after each
    assert len(path_points(explorer.page.locator("#train-chart path.loss-line").get_attribute("d"))) == 501
    assert explorer.errors == []
