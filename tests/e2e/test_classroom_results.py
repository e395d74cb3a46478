"""Results after class (issue 14) in real Chromium: students give names when they join (one on a Russian phone,
390×844, with a Cyrillic name), answer a value and a hand-calculation question; the teacher reveals, downloads the
class's answers as CSV, ends the class through its dialog (which offers the download again) and can still download
them after the end; a Russian presenter's CSV is in the Russian convention. Screenshots in test-artifacts/."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DESKTOP, READY, Explorer, download_text
from playwright.sync_api import Browser, expect
from test_classroom_view import CLASS_TIMEOUT_MS, PHONE, PROJECTOR, Room, answers, ask, expect_mode, shoot

pytestmark = pytest.mark.e2e

ANN = "Ann <b>Lee</b>"  # typed text, shown as text
ANNA = "Анна Ёлкина"
WRONG_RU = "На этот раз неверно."


def join_with_name(explorer: Explorer, code: str, name: str, screenshot: str | None = None) -> None:
    """The join page: the code and a name, then Join."""
    explorer.page.goto("/join")
    explorer.page.locator(READY).wait_for(state="attached")
    explorer.by_testid("join-code").fill(code)
    explorer.by_testid("join-name").fill(name)
    if screenshot:
        shoot(explorer.page, screenshot)
    explorer.by_testid("join-code").press("Enter")
    expect_mode(explorer, "following")
    expect(explorer.by_testid("class-name")).to_have_value(name)


def start_class(teacher: Explorer, lang: str) -> str:
    teacher.open(f"lang={lang}&preset=exercise")
    teacher.by_testid("class-start").click()
    expect_mode(teacher, "presenter")
    return teacher.by_testid("class-code").inner_text()


@pytest.fixture
def room(browser: Browser, base_url: str) -> Iterator[Room]:
    contexts = [browser.new_context(base_url=base_url, viewport=PROJECTOR, locale="en-US", accept_downloads=True),
                browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US"),
                browser.new_context(base_url=base_url, viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)]
    teacher, student, phone = (Explorer(context.new_page()) for context in contexts)
    try:
        code = start_class(teacher, "en")
        join_with_name(student, code, ANN)
        phone.page.goto("/#lang=ru")
        join_with_name(phone, code, ANNA, screenshot="class-join-name-phone-ru")
        expect(teacher.by_testid("class-count")).to_have_attribute("data-count", "2", timeout=CLASS_TIMEOUT_MS)
        yield Room(teacher, student, phone, contexts)
    finally:
        for context in contexts:
            context.close()


def result_values(explorer: Explorer) -> dict[tuple[int, int], str]:
    cells = explorer.page.locator("#step-panel .matrix-group.result td[data-row][data-col]")
    return {(int(c.get_attribute("data-row") or 0), int(c.get_attribute("data-col") or 0)): c.inner_text()
            for c in cells.all()}


def hand_calculation(explorer: Explorer, wrong: tuple[int, int] | None = None) -> None:
    """The step's result typed into the hand-calculation check (one cell wrong if asked), then sent."""
    values = result_values(explorer)
    explorer.by_testid("class-open-handcalc").click()
    cells = explorer.page.locator("input[data-testid=handcalc-cell]")
    expect(cells.first).to_be_visible()
    for cell in cells.all():
        where = (int(cell.get_attribute("data-row") or 0), int(cell.get_attribute("data-col") or 0))
        cell.fill("9" if where == wrong else values[where].replace("\u2212", "-"))
    cells.last.press("Tab")
    explorer.by_testid("class-answer-send").click()


def rows_of(text: str, separator: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=separator))


def test_a_class_gives_names_answers_and_downloads_its_results_before_and_after_the_end(
        room: Room, tmp_path: Path) -> None:
    teacher, student, phone = room.teacher, room.student, room.phone
    ask(room, "value")
    right = result_values(teacher)[(0, 0)]
    student.by_testid("class-answer-0").fill(right)
    student.by_testid("class-answer-send").click()
    phone.by_testid("class-answer-0").fill("0,9")
    phone.by_testid("class-answer-send").click()
    answers(room, 2)
    named = teacher.by_testid("class-named")
    expect(named).to_contain_text(ANN)
    expect(named).to_contain_text(ANNA)
    assert teacher.page.locator("[data-testid=class-named] b").count() == 0  # a name is text, never markup
    teacher.by_testid("class-reveal").click()
    expect(phone.by_testid("class-result")).to_have_text(WRONG_RU, timeout=CLASS_TIMEOUT_MS)
    # The names the tally shows are marked once revealed (the tally after the reveal carries who was right).
    expect(named.locator(".right")).to_have_text(f"✓ {ANN}", timeout=CLASS_TIMEOUT_MS)
    expect(named.locator(".wrong")).to_have_text(f"✗ {ANNA}")
    expect(student.by_testid("class-result")).to_have_text("Right!", timeout=CLASS_TIMEOUT_MS)

    ask(room, "cells", "fwd:O1")
    hand_calculation(student)
    hand_calculation(phone, wrong=(1, 0))
    answers(room, 2)
    teacher.by_testid("class-reveal").click()
    expect(student.by_testid("class-result")).to_have_text("Right!", timeout=CLASS_TIMEOUT_MS)

    name, text = download_text(teacher, "class-results", tmp_path)
    assert name.startswith("class-") and name.endswith(".csv")
    rows = rows_of(text, ",")
    assert rows[0] == ["student", "variant", "question", "step", "answer", "verdict", "time"]
    table = [(row[0], row[2].split(" · ")[0], row[3].split(" · ")[0], row[5]) for row in rows[1:]]
    assert table == [(ANN, "q1", "fwd:H1", "right"), (ANNA, "q1", "fwd:H1", "wrong"),
                     (ANN, "q2", "fwd:O1", "right"), (ANNA, "q2", "fwd:O1", "wrong")]
    assert rows[2][4] == "0.9" and float(rows[1][4]) == float(right.replace("\u2212", "-"))  # typed "0,9", "0.200"
    assert rows[3][4].startswith("[") and all(row[1] == "" for row in rows[1:])

    teacher.by_testid("class-end").click()
    dialog = teacher.by_testid("class-end-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("30 min")
    shoot(teacher.page, "class-end-dialog-en")
    _, again = download_text(teacher, "class-end-results", tmp_path)
    assert rows_of(again, ",")[1:] == rows[1:]  # the same answers, offered by the dialog
    teacher.by_testid("class-end-yes").click()
    expect_mode(student, "ended")
    expect_mode(phone, "ended")
    expect(teacher.by_testid("class-start")).to_be_visible()
    expect(teacher.page.locator(".class-ended-results")).to_contain_text("30 min")
    _, after = download_text(teacher, "class-results", tmp_path)  # after the end, for a while
    assert rows_of(after, ",")[1:] == rows[1:]
    teacher.page.reload()  # the tab remembers the class it ended while its results are kept
    teacher.page.locator(READY).wait_for(state="attached")
    _, reloaded = download_text(teacher, "class-results", tmp_path)
    assert rows_of(reloaded, ",")[1:] == rows[1:]


def test_a_russian_presenters_results_are_in_the_russian_convention(browser: Browser, base_url: str,
                                                                    tmp_path: Path) -> None:
    contexts = [browser.new_context(base_url=base_url, viewport=PROJECTOR, locale="ru-RU", accept_downloads=True),
                browser.new_context(base_url=base_url, viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)]
    teacher, student = (Explorer(context.new_page()) for context in contexts)
    try:
        code = start_class(teacher, "ru")
        student.page.goto(f"/join/{code}")  # the link of the QR code: no name given
        student.page.locator(READY).wait_for(state="attached")
        expect_mode(student, "following")
        teacher.go_to("fwd:H1")
        teacher.by_testid("class-ask-kind").select_option("value")
        teacher.by_testid("class-ask-send").click()
        expect(student.by_testid("class-answer-send")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
        student.by_testid("class-answer-0").fill("0,25")
        student.by_testid("class-answer-send").click()
        expect(teacher.by_testid("class-answers")).to_have_attribute("data-count", "1", timeout=CLASS_TIMEOUT_MS)
        _, text = download_text(teacher, "class-results", tmp_path)
        rows = rows_of(text, ";")
        assert rows[0] == ["студент", "вариант", "вопрос", "шаг", "ответ", "оценка", "время"]
        assert rows[1][0] == "Студент 1" and rows[1][4] == "0,25" and rows[1][5] == "неверно"
        assert "значение ячейки результата" in rows[1][2]

        student.by_testid("class-name").fill("Кирилл")  # a name given later, in the class bar
        student.by_testid("class-name").press("Enter")
        expect(teacher.by_testid("class-named")).to_contain_text("Кирилл", timeout=CLASS_TIMEOUT_MS)
        _, text = download_text(teacher, "class-results", tmp_path)
        assert rows_of(text, ";")[1][0] == "Кирилл"
        teacher.by_testid("class-end").click()
        expect(teacher.by_testid("class-end-dialog")).to_contain_text("30 мин")
        shoot(teacher.page, "class-end-dialog-ru")
    finally:
        for context in contexts:
            context.close()
