"""The classroom's visible UI (issue 13) in real Chromium: a presenter at 1280×720 in the projector layout, an
English desktop student and a Russian phone student. What the histogram shows before and after Reveal, answers
that cannot be read, answers that stay and change, the wrong cells of a hand calculation, the projector's sizes,
the class-bar options, the lock, the connection line, and screenshots of all of it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ARTIFACTS, DESKTOP, READY, Explorer
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect
from websockets.sync.client import ClientConnection, connect

from app.classroom.protocol import SILENT_HEARTBEATS
from app.main import create_app
from app.settings import Settings
from tests.helpers import running_server

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
CLASS_TIMEOUT_MS = 15_000
# A page that hears nothing for this long says "reconnecting" (the live server's heartbeat: the default).
SILENT_MS = int(SILENT_HEARTBEATS * Settings().class_heartbeat_seconds * 1000)
VIEW_MODULES = Path(__file__).resolve().parents[2] / "static" / "js" / "classroom"


@dataclass
class Room:
    teacher: Explorer
    student: Explorer  # English, desktop
    phone: Explorer  # Russian, 390×844
    contexts: list[BrowserContext]
    sent: dict[str, list[str]] = field(default_factory=dict)  # the type of every class message each student's page sent ("student", "phone")
    url: str = ""  # the server's base URL


def expect_mode(explorer: Explorer, mode: str) -> None:
    expect(explorer.by_testid("class-mode")).to_have_attribute("data-mode", mode, timeout=CLASS_TIMEOUT_MS)


def join(explorer: Explorer, code: str) -> None:
    explorer.page.goto(f"/join/{code}")
    explorer.page.locator(READY).wait_for(state="attached")
    expect_mode(explorer, "following")


def start_class(teacher: Explorer, students: list[Explorer], hash_: str = "lang=en&preset=exercise") -> str:
    """The teacher starts a class and every student joins it; its code."""
    teacher.open(hash_)
    teacher.by_testid("class-start").click()
    expect_mode(teacher, "presenter")
    code = teacher.by_testid("class-code").inner_text()
    for student in students:
        join(student, code)
    expect(teacher.by_testid("class-count")).to_have_attribute("data-count", str(len(students)), timeout=CLASS_TIMEOUT_MS)
    return code


@pytest.fixture(scope="module")
def class_url() -> Iterator[str]:
    """A server for the module's room: this module's one teacher asks and reveals a question every few seconds, more
    than the default 30 a minute a presenter may (BACKPROP_CLASS_QUESTIONS_PER_MINUTE, tested in tests/classroom),
    and a refused ask or reveal failed whichever test came after the budget ran out."""
    settings = Settings(log_level="warning", class_questions_per_minute=600)
    with running_server(create_app(settings), settings) as url:
        yield url


@pytest.fixture(scope="module")
def room(browser: Browser, class_url: str) -> Iterator[Room]:
    base_url = class_url
    contexts = [browser.new_context(base_url=base_url, viewport=PROJECTOR, locale="en-US"),
                browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US"),
                browser.new_context(base_url=base_url, viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)]
    teacher, student, phone = (Explorer(context.new_page()) for context in contexts)
    sent: dict[str, list[str]] = {"student": [], "phone": []}
    for name, explorer in (("student", student), ("phone", phone)):
        explorer.page.on("websocket", lambda ws, kept=sent[name]: ws.on(
            "framesent", lambda payload: kept.append(json.loads(payload).get("type"))))
    try:
        start_class(teacher, [student, phone])
        yield Room(teacher, student, phone, contexts, sent, base_url)
    finally:
        for context in contexts:
            context.close()


def ask(room: Room, kind: str, step: str = "fwd:H1") -> None:
    """The teacher asks about the first result cell of `step`; both students see the question."""
    room.teacher.go_to(step)
    room.teacher.by_testid("class-ask-kind").select_option(kind)
    room.teacher.by_testid("class-ask-send").click()
    for student in (room.student, room.phone):
        expect(student.by_testid("class-question")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
        expect(student.by_testid("class-answer-send").or_(student.by_testid("class-choice-0"))).to_be_visible()


def answers(room: Room, n: int) -> None:
    expect(room.teacher.by_testid("class-answers")).to_have_attribute("data-count", str(n), timeout=CLASS_TIMEOUT_MS)


def bar_labels(explorer: Explorer) -> list[str]:
    return explorer.page.locator("[data-testid=class-histogram] li .class-bar-label").all_inner_texts()


def result_cell(explorer: Explorer, row: int = 0, col: int = 0) -> str:
    return explorer.page.locator(
        f"#step-panel .matrix-group.result td[data-row='{row}'][data-col='{col}']").first.inner_text()


def test_every_panel_has_its_own_module() -> None:
    panels = {path.name for path in VIEW_MODULES.glob("view*.js")}
    assert {"view.js", "view-join.js", "view-presenter.js", "view-ask.js", "view-histogram.js", "view-student.js",
            "view-question.js", "view-verdict.js", "view-status.js"} <= panels
    assert not (VIEW_MODULES.parent / "classroom-view.js").exists()
    for name in panels:
        assert len((VIEW_MODULES / name).read_text().splitlines()) < 250, f"{name}: one panel per file"


def test_a_value_question_groups_at_its_tolerance_and_shows_nothing_right_before_the_reveal(room: Room) -> None:
    ask(room, "value")
    right = result_cell(room.teacher)  # "0.200"
    room.student.by_testid("class-answer-0").fill(right)
    room.student.by_testid("class-answer-send").click()
    answers(room, 1)
    expect(room.teacher.page.locator("[data-testid=class-histogram] li")).to_have_count(1)
    # The projector must not give the answer away: no bar is marked before the reveal.
    expect(room.teacher.page.locator("[data-testid=class-histogram] li.right")).to_have_count(0)

    # A Russian phone: input that cannot be read is said so, in Russian, and nothing is sent.
    phone = room.phone
    for text in ("abc", "1 234,5"):
        phone.by_testid("class-answer-0").fill(text)
        phone.by_testid("class-answer-send").click()
        expect(phone.by_testid("class-answer-problem")).to_contain_text("не число")
        expect(phone.by_testid("class-answer-problem")).to_contain_text(text)
    answers(room, 1)
    # A value further from the right one than the tolerance: its own bar; then changed to one within it.
    phone.by_testid("class-answer-0").fill("0,215")
    phone.by_testid("class-answer-send").click()
    expect(phone.by_testid("class-answer-problem")).to_be_hidden()
    answers(room, 2)
    expect(room.teacher.page.locator("[data-testid=class-histogram] li")).to_have_count(2)
    assert len(set(bar_labels(room.teacher))) == 2
    expect(room.teacher.page.locator("[data-testid=class-histogram] li.right")).to_have_count(0)

    phone.by_testid("class-answer-0").fill("0,2004")
    phone.by_testid("class-answer-send").click()
    expect(phone.by_testid("class-sent")).to_contain_text("0,2004")
    expect(phone.by_testid("class-answer-0")).to_have_value("0,2004")  # the sent answer stays in the form
    answers(room, 2)  # changed, not added
    phone.page.reload()  # a reload keeps what was sent
    phone.page.locator(READY).wait_for(state="attached")
    expect_mode(phone, "following")
    expect(phone.by_testid("class-answer-0")).to_have_value("0,2004", timeout=CLASS_TIMEOUT_MS)
    expect(phone.by_testid("class-sent")).to_contain_text("0,2004")
    expect(room.teacher.page.locator("[data-testid=class-histogram] li")).to_have_count(1)  # grouped at 0.0005 (3 decimals)
    expect(room.teacher.page.locator("[data-testid=class-histogram] li .class-bar-count")).to_have_text("2")
    expect(room.teacher.page.locator("[data-testid=class-histogram] li.right")).to_have_count(0)

    room.teacher.by_testid("class-reveal").click()
    # After the reveal: right / close / wrong by the one judging rule (as in variants mode), and the value bars,
    # the right one marked.
    verdicts = room.teacher.page.locator("[data-testid=class-verdicts] li")
    expect(verdicts).to_have_count(3)
    expect(verdicts.locator(".class-bar-count")).to_have_text(["2", "0", "0"])
    expect(verdicts.locator(".class-bar-label")).to_have_text([re.compile("^right"), re.compile("^close"),
                                                               re.compile("^wrong")])
    values = room.teacher.page.locator("[data-testid=class-histogram] ul:not([data-testid=class-verdicts]) li")
    expect(values).to_have_count(1)
    expect(values).to_have_attribute("data-verdict", "right")
    expect(values).to_have_class("right")
    shoot(room.teacher.page, "class-presenter-revealed-verdicts")
    expect(phone.by_testid("class-result")).to_have_text("Верно!", timeout=CLASS_TIMEOUT_MS)
    expect(room.student.by_testid("class-result")).to_have_text("Right!", timeout=CLASS_TIMEOUT_MS)
    expect(phone.by_testid("class-question")).to_contain_text("0,2004")  # what they sent, beside the verdict


def test_a_value_worked_from_the_rounded_numbers_on_screen_is_right_in_a_class_too(room: Room) -> None:
    """The issue's bwd:dL/dW3 cell (row 2): O₂ᵀ·d from the 3-decimal inputs on screen gives −1.910 where the exact
    value reads −1.909; the solo check calls both right, and so does the class (the presenter's page sends the
    result of the shown inputs with the question)."""
    teacher = room.teacher
    teacher.go_to("bwd:dL/dW3")
    cell = teacher.page.locator("#step-panel .matrix-group.result td[data-row='1'][data-col='0']").first
    expect(cell).to_have_text("\u22121.909")  # the class's numbers: the exercise at its first iteration
    cell.click()
    teacher.by_testid("class-ask-kind").select_option("value")
    teacher.by_testid("class-ask-send").click()
    for student, typed in ((room.student, "-1.910"), (room.phone, "-1,909")):
        expect(student.by_testid("class-answer-send")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
        student.by_testid("class-answer-0").fill(typed)
        student.by_testid("class-answer-send").click()
    answers(room, 2)
    teacher.by_testid("class-reveal").click()
    expect(room.student.by_testid("class-result")).to_have_text("Right!", timeout=CLASS_TIMEOUT_MS)
    expect(room.phone.by_testid("class-result")).to_have_text("Верно!", timeout=CLASS_TIMEOUT_MS)
    expect(teacher.page.locator("[data-testid=class-verdicts] li .class-bar-count")).to_have_text(["2", "0", "0"])


def test_a_shape_answer_reads_rows_times_columns(room: Room) -> None:
    ask(room, "shape")
    room.student.by_testid("class-answer-0").fill("4")
    room.student.by_testid("class-answer-1").fill("2")
    room.student.by_testid("class-answer-send").click()
    room.phone.by_testid("class-answer-0").fill("2,5")
    room.phone.by_testid("class-answer-1").fill("2")
    room.phone.by_testid("class-answer-send").click()
    expect(room.phone.by_testid("class-answer-problem")).to_contain_text("целые числа")
    answers(room, 1)
    expect(room.teacher.page.locator("[data-testid=class-histogram] li .class-bar-label")).to_have_text(["4 × 2"])
    expect(room.student.by_testid("class-answer-0")).to_have_value("4")
    expect(room.student.by_testid("class-answer-1")).to_have_value("2")
    room.teacher.by_testid("class-reveal").click()
    expect(room.student.by_testid("class-result")).to_have_text("Right!", timeout=CLASS_TIMEOUT_MS)


def test_a_sign_answer_stays_pressed_and_can_change(room: Room) -> None:
    ask(room, "sign")
    room.student.by_testid("class-choice-0").click()
    expect(room.student.by_testid("class-choice-0")).to_have_attribute("aria-pressed", "true")
    answers(room, 1)
    room.student.by_testid("class-choice-1").click()
    expect(room.student.by_testid("class-choice-1")).to_have_attribute("aria-pressed", "true")
    expect(room.student.by_testid("class-choice-0")).to_have_attribute("aria-pressed", "false")
    expect(room.teacher.page.locator("[data-testid=class-histogram] li .class-bar-label")).to_have_text(["−"],
                                                                                                       timeout=CLASS_TIMEOUT_MS)
    answers(room, 1)
    room.teacher.by_testid("class-reveal").click()


def test_after_the_reveal_the_projector_says_the_answer_even_when_nobody_gave_it(room: Room) -> None:
    # The tally's bars are the answers given: with none of them right, the projector used to show no answer at all.
    ask(room, "sign")
    right = "-" if result_cell(room.teacher).startswith("\u2212") else "+"
    room.student.by_testid("class-choice-" + str("+-0".index("+" if right == "-" else "-"))).click()
    answers(room, 1)
    expect(room.teacher.by_testid("class-revealed-answer")).to_be_hidden()  # never before the reveal
    room.teacher.by_testid("class-reveal").click()
    expect(room.teacher.by_testid("class-revealed")).to_have_text("Revealed: 0 of 1 right.", timeout=CLASS_TIMEOUT_MS)
    expect(room.teacher.by_testid("class-revealed-answer")).to_have_text("The answer: " + ("\u2212" if right == "-" else "+"))
    # The room closes a revealed question when the teacher moves on: the presenter's bar too (it kept the tally).
    room.teacher.go_to("fwd:O1")
    expect(room.teacher.by_testid("class-revealed")).to_have_text("", timeout=CLASS_TIMEOUT_MS)
    expect(room.teacher.by_testid("class-revealed-answer")).to_be_hidden()


def test_a_question_nobody_answered_says_so_after_the_reveal(room: Room) -> None:
    ask(room, "cells")
    room.teacher.by_testid("class-reveal").click()
    expect(room.student.by_testid("class-result")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    expect(room.teacher.by_testid("class-revealed")).to_have_text("Revealed: nobody answered.")
    expect(room.teacher.page.locator("[data-testid=class-histogram] table")).to_have_count(0)  # no table of zeros
    room.teacher.go_to("fwd:O1")


def test_a_wrong_hand_calculation_marks_its_wrong_cells_after_the_reveal(room: Room) -> None:
    ask(room, "cells")
    student = room.student
    expect(student.by_testid("class-open-handcalc")).to_be_visible()
    rows = student.page.locator("#step-panel .matrix-group.result td[data-row][data-col]")
    values = {(int(c.get_attribute("data-row") or 0), int(c.get_attribute("data-col") or 0)): c.inner_text()
              for c in rows.all()}
    student.by_testid("class-open-handcalc").click()
    cells = student.page.locator("input[data-testid=handcalc-cell]")
    expect(cells.first).to_be_visible()
    for cell in cells.all():
        row, col = int(cell.get_attribute("data-row") or 0), int(cell.get_attribute("data-col") or 0)
        cell.fill("9.999" if (row, col) == (1, 0) else values[(row, col)].replace("\u2212", "-"))
    cells.last.press("Tab")
    student.by_testid("class-answer-send").click()
    answers(room, 1)
    room.teacher.by_testid("class-reveal").click()
    expect(student.by_testid("class-result")).to_have_text("Not this time.", timeout=CLASS_TIMEOUT_MS)
    wrong = room.teacher.page.locator("[data-testid=class-verdicts] li[data-verdict=wrong] .class-bar-count")
    expect(wrong).to_have_text("1")
    own = student.by_testid("class-own-cells")
    expect(own.locator("td.wrong")).to_have_count(1)
    expect(own.locator("td.wrong")).to_have_attribute("data-row", "1")
    expect(own.locator("td.wrong")).to_have_attribute("data-col", "0")
    expect(student.by_testid("class-wrong-cells")).to_have_text("Wrong cells: row 2, column 1.")
    student.by_testid("class-follow").or_(student.by_testid("class-explore")).first.wait_for()
    if student.by_testid("class-follow").is_visible():
        student.by_testid("class-follow").click()


def font_px(page: Page, selector: str) -> float:
    return page.evaluate("(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector)


def box(page: Page, selector: str) -> dict[str, float]:
    return page.evaluate("(s) => { const r = document.querySelector(s).getBoundingClientRect();"
                         " return {top: r.top, bottom: r.bottom, height: r.height}; }", selector)


def test_the_projector_layout_is_compact_and_its_numbers_large(room: Room) -> None:
    teacher = room.teacher
    ask(room, "value")
    teacher.page.evaluate("() => window.scrollTo(0, 0)")
    cell = "#step-panel .matrix-group.result td.cell"
    formula = "#step-panel .formula .katex"
    before = font_px(teacher.page, cell), font_px(teacher.page, formula)
    teacher.by_testid("class-projector").check()
    expect(teacher.page.locator("body.projector")).to_have_count(1)
    after = font_px(teacher.page, cell), font_px(teacher.page, formula)
    assert after[0] >= 1.5 * before[0] and after[1] >= 1.5 * before[1], (before, after)
    assert box(teacher.page, "#class-bar")["height"] <= 240
    assert box(teacher.page, "#step-panel .formula")["bottom"] <= PROJECTOR["height"]
    assert box(teacher.page, "#step-panel .matrix-group.result table")["bottom"] <= PROJECTOR["height"]
    shoot(teacher.page, "class-presenter-projector-1280x720")
    shoot(room.phone.page, "class-student-phone-ru-question")
    teacher.by_testid("class-reveal").click()
    # A network without variants: why is the switch's title, not a paragraph that pushes the step panel down.
    teacher.by_testid("preset").select_option("moons")
    expect(teacher.by_testid("class-variants")).to_be_disabled()
    assert box(teacher.page, "#class-bar")["height"] <= 240
    teacher.by_testid("preset").select_option("exercise")
    expect(teacher.by_testid("class-variants")).to_be_enabled()
    # Each student their own numbers: the student picker stays, the "edits are off" paragraph goes (title).
    teacher.by_testid("class-variants").check()
    expect(teacher.by_testid("class-student-pick")).to_be_visible()
    assert box(teacher.page, "#class-bar")["height"] <= 240
    assert box(teacher.page, "#step-panel .matrix-group.result table")["bottom"] <= PROJECTOR["height"]
    shoot(teacher.page, "class-presenter-projector-variants-1280x720")
    teacher.by_testid("class-variants").uncheck()
    expect(teacher.by_testid("class-student-pick")).to_be_hidden()
    teacher.by_testid("class-projector").uncheck()


def test_the_projector_shows_the_whole_result_at_four_decimals(room: Room) -> None:
    # Three matrices on one line at 4 decimals were wider than the matrices' column: the result's last column was
    # cut off at the panel's edge (seen at 1280×720 on fwd:H1 in a class run).
    teacher = room.teacher
    teacher.go_to("fwd:H1")
    teacher.by_testid("class-projector").check()
    teacher.by_testid("decimals").fill("4")
    teacher.by_testid("decimals").press("Enter")
    try:
        expect(teacher.page.locator("#step-panel .matrix-group.result td.cell").first).to_have_text(re.compile(r"\.\d{4}$"))
        cut = teacher.page.evaluate("""() => {  // a box on the way to the panel narrower than its content clips it
            const cut = [];
            for (let node = document.querySelector("#step-panel .matrix-group.result table"); node && node.id !== "step-panel";
                node = node.parentElement) {
              if (node.scrollWidth > node.clientWidth + 1) cut.push(`${node.className}: ${node.scrollWidth} > ${node.clientWidth}`);
            }
            return cut; }""")
        assert cut == [], cut
        assert box(teacher.page, "#step-panel .matrix-group.result table")["bottom"] <= PROJECTOR["height"]
        shoot(teacher.page, "class-presenter-projector-4-decimals")
    finally:
        teacher.by_testid("decimals").fill("3")
        teacher.by_testid("decimals").press("Enter")
        teacher.by_testid("class-projector").uncheck()


@contextmanager
def more_students(base_url: str, code: str, n: int) -> Iterator[list[ClientConnection]]:
    """`n` more students on bare WebSockets (a browser each is too heavy for 2 cores); closed afterwards."""
    url = base_url.replace("http://", "ws://") + "/api/class/ws"
    with ExitStack() as stack:
        sockets = [stack.enter_context(connect(url, origin=base_url, proxy=None, open_timeout=10)) for _ in range(n)]
        for socket in sockets:
            socket.send(json.dumps({"type": "hello", "code": code, "role": "student"}))
        yield sockets


def answer_on(socket: ClientConnection, value: float) -> None:
    """Wait for the open question on a bare student socket and answer it."""
    while (frame := json.loads(socket.recv(timeout=10)))["type"] != "question":
        pass
    socket.send(json.dumps({"type": "answer", "question_id": frame["question"]["id"], "answer": value}))


def test_the_projector_tally_stays_within_the_bar_after_the_reveal(room: Room) -> None:
    # After Reveal the verdicts' bars, the answers' bars, "Revealed: …" and "The answer: …" stood one under the
    # other: the bar grew to ~455 px at 1280×720 and pushed the step panel's formula and result below the fold.
    teacher = room.teacher
    teacher.go_to("fwd:H1")
    teacher.by_testid("class-projector").check()
    try:
        for variants in (False, True):
            if variants:
                teacher.by_testid("class-variants").check()
                expect(teacher.by_testid("class-student-pick")).to_be_visible()
            with more_students(room.url, teacher.by_testid("class-code").inner_text(), 4) as sockets:
                expect(teacher.by_testid("class-count")).to_have_attribute("data-count", "6", timeout=CLASS_TIMEOUT_MS)
                ask(room, "value")
                right = float(result_cell(teacher).replace("\u2212", "-"))
                for socket, value in zip(sockets, (right, 7.0, -3.5, 12.25), strict=True):
                    answer_on(socket, value)
                room.student.by_testid("class-answer-0").fill("0.5")
                room.student.by_testid("class-answer-send").click()
                answers(room, 5)
                teacher.by_testid("class-reveal").click()
                expect(teacher.by_testid("class-revealed")).to_contain_text("of 5 right", timeout=CLASS_TIMEOUT_MS)
                if not variants:
                    expect(teacher.page.locator("[data-testid=class-histogram] ul:not([data-testid=class-verdicts]) li")).to_have_count(5)
                    expect(teacher.by_testid("class-revealed-answer")).to_be_visible()
                teacher.page.evaluate("() => window.scrollTo(0, 0)")
                shoot(teacher.page, "class-presenter-projector-revealed" + ("-variants" if variants else ""))
                assert box(teacher.page, "#class-bar")["height"] <= 240
                assert box(teacher.page, "#step-panel .formula")["bottom"] <= PROJECTOR["height"]
                assert box(teacher.page, "#step-panel .matrix-group.result table")["bottom"] <= PROJECTOR["height"]
                # Readable from the back row: the bars' labels no smaller than the bar's text.
                assert font_px(teacher.page, "[data-testid=class-histogram] li .class-bar-label") >= 16
                teacher.go_to("fwd:O1")  # the revealed question closes
                expect(teacher.by_testid("class-revealed")).to_have_text("", timeout=CLASS_TIMEOUT_MS)
    finally:
        teacher.by_testid("class-variants").uncheck()
        teacher.by_testid("class-projector").uncheck()
    expect(teacher.by_testid("class-count")).to_have_attribute("data-count", "2", timeout=CLASS_TIMEOUT_MS)


def test_the_presenter_says_no_open_question_once_questions_were_asked(room: Room) -> None:
    # "No question asked yet." stayed after questions were asked and closed.
    teacher = room.teacher
    asked = teacher.page.locator(".class-tally .class-asked")
    ask(room, "sign")
    teacher.by_testid("class-reveal").click()
    teacher.go_to("fwd:O1")  # the revealed question closes
    expect(asked).to_have_text(re.compile(r"^No open question\."), timeout=CLASS_TIMEOUT_MS)
    teacher.page.get_by_test_id("lang").get_by_role("button", name="RU").click()
    try:
        expect(asked).to_have_text(re.compile(r"^Открытого вопроса нет\."))
    finally:
        teacher.page.get_by_test_id("lang").get_by_role("button", name="EN").click()


def test_the_name_fields_placeholder_fits_on_a_russian_phone(room: Room) -> None:
    # "имя (необязательно)" was cut to "имя (необязателы" in its 16ch field at 390 px.
    field = room.phone.by_testid("class-name")
    expect(field).to_be_visible()
    fit = field.evaluate("""(input) => {
        const style = getComputedStyle(input);
        const context = document.createElement("canvas").getContext("2d");
        context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return {text: context.measureText(input.placeholder).width, room}; }""")
    assert fit["text"] <= fit["room"], fit


def test_switching_variants_on_and_off_keeps_every_student_following(room: Room) -> None:
    """Each switch costs a student one snapshot. A snapshot replaying the switches in its log asked for one more
    per switch, a resync storm the server ended at its resync limit (4429): the students' pages said "refused"."""
    teacher = room.teacher
    teacher.by_testid("preset").select_option("exercise")
    teacher.go_to("fwd:H1")
    expect(teacher.by_testid("class-variants")).to_be_enabled()
    before = {name: kinds.count("resync") for name, kinds in room.sent.items()}
    teacher.by_testid("class-variants").check()
    for student in (room.student, room.phone):
        expect(student.by_testid("variant")).to_have_text(re.compile(r"^S\d+$"), timeout=CLASS_TIMEOUT_MS)
    teacher.by_testid("class-variants").uncheck()
    for student in (room.student, room.phone):
        expect(student.by_testid("variant")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    teachers = [text for row in teacher.table_texts("W1") for text in row]  # the English student's are alike
    expect(room.student.page.locator("#step-panel table[data-matrix-id='W1'] td[data-matrix-id]")).to_have_text(
        teachers, timeout=CLASS_TIMEOUT_MS)
    teacher.page.wait_for_timeout(1500)  # room for a storm to show (it closed both pages within a second)
    for name, student in (("student", room.student), ("phone", room.phone)):
        expect_mode(student, "following")
        assert room.sent[name].count("resync") - before[name] <= 1, (name, room.sent[name])


def test_hide_the_next_result_and_predict_first_are_one_state(room: Room) -> None:
    teacher = room.teacher
    panel_option = teacher.page.locator("#step-panel .panel-options input[type=checkbox]").last
    teacher.by_testid("class-predict").check()
    expect(panel_option).to_be_checked()
    panel_option.uncheck()
    expect(teacher.by_testid("class-predict")).not_to_be_checked()
    panel_option.check()
    expect(teacher.by_testid("class-predict")).to_be_checked()
    teacher.by_testid("class-predict").uncheck()
    expect(panel_option).not_to_be_checked()


def test_end_the_class_asks_first(room: Room) -> None:
    teacher = room.teacher
    teacher.by_testid("class-end").click()
    expect(teacher.by_testid("class-end-yes")).to_be_visible()
    expect_mode(teacher, "presenter")
    teacher.by_testid("class-end-cancel").click()
    expect(teacher.by_testid("class-end-yes")).to_be_hidden()
    expect(teacher.by_testid("class-end")).to_be_focused()
    expect_mode(teacher, "presenter")
    expect_mode(room.student, "following")


def test_locked_controls_look_disabled_and_are(room: Room) -> None:
    teacher, student = room.teacher, room.student
    teacher.by_testid("class-lock").check()
    expect(student.by_testid("class-explore")).to_be_hidden(timeout=CLASS_TIMEOUT_MS)
    step_next = student.by_testid("step-next")
    opacity = student.page.evaluate(
        "() => Number(getComputedStyle(document.querySelector('[data-testid=step-next]')).opacity)")
    assert opacity <= 0.5
    assert student.page.evaluate("() => document.querySelector('[data-testid=step-next]').closest('[inert]') !== null")
    assert student.page.evaluate(  # the student's own language stays theirs, and looks it
        "() => Number(getComputedStyle(document.querySelector('[data-testid=lang] button')).opacity)") == 1
    before = student.page.locator("#step-panel-body .panel-content").get_attribute("data-step-id")
    step_next.click(force=True)  # the click lands on nothing: the control is inert
    student.expect_step(before or "")
    teacher.by_testid("class-lock").uncheck()
    expect(student.by_testid("class-explore")).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    assert student.page.evaluate(
        "() => Number(getComputedStyle(document.querySelector('[data-testid=step-next]')).opacity)") == 1


def test_students_see_the_teachers_training(room: Room) -> None:
    """Followers do not train: they see the teacher's progress, in their language, until the run ends."""
    teacher = room.teacher
    teacher.by_testid("train-epochs").fill("10000")
    teacher.by_testid("train").click()
    progress = room.phone.by_testid("class-training")
    expect(progress).to_be_visible(timeout=CLASS_TIMEOUT_MS)
    expect(progress).to_contain_text(re.compile(r"эпоха \d+ из 10000"))
    expect(room.student.by_testid("class-training")).to_contain_text(re.compile(r"epoch \d+ of 10000"))
    teacher.by_testid("train-cancel").click()
    expect(progress).to_be_hidden(timeout=60_000)


def test_the_join_page_shows_no_connection_before_a_code(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto("/join")
        page.locator(READY).wait_for(state="attached")
        expect(page.get_by_test_id("join-code")).to_be_visible()
        expect(page.get_by_test_id("class-connection")).to_have_count(0)
        shoot(page, "class-join-phone-ru")
    finally:
        context.close()


class Wire:
    """A page's class WebSocket through Playwright: passed through, cut (the server is gone), or made silent."""

    def __init__(self) -> None:
        self.down = False
        self.silent = False
        self.routes: list[WebSocketRoute] = []
        self.servers: list[WebSocketRoute] = []

    def route(self, ws: WebSocketRoute) -> None:
        if self.down:
            ws.close()
            return
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))
        server.on_message(lambda message: None if self.silent else ws.send(message))
        self.routes.append(ws)
        self.servers.append(server)

    def cut(self) -> None:
        self.down = True
        for ws in self.routes:
            ws.close()

    def close_as_server(self, code: int, reason: str) -> None:
        """The server closes the page's socket with `code` (the page sees it; the server's end goes too)."""
        for ws, server in zip(self.routes, self.servers, strict=True):
            ws.close(code=code, reason=reason)
            server.close()
        self.routes.clear()
        self.servers.clear()


def test_the_count_is_not_claimed_while_the_server_is_gone(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    wire = Wire()
    try:
        teacher = Explorer(context.new_page())
        teacher.page.route_web_socket(re.compile(r".*/api/class/ws$"), wire.route)
        teacher.open("lang=en&preset=exercise")
        teacher.by_testid("class-start").click()
        expect(teacher.by_testid("class-connection")).to_have_attribute("data-state", "live", timeout=CLASS_TIMEOUT_MS)
        expect(teacher.by_testid("class-count")).to_contain_text("0 students connected")
        wire.cut()
        expect(teacher.by_testid("class-connection")).not_to_have_attribute("data-state", "live",
                                                                           timeout=CLASS_TIMEOUT_MS)
        expect(teacher.by_testid("class-count")).not_to_contain_text("students connected")
        expect(teacher.by_testid("class-count")).to_have_text("Student count unknown: not connected to the server")
    finally:
        context.close()


@contextmanager
def wired_class(browser: Browser, base_url: str) -> Iterator[tuple[Explorer, Explorer, Wire]]:
    """A teacher's class and one student whose class socket goes through a Wire, live: (teacher, student, wire)."""
    teacher_context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    student_context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    wire = Wire()
    try:
        teacher = Explorer(teacher_context.new_page())
        teacher.open("lang=en&preset=exercise")
        teacher.by_testid("class-start").click()
        code = teacher.by_testid("class-code").inner_text()
        student = Explorer(student_context.new_page())
        student.page.clock.install()  # the page's timers, on a clock that runs on its own until moved ahead
        student.page.route_web_socket(re.compile(r".*/api/class/ws$"), wire.route)
        join(student, code)
        expect(student.by_testid("class-connection")).to_have_attribute("data-state", "live", timeout=CLASS_TIMEOUT_MS)
        yield teacher, student, wire
    finally:
        teacher_context.close()
        student_context.close()


def test_a_silent_connection_says_reconnecting(browser: Browser, base_url: str) -> None:
    """Two heartbeats without a word: the pill says "reconnecting", never "live", in a polite live region."""
    with wired_class(browser, base_url) as (_, student, wire):
        pill = student.by_testid("class-connection")
        expect(pill).to_have_attribute("aria-live", "polite")
        wire.silent = True
        student.page.clock.fast_forward(SILENT_MS)  # two heartbeats of silence, not waited out on the wall clock
        expect(pill).to_have_text("reconnecting…", timeout=CLASS_TIMEOUT_MS)


def test_a_socket_closed_for_its_rate_reconnects_and_the_class_goes_on(browser: Browser, base_url: str) -> None:
    """4429 (too many messages, joins or resyncs) is not "the class ended": the page says it is reconnecting, waits
    a few seconds and is back, following. (It ended the class for the page: "The server refused this page".)"""
    with wired_class(browser, base_url) as (teacher, student, wire):
        pill = student.by_testid("class-connection")
        wire.close_as_server(4429, "rate_limited")
        expect(pill).to_have_attribute("data-state", "reconnecting", timeout=CLASS_TIMEOUT_MS)
        expect(student.by_testid("class-problem")).to_contain_text("slow down")
        expect_mode(student, "following")
        expect(pill).to_have_attribute("data-state", "live", timeout=30_000)
        expect_mode(student, "following")
        expect(student.by_testid("class-problem")).to_have_text("")
        teacher.go_to("fwd:O1")
        student.expect_step("fwd:O1")


def shoot(page: Page, name: str) -> None:
    """A screenshot into test-artifacts/, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)


@pytest.mark.parametrize("page_sees_the_log", [True, False], ids=["counted", "refused"])
def test_a_command_past_the_logs_reach_still_reaches_the_students(browser: Browser, page_sees_the_log: bool) -> None:
    """The room's log holds class_log_size entries after its last state; the lock, projector and question frames
    fill it too. The teacher's page counts every one of them (its welcome says how many it starts from), so it
    uploads its state before a step would be refused state_required. A page that did not see them (here the wire
    hides them) has its step refused: the state it uploads then carries the step. Either way the student ends on
    the teacher's step and the teacher's page has nothing to complain about."""
    settings = Settings(log_level="warning", class_log_size=20, class_messages_per_second=1000)
    with running_server(create_app(settings), settings) as url:
        teacher_context = browser.new_context(base_url=url, viewport=DESKTOP, locale="en-US")
        student_context = browser.new_context(base_url=url, viewport=DESKTOP, locale="en-US")
        wire = Wire()
        try:
            teacher = Explorer(teacher_context.new_page())
            teacher.page.route_web_socket(re.compile(r".*/api/class/ws$"), wire.route)
            code = start_class(teacher, [])
            student = Explorer(student_context.new_page())
            join(student, code)
            refused: list[str] = []
            page_end = wire.routes[-1]

            def to_page(message: str | bytes) -> None:
                frame = json.loads(message)
                refused.extend([frame["code"]] if frame.get("code") == "state_required" else [])
                if page_sees_the_log or not (frame.get("type") == "lock" or str(frame.get("id")).startswith("fill-")):
                    page_end.send(message)

            wire.servers[-1].on_message(to_page)
            for n in range(settings.class_log_size):  # the room's flags, as a second presenter screen sends them
                wire.servers[-1].send(json.dumps({"type": "lock", "locked": False, "id": f"fill-{n}"}))
            teacher.go_to("fwd:O1")
            student.expect_step("fwd:O1")
            expect(teacher.by_testid("class-problem")).to_have_text("")
            assert refused == ([] if page_sees_the_log else ["state_required"])
            teacher.go_to("fwd:H2")
            student.expect_step("fwd:H2")
        finally:
            teacher_context.close()
            student_context.close()
