"""A 390×844 phone: no sideways scrolling of the page, every stepping control on screen and working."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import ARTIFACTS, Explorer
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
STEP_CONTROLS = ("step-first", "step-prev", "play", "step-next", "step-last")


@pytest.fixture(scope="module")
def phone(browser: Browser, base_url: str) -> Iterator[Explorer]:
    context = browser.new_context(base_url=base_url, viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Explorer(page)
    context.close()


def test_phone_layout_has_no_horizontal_overflow(phone: Explorer) -> None:
    phone.fresh()

    widths = phone.page.evaluate(
        """() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,
                   viewport: document.documentElement.clientWidth })"""
    )

    assert widths["viewport"] == PHONE["width"]
    assert widths["doc"] <= widths["viewport"] and widths["body"] <= widths["viewport"], widths
    phone.screenshot("phone")
    assert phone.errors == []


def test_phone_shows_every_stepping_control_and_they_work(phone: Explorer) -> None:
    phone.fresh()

    for testid in STEP_CONTROLS:
        control = phone.by_testid(testid)
        expect(control).to_be_visible()
        expect(control).to_be_in_viewport()
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (testid, box)
    expect(phone.by_testid("step-counter")).to_be_in_viewport()

    phone.by_testid("step-next").tap()
    phone.expect_counter("Step 2 of 17")
    phone.by_testid("step-last").tap()
    phone.expect_counter("Step 17 of 17")
    assert phone.errors == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_phone_shows_the_step_panel_first_and_whole_phase_names(phone: Explorer, lang: str) -> None:
    phone.fresh(f"lang={lang}&preset=exercise")

    tops = phone.page.evaluate(
        """() => Object.fromEntries(["#step-panel", "#neuron-view", "#matrix-graph"].map(
            (s) => [s, document.querySelector(s).getBoundingClientRect().top]))"""
    )
    names = phone.page.evaluate(
        """() => [...document.querySelectorAll("#timeline .phase-name")].map(
            (e) => ({text: e.textContent, cut: e.scrollWidth > e.clientWidth,
                     right: e.getBoundingClientRect().right}))"""
    )

    assert tops["#step-panel"] < tops["#neuron-view"] < tops["#matrix-graph"], tops
    assert tops["#step-panel"] < PHONE["height"] / 2, tops  # the step is on the first screen, not below the graphs
    expect(phone.panel()).to_be_in_viewport()
    assert len(names) == 4 and not [n for n in names if n["cut"] or n["right"] > PHONE["width"]], names
    phone.screenshot(f"phone-{lang}")
    assert phone.errors == []


@pytest.mark.parametrize("width", [390, 900])
def test_the_longest_step_list_fits_the_bar_with_whole_phase_names(browser: Browser, base_url: str, width: int) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 844}, locale="ru-RU")
    try:
        explorer = Explorer(context.new_page())
        explorer.open("lang=ru&preset=deep")  # 33 steps

        fit = explorer.page.evaluate(
            """() => {
                const timeline = document.querySelector("#timeline");
                const counter = document.querySelector("[data-testid=step-counter]").getBoundingClientRect();
                return {overflow: timeline.scrollWidth - timeline.clientWidth,
                        overlapsCounter: (({left, right, top, bottom}) => right > counter.left && left < counter.right
                            && bottom > counter.top && top < counter.bottom)(timeline.getBoundingClientRect()),
                        cut: [...document.querySelectorAll("#timeline .phase-name")]
                            .filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent)};
            }"""
        )

        assert fit == {"overflow": 0, "overlapsCounter": False, "cut": []}
        assert explorer.errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("lang", "preset"), [("ru", "exercise"), ("ru", "deep"), ("en", "exercise")])
def test_phone_timeline_phase_names_stand_apart(phone: Explorer, lang: str, preset: str) -> None:
    """"ПОТЕРИ" ran into "ОБРАТНЫЙ" at 390 px (4 px apart, read as one word): between two phase names' drawn
    text (a Range's box, not the group's) there is at least 0.6 em, about two spaces."""
    phone.fresh(f"lang={lang}&preset={preset}")
    names = phone.page.evaluate(
        """() => [...document.querySelectorAll("#timeline .phase-name")].map((name) => {
            const range = document.createRange();
            range.selectNodeContents(name);
            const r = range.getBoundingClientRect();
            return {text: name.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                    em: parseFloat(getComputedStyle(name).fontSize)}; })"""
    )
    assert len(names) == 4
    close = [(a["text"], b["text"], round(b["left"] - a["right"], 1)) for a, b in zip(names, names[1:], strict=False)
             if a["top"] < b["bottom"] and b["top"] < a["bottom"] and b["left"] - a["right"] < 0.6 * a["em"]]
    assert close == []
    ARTIFACTS.mkdir(exist_ok=True)
    phone.page.locator("nav.step-bar").screenshot(path=str(ARTIFACTS / f"explorer-phone-timeline-{lang}-{preset}.png"))


@pytest.mark.parametrize("preset", ["exercise", "deep"])
def test_phone_neuron_view_labels_do_not_overlap(phone: Explorer, preset: str) -> None:
    """In Russian (the longest captions), no two texts drawn in the neuron view overlap, and none is cut off."""
    phone.fresh(f"lang=ru&preset={preset}")
    phone.page.locator("#neuron-view svg .nv-neuron").first.wait_for()
    boxes = phone.page.evaluate(
        """() => {
            const svg = document.querySelector("#neuron-view svg");
            const frame = svg.getBoundingClientRect();
            const texts = [...svg.querySelectorAll("text")].filter((t) => t.textContent.trim() &&
                getComputedStyle(t).display !== "none" && t.getBoundingClientRect().width > 0);
            return { frame: [frame.left, frame.right], texts: texts.map((t) => {
                const r = t.getBoundingClientRect();
                return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
            }) };
        }"""
    )
    texts = boxes["texts"]
    slack = 1.0  # px: glyph boxes of neighbours may touch
    overlaps = [(a["text"], b["text"]) for i, a in enumerate(texts) for b in texts[i + 1:]
                if a["left"] < b["right"] - slack and b["left"] < a["right"] - slack
                and a["top"] < b["bottom"] - slack and b["top"] < a["bottom"] - slack]
    assert overlaps == []
    left, right = boxes["frame"]
    assert [t["text"] for t in texts if t["left"] < left - slack or t["right"] > right + slack] == []
