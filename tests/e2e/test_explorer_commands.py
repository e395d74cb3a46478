"""The page's one command path: every change is a JSON command, and another page that applies the shared ones
(as a class follower will) shows the same view — without recomputing anything itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DESKTOP, READY, Api, Explorer
from playwright.sync_api import Browser, expect
from test_explorer_share import expect_shows, view_of

from tests.helpers import running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """A server whose page loads its modules one by one (BACKPROP_BUNDLE=0): these tests reach the page's own
    store by importing the page's entry module (main.js, which creates it) by its own URL, and a bundle holds its
    own copy of every module."""
    from app.main import create_app
    from app.settings import Settings

    settings = Settings(log_level="warning", bundle=False)
    with running_server(create_app(settings), settings) as url:
        yield url

# The page's own main.js instance: the same URL as its <script> tag (with its ?v=), so it is not run again.
PAGE_STORE = """const { store } = await import(document.querySelector("script[type=module]").src);"""

RECORD_JS = """async () => {
    """ + PAGE_STORE + """
    const { isShared } = await import("/static/js/store/commands.js");
    window.recorded = [];
    store.onCommand(({ command }) => window.recorded.push({ command: JSON.stringify(command), shared: isShared(command) }));
}"""

REPLAY_JS = """async (commands) => {
    """ + PAGE_STORE + """
    for (const text of commands) await store.dispatch(JSON.parse(text));
}"""


def test_shared_commands_replayed_on_another_page_give_the_same_view(explorer: Explorer, browser: Browser, base_url: str) -> None:
    explorer.fresh()
    page = explorer.page
    page.evaluate(RECORD_JS)
    explorer.by_testid("preset").select_option("moons")
    explorer.expect_step("fwd:H1")
    explorer.by_testid("next-iteration").click()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 2")
    explorer.go_to("bwd:dL/dW1")
    explorer.by_testid("decimals").fill("4")
    page.locator("#step-panel .matrix-group.result td[data-row='1'][data-col='0']").click()
    page.locator("#neuron-view [data-neuron='1,1']").hover()
    expect(explorer.by_testid("scalar-formula")).to_be_visible()
    recorded: list[dict[str, Any]] = page.evaluate("() => window.recorded")
    types = {json.loads(r["command"])["type"]: r["shared"] for r in recorded}
    assert {"load", "step", "options", "select"} <= {t for t, shared in types.items() if shared}
    assert types.get("hover") is False  # pointing stays on this page
    shared = [r["command"] for r in recorded if r["shared"]]
    before = view_of(explorer)

    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    try:
        follower = Explorer(context.new_page())
        follower.page.goto("/#lang=en&preset=exercise")
        follower.page.locator(READY).wait_for(state="attached")
        asked: list[str] = []
        follower.page.on("request", lambda r: asked.append(r.url.split("/api/")[1]) if "/api/" in r.url else None)
        follower.page.evaluate(REPLAY_JS, shared)
        follower.expect_step("bwd:dL/dW1")
        assert view_of(follower) == before
        assert [a for a in asked if a != "predict"] == ["trace", "trace"]  # one trace per load, nothing else computed
        assert follower.errors == []
    finally:
        context.close()


def test_a_wrong_command_is_refused_with_the_field_named(explorer: Explorer) -> None:
    explorer.fresh()
    message = explorer.page.evaluate(
        """async () => {
            """ + PAGE_STORE + """
            try { store.dispatch({ type: "options", options: { decimals: 9 } }); } catch (error) { return error.message; }
            return "accepted";
        }"""
    )
    assert message == "options: options.decimals must be a whole number from 0 to 6, not 9"
    expect(explorer.by_testid("decimals")).to_have_value("3")


def test_edit_cell_traces_the_changed_request_and_stays_on_the_step(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise&step=fwd:O1")
    explorer.go_to("fwd:H1")
    explorer.page.evaluate(
        """async () => {
            """ + PAGE_STORE + """
            const { editCell } = await import("/static/js/store/actions.js");
            await editCell(store, { matrix: "W1", row: 0, col: 1, value: 0.5 });
            await editCell(store, { matrix: "X", row: 2, col: 0, value: -1.25 });
        }"""
    )
    request = api.presets()["exercise"]["request"]
    trace = api.trace(request)
    edited = {**request, "weights": trace["spec"]["weights"], "X": [row[:] for row in request["X"]]}
    edited["weights"][0][0][1] = 0.5
    edited["X"][2][0] = -1.25
    expected = api.trace(edited)

    explorer.expect_step("fwd:H1")
    expect(explorer.by_testid("preset")).to_have_value("")  # edited: no preset any more
    expect_shows(explorer, expected, "W1")
    expect_shows(explorer, expected, "X")
    expect_shows(explorer, expected, "H1")
    assert explorer.errors == []
