"""Classroom mode in real Chromium: one presenter page and two students (separate browser contexts, one a phone)
on the live server at 127.0.0.1. The teacher drives; both students show the same step and the same numbers;
questions go round; a reload stays in the class; a student's key never moves the teacher."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import ARTIFACTS, DESKTOP, READY, Explorer
from playwright.sync_api import Browser, BrowserContext, expect

from app.main import create_app
from app.settings import Settings
from tests.helpers import TEACHER_HEADERS, TEACHER_KEY, running_server

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}
CLASS_TIMEOUT_MS = 15_000


@dataclass
class Class:
    teacher: Explorer
    students: list[Explorer]
    code: str
    contexts: list[BrowserContext]


def mode_of(explorer: Explorer) -> str | None:
    return explorer.by_testid("class-mode").get_attribute("data-mode")


def expect_mode(explorer: Explorer, mode: str) -> None:
    expect(explorer.by_testid("class-mode")).to_have_attribute("data-mode", mode, timeout=CLASS_TIMEOUT_MS)


def result_texts(explorer: Explorer) -> list[tuple[str | None, str | None, str | None, str]]:
    """Every step-panel cell as (matrix id, row, col, text): the numbers a student must share with the teacher.
    Read in one round trip: four per cell took minutes for the larger presets on a busy machine."""
    cells = explorer.page.locator("#step-panel td[data-matrix-id]").evaluate_all(
        "cells => cells.map((c) => [c.dataset.matrixId ?? null, c.dataset.row ?? null, c.dataset.col ?? null,"
        " c.innerText])")
    return [(matrix, row, col, text) for matrix, row, col, text in cells]


def current_step(explorer: Explorer) -> str | None:
    return explorer.page.locator("#timeline [aria-current='step']").get_attribute("data-step-id")


def expect_students_follow(room: Class) -> None:
    """Both students at the teacher's step (timeline and panel) with the teacher's numbers."""
    step = current_step(room.teacher)
    numbers = result_texts(room.teacher)
    assert numbers
    for student in room.students:
        expect(student.page.locator("#timeline [aria-current='step']")).to_have_attribute(
            "data-step-id", step, timeout=CLASS_TIMEOUT_MS)
        student.expect_step(step)
        expect(student.page.locator("#step-panel td[data-matrix-id]").first).to_be_visible()
        # the same numbers, each in the student's own language (a Russian page writes a decimal comma)
        comma = student.page.evaluate("() => document.documentElement.lang") == "ru"
        shown = [(m, r, c, text.replace(".", ",") if comma else text) for m, r, c, text in numbers]
        expect(student.page.locator("#step-panel td[data-matrix-id]")).to_have_text([n[3] for n in shown])
        assert result_texts(student) == shown


@pytest.fixture(scope="module")
def room(browser: Browser, base_url: str) -> Iterator[Class]:
    contexts = [browser.new_context(base_url=base_url, viewport=WIDE, locale="en-US"),
                browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US"),
                browser.new_context(base_url=base_url, viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)]
    teacher, first, phone = (Explorer(context.new_page()) for context in contexts)
    try:
        teacher.open("lang=en&preset=exercise")
        expect_mode(teacher, "solo")
        teacher.by_testid("class-start").click()
        expect_mode(teacher, "presenter")
        code = teacher.by_testid("class-code").inner_text()
        assert re.fullmatch(r"[A-Z0-9]{6}", code)
        href = teacher.by_testid("class-link").get_attribute("href")
        assert href is not None and href.endswith(f"/join/{code}")
        assert href.startswith("http://127.0.0.1:")  # this server is bound to 127.0.0.1 …
        expect(teacher.by_testid("class-hint")).to_contain_text("make serve HOST=0.0.0.0")  # … and says so

        first.page.goto("/join")  # types the code, in lower case
        first.page.locator(READY).wait_for(state="attached")
        first.by_testid("join-code").fill(code.lower())
        first.by_testid("join-code").press("Enter")
        expect_mode(first, "following")
        phone.page.goto("/" + href.split("/", 3)[3])  # the class link (the path: tests talk to base_url only)
        phone.page.locator(READY).wait_for(state="attached")
        expect_mode(phone, "following")
        expect(teacher.by_testid("class-count")).to_have_attribute("data-count", "2", timeout=CLASS_TIMEOUT_MS)
        yield Class(teacher, [first, phone], code, contexts)
    finally:
        for context in contexts:
            context.close()


def test_students_follow_the_teacher_steps_preset_edit_and_next_iteration(room: Class) -> None:
    teacher = room.teacher
    expect_students_follow(room)
    teacher.go_to("fwd:O1")
    expect_students_follow(room)

    teacher.by_testid("preset").select_option("moons")
    teacher.expect_step("fwd:H1")
    teacher.go_to("fwd:H2")
    expect_students_follow(room)

    cell = teacher.page.locator("#step-panel .matrix-group.inputs td[data-matrix-id='W2'][data-row='0'][data-col='0']")
    cell.dblclick()
    editor = teacher.page.get_by_test_id("cell-editor")
    editor.fill("0.75")
    editor.press("Enter")
    expect(cell).to_have_text("0.750")
    expect_students_follow(room)

    teacher.by_testid("next-iteration").click()
    expect(teacher.by_testid("iteration")).to_have_text("Iteration 2")
    teacher.go_to("bwd:dL/dW2")
    expect_students_follow(room)
    for student in room.students:
        assert student.errors == []
    assert teacher.errors == []


def test_a_student_explores_and_follows_again(room: Class) -> None:
    teacher, student = room.teacher, room.students[0]
    teacher.go_to("fwd:H1")
    expect_students_follow(room)
    student.by_testid("class-explore").click()
    expect_mode(student, "exploring")
    expect(teacher.by_testid("class-count")).to_contain_text("1 exploring", timeout=CLASS_TIMEOUT_MS)
    student.go_to("upd:W1")  # works locally …
    teacher.go_to("fwd:O1")  # … and the teacher's steps no longer move it
    student.expect_step("upd:W1")
    room.students[1].expect_step("fwd:O1")

    student.by_testid("class-follow").click()
    expect_mode(student, "following")
    expect_students_follow(room)


def test_a_students_own_key_press_does_not_move_the_teacher(room: Class) -> None:
    teacher, student = room.teacher, room.students[0]
    teacher.go_to("fwd:H2")
    expect_students_follow(room)
    student.blur()
    student.page.keyboard.press("ArrowRight")
    expect_mode(student, "exploring")  # the student's own key: they explore on their own
    teacher.expect_step("fwd:H2")
    room.students[1].expect_step("fwd:H2")
    student.by_testid("class-follow").click()
    expect_students_follow(room)


def test_a_question_is_answered_by_both_and_the_reveal_reaches_both(room: Class) -> None:
    teacher, first, phone = room.teacher, *room.students
    teacher.go_to("fwd:H1")
    expect_students_follow(room)
    teacher.by_testid("class-ask-kind").select_option("sign")
    teacher.by_testid("class-ask-send").click()
    expected = teacher.page.locator("#step-panel .matrix-group.result td[data-row='0'][data-col='0']").inner_text()
    right = "-" if expected.startswith("\u2212") else "+"
    for student in (first, phone):
        expect(student.by_testid("class-question")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    first.by_testid("class-name").fill("<b>Ann</b>")
    first.by_testid("class-choice-" + str("+-0".index(right))).click()
    phone.by_testid("class-choice-" + str("+-0".index("-" if right == "+" else "+"))).click()
    expect(teacher.by_testid("class-answers")).to_have_attribute("data-count", "2", timeout=CLASS_TIMEOUT_MS)
    bars = teacher.page.locator("[data-testid=class-histogram] li")
    expect(bars).to_have_count(2)
    teacher.by_testid("class-reveal").click()
    expect(first.by_testid("class-result")).to_have_text("Right!", timeout=CLASS_TIMEOUT_MS)
    expect(phone.by_testid("class-result")).to_have_text("На этот раз неверно.", timeout=CLASS_TIMEOUT_MS)
    expect(teacher.by_testid("class-revealed")).to_have_text("Revealed: 1 of 2 right.")
    expect(teacher.by_testid("class-named")).to_contain_text("<b>Ann</b>")  # the name is text, never markup
    assert teacher.page.locator("[data-testid=class-named] b").count() == 0

    teacher.page.set_viewport_size(WIDE)
    teacher.page.screenshot(path=str(ARTIFACTS / "class-presenter-1440.png"), full_page=False)
    phone.page.screenshot(path=str(ARTIFACTS / "class-student-phone-ru.png"), full_page=False)


def test_a_student_who_reloads_is_back_in_the_class(room: Class) -> None:
    teacher, phone = room.teacher, room.students[1]
    phone.page.reload()
    phone.page.locator(READY).wait_for(state="attached")
    expect_mode(phone, "following")
    teacher.go_to("bwd:dL/dW2")
    expect_students_follow(room)
    expect(teacher.by_testid("class-count")).to_have_attribute("data-count", "2")  # the same student, not a third


def test_the_presenter_reloads_and_keeps_the_room_then_projects(room: Class) -> None:
    teacher = room.teacher
    teacher.page.reload()
    teacher.page.locator(READY).wait_for(state="attached")
    expect_mode(teacher, "presenter")
    expect(teacher.by_testid("class-code")).to_have_text(room.code)
    teacher.go_to("fwd:O1")
    expect_students_follow(room)
    teacher.by_testid("class-projector").check()
    expect(teacher.page.locator("body.projector")).to_have_count(1)
    teacher.page.screenshot(path=str(ARTIFACTS / "class-projector.png"), full_page=False)
    teacher.by_testid("class-projector").uncheck()


def test_join_with_a_wrong_code_says_so(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    try:
        page = context.new_page()
        page.goto("/join")
        page.locator(READY).wait_for(state="attached")
        expect(page.get_by_test_id("class-mode")).to_have_attribute("data-mode", "solo")
        page.get_by_test_id("join-code").fill("zzzzzz")
        page.get_by_test_id("join-code").press("Enter")
        expect(page.get_by_test_id("class-problem")).to_have_text("No class has the code ZZZZZZ: check it and try again.")
        expect(page.get_by_test_id("class-mode")).to_have_attribute("data-mode", "solo")
    finally:
        context.close()


def test_after_a_restart_an_old_code_says_the_class_ended_and_a_mistyped_one_to_check_it(
        browser: Browser, tmp_path: Path) -> None:
    """In a tab that never was in the class: the server keeps the codes it issued in its state directory."""
    settings = Settings(log_level="warning", teacher_key=TEACHER_KEY, state_dir=str(tmp_path))
    with running_server(create_app(settings), settings) as before:
        created = httpx.post(f"{before}/api/class/rooms", json={}, headers=TEACHER_HEADERS, trust_env=False)
        code = created.json()["code"]
    with running_server(create_app(settings), settings) as after:  # the in-process server restarted
        context = browser.new_context(base_url=after, viewport=DESKTOP, locale="en-US")
        try:
            page = context.new_page()
            page.goto("/join")
            page.locator(READY).wait_for(state="attached")
            page.get_by_test_id("join-code").fill(code)
            page.get_by_test_id("join-code").press("Enter")
            expect(page.get_by_test_id("class-problem")).to_have_text(f"The class {code} has ended.")
            mistyped = code[:-1] + ("A" if code[-1] != "A" else "B")
            page.get_by_test_id("join-code").fill(mistyped)
            page.get_by_test_id("join-code").press("Enter")
            expect(page.get_by_test_id("class-problem")).to_have_text(
                f"No class has the code {mistyped}: check it and try again.")
            expect(page.get_by_test_id("class-mode")).to_have_attribute("data-mode", "solo")
        finally:
            context.close()


def test_locked_controls_keep_students_on_the_teachers_step(room: Class) -> None:
    teacher, student = room.teacher, room.students[0]
    teacher.by_testid("class-lock").check()
    teacher.go_to("fwd:H2")
    expect_students_follow(room)
    expect(student.by_testid("class-explore")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    student.blur()
    student.page.keyboard.press("ArrowRight")
    expect_mode(student, "following")  # follow only: the key does nothing
    student.expect_step("fwd:H2")
    teacher.by_testid("class-lock").uncheck()
    expect(student.by_testid("class-explore")).to_be_visible(timeout=CLASS_TIMEOUT_MS)


def join_late(room: Class, browser: Browser, base_url: str) -> tuple[BrowserContext, Explorer]:
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    late = Explorer(context.new_page())
    late.page.goto(f"/join/{room.code}")
    late.page.locator(READY).wait_for(state="attached")
    expect_mode(late, "following")
    return context, late


def test_a_late_joiner_and_a_reload_land_on_the_teachers_step_after_next_iteration(
        room: Class, browser: Browser, base_url: str) -> None:
    teacher = room.teacher
    teacher.go_to("fwd:H2")
    expect_students_follow(room)
    iteration = teacher.by_testid("iteration").inner_text()
    teacher.by_testid("next-iteration").click()  # back to the first step of the next iteration
    expect(teacher.by_testid("iteration")).not_to_have_text(iteration, timeout=CLASS_TIMEOUT_MS)
    expect_students_follow(room)
    room.students[0].page.reload()
    room.students[0].page.locator(READY).wait_for(state="attached")
    context, late = join_late(room, browser, base_url)
    try:
        for page in (late, room.students[0]):
            expect(page.page.locator("#timeline [aria-current='step']")).to_have_attribute(
                "data-step-id", current_step(teacher) or "", timeout=CLASS_TIMEOUT_MS)
            expect(page.by_testid("iteration")).to_have_text(teacher.by_testid("iteration").inner_text())
    finally:
        context.close()


def start_over(teacher: Explorer, change: str) -> None:
    """A change after which the presenter is back on the first step (of a new trace)."""
    if change == "preset":
        current = teacher.by_testid("preset").input_value()
        teacher.by_testid("preset").select_option("moons" if current != "moons" else "exercise")
    elif change == "apply":  # the editor's Apply: the same network, another learning rate, traced anew
        teacher.page.locator("#editor summary").click()
        rate = teacher.by_testid("editor-lr")
        rate.fill("0.35" if rate.input_value() != "0.35" else "0.4")
        teacher.by_testid("editor-apply").click()
        teacher.page.locator("#editor summary").click()
    elif change == "cancelled-training":
        teacher.by_testid("train-epochs").fill("5000")
        teacher.by_testid("train").click()
        teacher.by_testid("train-cancel").click()
        expect(teacher.page.locator("#train-result")).to_contain_text("Cancelled after", timeout=60_000)
    teacher.expect_step(teacher.page.locator("#timeline button.mark").first.get_attribute("data-step-id") or "")


@pytest.mark.parametrize("change", ["preset", "apply", "cancelled-training"])
def test_after_a_change_that_starts_over_a_late_joiner_a_reload_and_follow_again_land_on_the_teachers_step(
        room: Class, browser: Browser, base_url: str, change: str) -> None:
    """Issue 13: the room's state was the step before such a change (`fwd:H2` while the presenter was on
    `fwd:H1`) until the teacher's next click; every way back into the class must land where the presenter is."""
    teacher, reloading, explorer = room.teacher, *room.students
    teacher.go_to("fwd:H2")
    expect_students_follow(room)
    explorer.by_testid("class-explore").click()
    expect_mode(explorer, "exploring")

    start_over(teacher, change)
    step = current_step(teacher)
    assert step and step != "fwd:H2"
    reloading.page.reload()
    reloading.page.locator(READY).wait_for(state="attached")
    expect_mode(reloading, "following")
    explorer.by_testid("class-follow").click()
    expect_mode(explorer, "following")
    context, late = join_late(room, browser, base_url)
    try:  # no click of the teacher's since the change
        landed = {}
        for way, page in (("reloaded", reloading), ("followed again", explorer), ("joined late", late)):
            with contextlib.suppress(AssertionError):  # each way's step is reported below, not only the first's
                expect(page.page.locator("#timeline [aria-current='step']")).to_have_attribute(
                    "data-step-id", step, timeout=CLASS_TIMEOUT_MS)
            landed[way] = current_step(page)
        assert landed == dict.fromkeys(landed, step), f"the presenter is on {step}; the pages: {landed}"
        expect_students_follow(Class(teacher, [reloading, explorer, late], room.code, room.contexts))
    finally:
        context.close()


def test_training_keeps_every_student_on_the_teachers_numbers_with_small_frames(room: Class) -> None:
    teacher, first = room.teacher, room.students[0]
    sizes: list[int] = []
    first.page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: sizes.append(len(payload))))
    first.page.reload()  # its new socket is watched
    first.page.locator(READY).wait_for(state="attached")
    expect_mode(first, "following")
    for _ in range(2):
        teacher.by_testid("train-epochs").fill("300")
        teacher.by_testid("train").click()
        expect(teacher.by_testid("train-cancel")).to_be_hidden(timeout=60_000)
    iteration = re.sub(r"\D", "", teacher.by_testid("iteration").inner_text())
    assert int(iteration) >= 600
    for student in room.students:  # (in the student's language: "Итерация 603")
        expect(student.by_testid("iteration")).to_have_text(re.compile(rf"\b{iteration}\b"), timeout=CLASS_TIMEOUT_MS)
    teacher.go_to("fwd:H1")
    expect_students_follow(room)
    assert sizes and max(sizes) <= 1024, max(sizes)  # the loss history and the curve come over HTTP, once


def test_the_presenter_reloads_and_gets_back_the_question_lock_and_projector(room: Class) -> None:
    teacher, first = room.teacher, room.students[0]
    teacher.by_testid("class-lock").check()
    teacher.by_testid("class-projector").check()
    teacher.by_testid("class-ask-kind").select_option("sign")
    teacher.by_testid("class-ask-send").click()
    expect(first.by_testid("class-question")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    first.by_testid("class-choice-0").click()
    expect(teacher.by_testid("class-answers")).to_have_attribute("data-count", "1", timeout=CLASS_TIMEOUT_MS)

    teacher.page.reload()
    teacher.page.locator(READY).wait_for(state="attached")
    expect_mode(teacher, "presenter")
    expect(teacher.by_testid("class-lock")).to_be_checked(timeout=CLASS_TIMEOUT_MS)
    expect(teacher.by_testid("class-projector")).to_be_checked()
    expect(teacher.by_testid("class-answers")).to_have_attribute("data-count", "1", timeout=CLASS_TIMEOUT_MS)
    expect(teacher.by_testid("class-reveal")).to_be_visible()

    first.page.reload()  # the student's sent answer survives a reload too
    first.page.locator(READY).wait_for(state="attached")
    expect(first.by_testid("class-sent")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    teacher.by_testid("class-reveal").click()
    expect(first.by_testid("class-result")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    first.page.reload()
    first.page.locator(READY).wait_for(state="attached")
    expect(first.by_testid("class-result")).to_be_visible(timeout=CLASS_TIMEOUT_MS)  # and its verdict

    teacher.go_to("fwd:O1")  # moving on after the reveal: the question leaves the students' bars
    expect(first.by_testid("class-question")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    teacher.by_testid("class-lock").uncheck()
    teacher.by_testid("class-projector").uncheck()
    expect_students_follow(room)


def test_the_teacher_ends_the_class_and_every_page_says_so(room: Class) -> None:
    room.teacher.by_testid("class-end").click()
    expect_mode(room.teacher, "presenter")  # End the class asks first
    room.teacher.by_testid("class-end-yes").click()
    expect_mode(room.teacher, "solo")
    for student in room.students:
        expect_mode(student, "ended")
        expect(student.by_testid("class-mode")).to_contain_text("ended" if student is room.students[0] else "завершил")
