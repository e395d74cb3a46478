"""Share: the URL reproduces the exact view (network, data, weights, step, iteration, history) after a reload
and in a new browser; a view too large for a link says so and travels as a state file instead."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import DESKTOP, READY, Api, Explorer, close_at, resolve_matrix, shown_number
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e

PRESETS = ["exercise", "xor", "moons", "deep"]


def next_request(request: dict[str, Any], trace: dict[str, Any]) -> dict[str, Any]:
    """The request of the following iteration, as the page builds it."""
    following = {**request, "weights": trace["updated"]["W"]}
    if trace["spec"]["bias"]:
        following["biases"] = trace["updated"]["b"]
    return following


def trace_after(api: Api, preset_id: str, iterations: int) -> dict[str, Any]:
    """The API's trace of a preset after `iterations` × Next iteration."""
    request = api.presets()[preset_id]["request"]
    trace = api.trace(request)
    for _ in range(iterations):
        request = next_request(request, trace)
        trace = api.trace(request)
    return trace


def next_iterations(explorer: Explorer, count: int, start: int = 1) -> None:
    for n in range(start + 1, start + count + 1):
        explorer.by_testid("next-iteration").click()
        expect(explorer.by_testid("iteration")).to_have_text(f"Iteration {n}")


def expect_shows(explorer: Explorer, trace: dict[str, Any], matrix_id: str, decimals: int = 3) -> None:
    """The step panel's table of `matrix_id` shows the trace's values at `decimals`."""
    expected = resolve_matrix(trace, matrix_id)
    expect(explorer.page.locator(f"#step-panel table[data-matrix-id='{matrix_id}']")).to_be_visible()
    shown = explorer.table_texts(matrix_id)
    assert shown is not None
    for r, row in enumerate(shown):
        for c, text in enumerate(row):
            assert close_at(shown_number(text), float(expected[r][c]), decimals), (matrix_id, r, c, text, expected[r][c])


def wait_for_link(explorer: Explorer) -> str:
    """The share box's link once the hash holds the current state (written shortly after each change)."""
    share = explorer.by_testid("share")
    if share.get_attribute("open") is None:
        share.locator("summary").click()
    link = explorer.by_testid("share-link")
    # Both sides are read on every poll: the hash may be written again after the first look (debounced).
    explorer.page.wait_for_function(
        "() => document.querySelector('[data-testid=share-link]')?.value === location.href", timeout=10_000
    )
    return link.input_value()


def go_and_wait_for_the_url(explorer: Explorer, step_id: str) -> None:
    """Go to a step and wait until the URL hash names it (the hash is written once stepping pauses)."""
    explorer.go_to(step_id)
    expect(explorer.page).to_have_url(re.compile("step=" + re.escape(quote(step_id, safe=""))))


def view_of(explorer: Explorer) -> dict[str, Any]:
    """What the page shows, for comparing two pages: step, iteration, preset, options, tables, charts, training text."""
    page = explorer.page
    return {
        **{key: explorer.snapshot()[key] for key in ("stepId", "counter", "current")},
        "iteration": explorer.by_testid("iteration").text_content(),
        "preset": explorer.by_testid("preset").input_value(),
        "decimals": explorer.by_testid("decimals").input_value(),
        "tables": page.evaluate(
            """() => [...document.querySelectorAll("#step-panel table[data-matrix-id]")].map(
                (table) => [table.dataset.matrixId, [...table.querySelectorAll("td")].map((td) => td.textContent)])"""
        ),
        "scalar": page.locator("[data-testid=scalar-formula]:not([hidden]) annotation").all_text_contents(),
        "lossPoints": page.locator("#iteration-chart .loss-dot title").all_text_contents(),
        "trainCurve": page.locator("#train-chart path.loss-line").get_attribute("d") if page.locator("#train-chart path.loss-line").count() else None,
        "trainResult": page.locator("#train-result").text_content(),
    }


def open_in_new_browser(browser: Browser, base_url: str, url: str = "/") -> tuple[Explorer, Any]:
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    other = Explorer(page)
    page.goto(url)
    page.locator(READY).wait_for(state="attached", timeout=20_000)
    return other, context


def test_deep_next_iteration_then_reload_shows_the_new_weights(explorer: Explorer, api: Api) -> None:
    first, second = trace_after(api, "deep", 0), trace_after(api, "deep", 1)
    rounded = lambda trace: [[round(w, 3) for w in row] for row in trace["spec"]["weights"][0]]  # noqa: E731
    assert rounded(first) != rounded(second)  # W₁ of iteration 2 shows different numbers
    explorer.fresh("lang=en&preset=deep")
    next_iterations(explorer, 1)
    go_and_wait_for_the_url(explorer, "fwd:O1")
    go_and_wait_for_the_url(explorer, "fwd:H1")  # the hash written after the new iteration

    explorer.page.reload()
    explorer.page.locator(READY).wait_for(state="attached")

    expect(explorer.by_testid("iteration")).to_have_text("Iteration 2")
    explorer.expect_step("fwd:H1")
    expect_shows(explorer, second, "W1")
    assert explorer.errors == []


def test_a_reload_keeps_the_loss_history_the_training_curve_and_result(explorer: Explorer) -> None:
    explorer.fresh()
    explorer.by_testid("train-epochs").fill("40")
    explorer.by_testid("train").click()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 41")
    next_iterations(explorer, 1, start=41)
    expect(explorer.page.locator("#train-result")).to_contain_text("Trained 40 epochs")
    go_and_wait_for_the_url(explorer, "fwd:O1")
    before = view_of(explorer)
    assert len(before["lossPoints"]) == 3 and before["trainCurve"]

    explorer.page.reload()
    explorer.page.locator(READY).wait_for(state="attached")

    expect(explorer.by_testid("iteration")).to_have_text("Iteration 42")
    assert view_of(explorer) == before
    assert explorer.errors == []


@pytest.mark.parametrize("preset_id", PRESETS)
def test_a_copied_link_opens_the_exact_view_in_a_new_browser(
    explorer: Explorer, api: Api, browser: Browser, base_url: str, preset_id: str
) -> None:
    explorer.fresh(f"lang=en&preset={preset_id}")
    next_iterations(explorer, 3)
    trace = trace_after(api, preset_id, 3)
    step = next(s for s in trace["steps"] if s["output"] == "dL/dW1")
    explorer.by_testid("decimals").fill("5")
    explorer.go_to(step["id"])
    explorer.page.locator("#step-panel .matrix-group.result td[data-row='0'][data-col='0']").click()
    expect(explorer.by_testid("scalar-formula")).to_be_visible()
    before = view_of(explorer)
    link = wait_for_link(explorer)
    assert len(link) <= 32_000

    other, context = open_in_new_browser(browser, base_url, link)
    try:
        other.expect_step(step["id"])
        expect(other.by_testid("scalar-formula")).to_be_visible()
        assert view_of(other) == before
        expect_shows(other, trace, "dL/dW1", decimals=5)
        assert other.errors == []
    finally:
        context.close()


def largest_network_texts(rows: int, width: int, seed: int = 7) -> tuple[str, str]:
    """X and y as the editor's text for the widest network at `rows` rows (values in [0, 1])."""
    rng = random.Random(seed)
    lines = lambda: "\n".join(" ".join(f"{rng.random():.4f}" for _ in range(width)) for _ in range(rows))  # noqa: E731
    return lines(), lines()


def test_a_state_file_restores_the_largest_network_that_a_link_cannot_hold(
    explorer: Explorer, browser: Browser, base_url: str, tmp_path: Path
) -> None:
    explorer.fresh()
    page = explorer.page
    x_text, y_text = largest_network_texts(512, 16)
    page.locator("[data-testid=editor] summary").click()
    explorer.by_testid("editor-layers").fill(", ".join(["16"] * 9))
    for k in range(1, 9):
        explorer.by_testid(f"editor-activation-{k}").select_option("tanh" if k < 8 else "identity")
    explorer.by_testid("editor-X").fill(x_text)
    explorer.by_testid("editor-y").fill(y_text)
    explorer.by_testid("editor-apply").click()
    expect(explorer.by_testid("step-counter")).to_contain_text("Step 1 of", timeout=30_000)
    explorer.by_testid("next-iteration").click()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 2", timeout=30_000)
    explorer.go_to("fwd:H3")
    share = explorer.by_testid("share")
    share.locator("summary").click()
    expect(explorer.by_testid("share-too-long")).to_be_visible()
    expect(explorer.by_testid("share-status")).to_contain_text("too large for a link")
    expect(explorer.by_testid("share-copy")).to_be_disabled()
    assert "toolong=1" in page.url and "&s=" not in page.url
    before = view_of(explorer)
    with page.expect_download() as download:
        explorer.by_testid("state-save").click()
    saved = tmp_path / "state.json"
    download.value.save_as(saved)

    other, context = open_in_new_browser(browser, base_url)
    try:
        other.by_testid("share").locator("summary").click()
        other.by_testid("state-open").set_input_files(str(saved))
        expect(other.by_testid("iteration")).to_have_text("Iteration 2", timeout=30_000)
        other.expect_step("fwd:H3")
        assert view_of(other) == before
        assert other.errors == []
    finally:
        context.close()

    # the link of that view does not pretend: it says the view needs its state file
    other, context = open_in_new_browser(browser, base_url, page.url)
    try:
        expect(other.by_testid("warnings")).to_contain_text("too large for a link")
    finally:
        context.close()


def test_stepping_a_restored_link_asks_the_server_nothing(explorer: Explorer, browser: Browser, base_url: str) -> None:
    explorer.fresh("lang=en&preset=xor")
    next_iterations(explorer, 2)
    link = wait_for_link(explorer)
    other, context = open_in_new_browser(browser, base_url, link)
    try:
        asked: list[str] = []
        other.page.on("request", lambda request: asked.append(request.url) if "/api/" in request.url else None)
        other.page.locator("body").click(position={"x": 5, "y": 5})
        other.blur()
        for _ in range(6):
            other.page.keyboard.press("ArrowRight")
        other.expect_counter("Step 7 of " + other.by_testid("step-counter").text_content().split(" of ")[1])
        other.page.keyboard.press("End")
        assert asked == []
    finally:
        context.close()


def test_a_link_after_a_long_training_run_fits_and_recomputes_the_same_curve(
    explorer: Explorer, browser: Browser, base_url: str
) -> None:
    explorer.fresh("lang=en&preset=deep")
    explorer.by_testid("train-epochs").fill("10000")
    explorer.by_testid("train").click()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 10001", timeout=60_000)
    go_and_wait_for_the_url(explorer, "fwd:O1")
    before = view_of(explorer)
    link = wait_for_link(explorer)
    assert len(link) <= 32_000 and before["trainCurve"]

    other, context = open_in_new_browser(browser, base_url, link)
    try:
        other.expect_step("fwd:O1")
        assert view_of(other) == before
        assert other.errors == []
    finally:
        context.close()


def test_a_link_pasted_into_the_same_tab_opens_its_view(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=xor")
    next_iterations(explorer, 2)
    go_and_wait_for_the_url(explorer, "fwd:O1")
    before = view_of(explorer)
    link = wait_for_link(explorer)
    explorer.by_testid("preset").select_option("exercise")
    explorer.expect_step("fwd:H1")
    expect(explorer.page).not_to_have_url(link)  # the hash now names the exercise

    explorer.page.goto(link)  # only the hash differs: no reload

    explorer.expect_step("fwd:O1")
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 3")
    assert view_of(explorer) == before
    assert explorer.errors == []
