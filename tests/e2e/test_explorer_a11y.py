"""Accessibility and escaping on the explorer page: live announcements, reduced motion, keyboard focus,
and text a user types never becoming markup."""

from __future__ import annotations

from playwright.sync_api import Page, expect

READY = "body[data-ready='true']"
ACTIVE_FLOW = "#matrix-graph .mg-edge.is-active .mg-edge-flow"


def open_page(page: Page, hash_: str = "lang=en&preset=exercise") -> None:
    page.goto(f"/#{hash_}")
    page.locator(READY).wait_for(state="attached")


def test_a_step_change_is_announced_to_screen_readers(page: Page, page_errors: list[str]) -> None:
    open_page(page)

    page.get_by_test_id("step-next").click()

    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_contain_text("2")
    expect(announcer).to_contain_text("17")
    expect(announcer).to_contain_text("O₁")  # the formula, read as text
    assert page_errors == []


def test_active_edges_animate_unless_reduced_motion_is_asked(page: Page) -> None:
    open_page(page)
    animated = page.locator(ACTIVE_FLOW).first.evaluate("el => getComputedStyle(el).animationName")

    page.emulate_media(reduced_motion="reduce")
    still = page.locator(ACTIVE_FLOW).first.evaluate("el => getComputedStyle(el).animationName")

    assert animated != "none"
    assert still == "none"


def test_the_flow_animation_rests_after_a_few_runs(page: Page) -> None:
    """An endless dash animation kept an idle tab's main thread busy (40-45 % of a core in headless Chromium)."""
    page.emulate_media(reduced_motion="no-preference")
    open_page(page, "lang=en&preset=exercise&step=fwd:H1")
    running = "() => document.getAnimations().filter(a => a.playState === 'running').length"
    assert page.evaluate(running) > 0
    for _ in range(80):  # the CSP forbids wait_for_function's eval: poll from here, up to 8 s
        if page.evaluate(running) == 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(running) == 0
    page.get_by_test_id("step-next").click()  # a new step's active edges run it again
    assert page.evaluate(running) > 0


def test_keyboard_focus_is_visible_on_the_step_buttons(page: Page) -> None:
    open_page(page)
    next_button = page.get_by_test_id("step-next")

    next_button.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("step-counter")).to_contain_text("2")
    outline = next_button.evaluate("el => getComputedStyle(el).outlineStyle")
    assert next_button.evaluate("el => el === document.activeElement")
    assert outline not in ("", "none")


def test_typed_markup_is_shown_as_text_never_parsed(page: Page, page_errors: list[str]) -> None:
    open_page(page)
    page.evaluate("() => { window.injected = false; }")
    editor = page.get_by_test_id("editor")
    if editor.evaluate("el => el.tagName") == "DETAILS" and not editor.evaluate("el => el.open"):
        editor.locator("summary").click()
    payload = '<img src=x onerror="window.injected=true">'

    page.get_by_test_id("editor-X").fill(f"1, 2\n{payload}, 3")
    page.get_by_test_id("editor-apply").click()

    errors = page.get_by_test_id("editor-error-X")
    expect(errors).to_contain_text("<img")  # the typed text, shown literally
    assert page.locator("[data-testid=editor-error-X] img").count() == 0
    assert page.evaluate("() => window.injected") is False
