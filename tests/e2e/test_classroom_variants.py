"""Each student their own numbers (issue 14, "In class") in real Chromium: a presenter at 1280×720 switches it on,
an English desktop student and a Russian phone (390×844) get distinct labels and numbers, follow the teacher's
step and Next iteration on their own numbers, keep them across a reload; a late joiner gets their own; training
is off and says why; the presenter shows a student's numbers on the projector and goes back."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import ARTIFACTS, DESKTOP, READY, Explorer
from playwright.sync_api import Browser, BrowserContext, Locator, expect
from test_classroom_view import CLASS_TIMEOUT_MS, PHONE, PROJECTOR, expect_mode, join, result_cell, start_class

pytestmark = pytest.mark.e2e


def label(explorer: Explorer) -> str:
    return explorer.by_testid("variant").inner_text()


def numbers(explorer: Explorer, matrix: str = "W1") -> list[list[str]]:
    """The cells of `matrix` in the step panel's inputs (fwd:H1 shows X and W1)."""
    return explorer.table_texts(matrix)


def cells(explorer: Explorer, matrix: str = "W1") -> Locator:
    return explorer.page.locator(f"#step-panel table[data-matrix-id='{matrix}'] td[data-matrix-id]")


def flat(matrix: list[list[str]]) -> list[str]:
    return [text for row in matrix for text in row]


def wait_for_label(explorer: Explorer) -> str:
    expect(explorer.by_testid("variant")).to_have_text(re.compile(r"^S\d+$"), timeout=CLASS_TIMEOUT_MS)
    return label(explorer)


@pytest.fixture
def contexts(browser: Browser, base_url: str) -> Iterator[list[BrowserContext]]:
    made = [browser.new_context(base_url=base_url, viewport=PROJECTOR, locale="en-US"),
            browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US"),
            browser.new_context(base_url=base_url, viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True),
            browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")]
    try:
        yield made
    finally:
        for context in made:
            context.close()


def test_each_student_their_own_numbers_follow_the_teacher_and_stay_theirs(contexts: list[BrowserContext]) -> None:
    teacher, student, phone, late = (Explorer(context.new_page()) for context in contexts)
    code = start_class(teacher, [student, phone], "lang=en&preset=exercise&step=fwd:H1")
    teachers_w1 = numbers(teacher)

    # Off: everyone the teacher's numbers. On: each their own, with a label of their own (not a variant number).
    expect(student.by_testid("variant")).to_be_hidden()
    assert numbers(student) == teachers_w1
    teacher.by_testid("class-variants").check()
    first, second = wait_for_label(student), wait_for_label(phone)
    assert first != second
    expect(phone.page.locator("#variant-controls .variant-word")).to_have_text("ваши числа")
    for explorer in (student, phone):
        expect(cells(explorer)).not_to_have_text(flat(teachers_w1), timeout=CLASS_TIMEOUT_MS)
    own_student, own_phone = numbers(student), numbers(phone)
    assert len({str(teachers_w1), str(own_student), str(own_phone)}) == 3
    expect(teacher.by_testid("variant")).to_be_hidden()  # the teacher's page keeps the class's numbers
    # "New numbers" (a public variant) would replace the class's numbers: off while each has their own, saying why.
    expect(teacher.by_testid("variant-new")).to_be_disabled()
    expect(teacher.by_testid("variant-new")).to_have_attribute("title", re.compile("has their own numbers"))
    expect(teacher.by_testid("class-variants-note")).to_contain_text("Training and editing numbers are off")

    # Training and in-place edits are off, and the page says why (the presenter's too).
    for explorer in (teacher, student):
        expect(explorer.by_testid("train")).to_be_disabled()
    expect(phone.page.locator("#train-result")).to_contain_text("Обучение и правка чисел выключены")

    # The step follows the teacher; the numbers stay each student's own.
    teacher.go_to("fwd:O1")
    for explorer in (student, phone):
        expect(explorer.panel()).to_have_attribute("data-step-id", "fwd:O1", timeout=CLASS_TIMEOUT_MS)
    assert label(student) == first

    # Next iteration: every page to its own next iteration.
    teacher.go_to("fwd:H1")
    teacher.by_testid("next-iteration").click()
    for explorer in (student, phone):
        expect(explorer.by_testid("iteration")).to_have_text(re.compile(r"\s2$"), timeout=CLASS_TIMEOUT_MS)  # 1-based
        expect(explorer.panel()).to_have_attribute("data-step-id", "fwd:H1", timeout=CLASS_TIMEOUT_MS)
    expect(cells(student)).not_to_have_text(flat(own_student), timeout=CLASS_TIMEOUT_MS)
    next_student, next_phone = numbers(student), numbers(phone)
    assert next_student != next_phone and next_student != numbers(teacher)
    assert label(student) == first and label(phone) == second
    student.screenshot("class-variants-student")
    phone.screenshot("class-variants-phone-ru")
    phone.page.screenshot(path=str(ARTIFACTS / "explorer-class-variants-phone-ru-top.png"))  # what the phone shows first

    # A reload (the same device) keeps the student's place and numbers.
    phone.page.reload()
    phone.page.locator(READY).wait_for(state="attached")
    expect_mode(phone, "following")
    assert wait_for_label(phone) == second
    expect(cells(phone)).to_have_text(flat(next_phone), timeout=CLASS_TIMEOUT_MS)

    # A late joiner gets numbers of their own too.
    join(late, code)
    third = wait_for_label(late)
    assert third not in (first, second)
    expect(late.by_testid("iteration")).to_have_text(re.compile(r"\s2$"), timeout=CLASS_TIMEOUT_MS)
    assert numbers(late) not in (next_student, next_phone)

    # The presenter shows the phone's numbers on the projector, then goes back; students see their own throughout.
    pick = teacher.by_testid("class-student-pick")
    expect(pick.locator("option")).to_have_count(3, timeout=CLASS_TIMEOUT_MS)
    pick.select_option(label=second)
    teacher.by_testid("class-show-student").click()
    expect(teacher.by_testid("variant")).to_have_text(second, timeout=CLASS_TIMEOUT_MS)
    expect(cells(teacher)).to_have_text([text.replace(",", ".") for text in flat(next_phone)],  # the phone is Russian
                                       timeout=CLASS_TIMEOUT_MS)
    expect(teacher.by_testid("class-showing")).to_contain_text(second)
    teacher.screenshot("class-variants-presenter-shows-a-student")
    teacher.go_to("fwd:O1")  # steps still reach the class
    expect(student.panel()).to_have_attribute("data-step-id", "fwd:O1", timeout=CLASS_TIMEOUT_MS)
    assert numbers(student, "O1") is None or label(student) == first
    assert label(student) == first and label(phone) == second
    # Next iteration while the projector shows the phone's numbers: the class moves on (every page to its own next
    # iteration) and the projector shows the phone's next iteration, the numbers the phone itself shows.
    teacher.by_testid("next-iteration").click()
    for explorer in (teacher, student, phone, late):
        expect(explorer.by_testid("iteration")).to_have_text(re.compile(r"\s3$"), timeout=CLASS_TIMEOUT_MS)
    expect(teacher.by_testid("variant")).to_have_text(second, timeout=CLASS_TIMEOUT_MS)
    expect(teacher.by_testid("class-showing")).to_contain_text(second)
    teacher.go_to("fwd:H1")
    for explorer in (student, phone):
        expect(explorer.panel()).to_have_attribute("data-step-id", "fwd:H1", timeout=CLASS_TIMEOUT_MS)
    expect(cells(phone)).not_to_have_text(flat(next_phone), timeout=CLASS_TIMEOUT_MS)
    expect(cells(student)).not_to_have_text(flat(next_student), timeout=CLASS_TIMEOUT_MS)
    expect(cells(teacher)).to_have_text([text.replace(",", ".") for text in flat(numbers(phone))],
                                       timeout=CLASS_TIMEOUT_MS)
    next_student = numbers(student)
    teacher.by_testid("class-show-class").click()
    expect(teacher.by_testid("variant")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    teacher.go_to("fwd:H1")
    expect(student.panel()).to_have_attribute("data-step-id", "fwd:H1", timeout=CLASS_TIMEOUT_MS)
    assert numbers(student) == next_student  # the class kept going on their own numbers
    teacher.screenshot("class-variants-presenter")

    # A question judged on each student's own numbers: the histogram counts right / close / wrong, after Reveal only.
    teacher.by_testid("class-ask-kind").select_option("value")
    teacher.by_testid("class-ask-send").click()
    for explorer in (student, phone):
        expect(explorer.by_testid("class-answer-send")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    student.by_testid("class-answer-0").fill(result_cell(student))  # right, on their own numbers
    student.by_testid("class-answer-send").click()
    phone.by_testid("class-answer-0").fill(result_cell(student).replace(".", ","))  # the neighbour's number
    phone.by_testid("class-answer-send").click()
    expect(teacher.by_testid("class-answers")).to_have_attribute("data-count", "2", timeout=CLASS_TIMEOUT_MS)
    histogram = teacher.by_testid("class-histogram")
    expect(histogram).to_contain_text("after Reveal")
    expect(histogram.locator("li")).to_have_count(0)  # nothing about who was right before Reveal
    teacher.by_testid("class-reveal").click()
    # Two variants may share this one cell by chance: the phone's verdict follows from its own number.
    def shown(explorer: Explorer) -> float:
        return float(result_cell(explorer).replace(",", ".").replace("−", "-"))

    gap = abs(shown(student) - shown(phone))
    phones = "right" if gap < 0.0005 else "close" if gap <= 0.005 else "wrong"
    counts = {"right": 1 + (phones == "right"), "close": int(phones == "close"), "wrong": int(phones == "wrong")}
    for verdict, count in counts.items():
        expect(histogram.locator(f"li[data-verdict={verdict}] .class-bar-count")).to_have_text(str(count),
                                                                                            timeout=CLASS_TIMEOUT_MS)
    expect(student.by_testid("class-result")).to_have_text("Right!", timeout=CLASS_TIMEOUT_MS)
    if phones == "wrong":
        expect(phone.by_testid("class-result")).to_contain_text("неверно", timeout=CLASS_TIMEOUT_MS)
    expect(phone.page.locator(".class-expected")).to_contain_text("На ваших числах", timeout=CLASS_TIMEOUT_MS)
    teacher.screenshot("class-variants-histogram")

    # Other new numbers while showing a student (here another preset) end the showing: the class takes them.
    pick.select_option(label=second)
    teacher.by_testid("class-show-student").click()
    expect(teacher.by_testid("class-showing")).to_contain_text(second, timeout=CLASS_TIMEOUT_MS)
    teacher.by_testid("preset").select_option("xor")
    expect(teacher.by_testid("class-showing")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    expect(teacher.by_testid("variant")).to_be_hidden()
    for explorer in (student, phone):
        expect(explorer.by_testid("preset")).to_have_value("xor", timeout=CLASS_TIMEOUT_MS)
        expect(explorer.by_testid("iteration")).to_have_text(re.compile(r"\s1$"), timeout=CLASS_TIMEOUT_MS)
    assert wait_for_label(student) == first  # each their own numbers of the new preset

    # Off again, while the projector shows the phone's numbers: everyone the class's numbers, not the phone's.
    pick.select_option(label=second)
    teacher.by_testid("class-show-student").click()
    expect(teacher.by_testid("class-showing")).to_contain_text(second, timeout=CLASS_TIMEOUT_MS)
    phones = [text.replace(",", ".") for text in flat(numbers(phone))]
    expect(cells(teacher)).to_have_text(phones, timeout=CLASS_TIMEOUT_MS)
    teacher.by_testid("class-variants").uncheck()
    expect(teacher.by_testid("variant")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    expect(cells(teacher)).not_to_have_text(phones, timeout=CLASS_TIMEOUT_MS)
    expect(student.by_testid("variant")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    expect(cells(student)).to_have_text(flat(numbers(teacher)), timeout=CLASS_TIMEOUT_MS)
    expect(student.by_testid("train")).to_be_enabled()
    for explorer in (teacher, student, phone, late):
        assert not [e for e in explorer.errors if "HTTP 4" in e or "uncaught" in e], explorer.errors
