"""axe-core on every view of the explorer: no serious or critical violation (the target of issue 9).

Each view is checked where a learner meets it: the desktop page at 1440 px, a backward step, the open
editor, and a 390 px phone in Russian. New views (hand check, gradient check …) add a case here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Explorer, axe_violations
from playwright.sync_api import BrowserContext, expect

pytestmark = pytest.mark.e2e

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def at_backward_step(explorer: Explorer) -> None:
    explorer.go_to("bwd:dL/dW2")


def with_editor_open(explorer: Explorer) -> None:
    explorer.page.locator("#editor summary").click()
    explorer.by_testid("editor-apply").wait_for()


def with_editor_problems(explorer: Explorer) -> None:
    with_editor_open(explorer)
    explorer.by_testid("editor-layers").fill("2, 17, 1")
    explorer.by_testid("editor-y").fill("0,5\n1,5")
    explorer.by_testid("editor-apply").click()
    explorer.by_testid("editor-error-layers").wait_for()


def presenting_a_class(explorer: Explorer) -> None:
    explorer.by_testid("class-start").click()
    expect(explorer.by_testid("class-connection")).to_have_attribute("data-state", "live")


def following_a_class(explorer: Explorer) -> None:
    room = explorer.page.evaluate("""async () => (await fetch("/api/class/rooms", {method: "POST",
        headers: {"Content-Type": "application/json"}, body: "{}"})).json()""")
    explorer.page.goto(room["join_path"])
    expect(explorer.by_testid("class-connection")).to_have_attribute("data-state", "live")
    explorer.page.locator("[data-testid=class-mode][data-mode=following]").wait_for()


def joining_with_a_wrong_code(explorer: Explorer) -> None:
    explorer.page.goto("/join")
    explorer.by_testid("join-code").fill("ZZZZZZ")
    explorer.by_testid("join-code").press("Enter")
    explorer.by_testid("class-problem").filter(has_text="ZZZZZZ").wait_for()
    explorer.errors.clear()  # the lookup's 404 is the answer being tested, not a fault


def presenting_a_question_in_the_projector_layout(explorer: Explorer) -> None:
    presenting_a_class(explorer)
    explorer.by_testid("class-projector").check()
    explorer.by_testid("class-ask-kind").select_option("value")
    explorer.by_testid("class-ask-send").click()
    explorer.by_testid("class-reveal").wait_for()


def answering_a_question(explorer: Explorer) -> None:
    """A student with a question open, who typed something that is not a number (the message is shown)."""
    teacher = Explorer(explorer.page.context.new_page())
    try:
        teacher.open("lang=en&preset=exercise")
        presenting_a_class(teacher)
        code = teacher.by_testid("class-code").inner_text()
        explorer.page.goto(f"/join/{code}")
        explorer.page.locator("[data-testid=class-mode][data-mode=following]").wait_for()
        teacher.by_testid("class-ask-kind").select_option("value")
        teacher.by_testid("class-ask-send").click()
        explorer.by_testid("class-answer-0").fill("abc")
        explorer.by_testid("class-answer-send").click()
        explorer.by_testid("class-answer-problem").filter(has_text="abc").wait_for()
    finally:
        teacher.page.close()


VIEWS: dict[str, tuple[dict[str, int], str, Callable[[Explorer], None] | None]] = {
    "desktop": (WIDE, "lang=en&preset=exercise", None),
    "backward-step": (WIDE, "lang=en&preset=deep", at_backward_step),
    "editor": (WIDE, "lang=en&preset=exercise", with_editor_open),
    "editor-problems-russian": (WIDE, "lang=ru&preset=exercise", with_editor_problems),
    "phone-russian": (PHONE, "lang=ru&preset=exercise", None),
    "class-presenter": (WIDE, "lang=en&preset=exercise", presenting_a_class),
    "class-student-phone-russian": (PHONE, "lang=ru&preset=exercise", following_a_class),
    "class-join": (WIDE, "lang=en&preset=exercise", joining_with_a_wrong_code),
    "class-presenter-projector-question": ({"width": 1280, "height": 720}, "lang=en&preset=exercise",
                                           presenting_a_question_in_the_projector_layout),
    "class-student-phone-question-russian": (PHONE, "lang=ru&preset=exercise", answering_a_question),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_no_serious_or_critical_axe_violation(axe_context: BrowserContext, view: str) -> None:
    viewport, hash_, prepare = VIEWS[view]
    page = axe_context.new_page()
    try:
        page.set_viewport_size(viewport)
        explorer = Explorer(page)
        explorer.open(hash_)
        if prepare:
            prepare(explorer)

        assert axe_violations(page) == []
        assert [v["id"] for v in axe_violations(page, impacts=("minor", "moderate"))] == []
        assert explorer.errors == []
    finally:
        page.close()
