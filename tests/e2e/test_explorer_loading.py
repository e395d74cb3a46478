"""Loading traces: when answers arrive out of order, the page shows the one the learner asked for last."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

READY = "body[data-ready='true']"


def test_a_late_answer_to_an_earlier_choice_does_not_replace_the_latest(page: Page, page_errors: list[str]) -> None:
    page.goto("/#lang=en&preset=exercise")
    page.locator(READY).wait_for(state="attached")
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/trace", hold_the_first)
    page.get_by_test_id("preset").select_option("xor")  # its answer is held back
    page.get_by_test_id("preset").select_option("deep")
    expect(page.get_by_test_id("step-counter")).to_contain_text("of 33")

    held[0].continue_()  # now the XOR answer arrives, late
    page.wait_for_timeout(500)

    expect(page.get_by_test_id("step-counter")).to_contain_text("of 33")
    expect(page.locator("#matrix-graph [data-node-id='W4']")).to_have_count(1)  # still the deep net
    assert page_errors == []


def test_stepping_never_asks_the_server(page: Page, page_errors: list[str]) -> None:
    page.goto("/#lang=en&preset=deep")
    page.locator(READY).wait_for(state="attached")
    page.wait_for_load_state("networkidle")  # the data view's predictions are in
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/api/" in request.url else None)

    for _ in range(12):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    page.keyboard.press("Home")

    expect(page.get_by_test_id("step-counter")).to_contain_text("1 of 33")
    assert asked == []  # (KaTeX may still load a font it had not needed yet: a static file, no computing)
    assert page_errors == []
