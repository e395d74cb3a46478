"""Variants on paper and in the LMS (issue 14): printed sheets with their key, one sheet per page, Markdown +
LaTeX, and a Moodle XML question bank whose every embedded answer is the trace's number."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, Api, Explorer, close_at, resolve_matrix, shown_number

PREPARE_MS = 90_000  # 30 variants are 60 requests: generous on a loaded 2-core machine
CLOZE = re.compile(r'<td data-matrix-id="([^"]+)" data-row="(\d+)" data-col="(\d+)">'
                   r"\{1:NUMERICAL:=(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)~%50%(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)\}</td>")


# Whole sheets read in one round trip each (a round trip per cell took most of a minute on a busy machine).
CELLS_JS = ("cells => cells.map((c) => [c.dataset.matrixId, Number(c.dataset.row), Number(c.dataset.col),"
            " c.textContent])")
BLANKS_JS = """(tasks, ids) => tasks.map((task, i) => {
    const tables = [...task.querySelectorAll(`table[data-answer-id="${CSS.escape(ids[i])}"]`)];
    return { tables: tables.length, rows: tables.reduce((n, t) => n + t.querySelectorAll("tr").length, 0),
             cells: tables.reduce((n, t) => n + t.querySelectorAll("td").length, 0),
             text: tables.map((t) => t.textContent).join("") };
})"""


def open_dialog(explorer: Explorer, count: int, first: int) -> None:
    explorer.page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    explorer.by_testid("print-variants").click()
    expect(explorer.by_testid("variants-dialog")).to_be_visible()
    explorer.by_testid("variants-count").fill(str(count))
    explorer.by_testid("variants-from").fill(str(first))


def traces(api: Api, preset: str, numbers: range) -> dict[int, dict[str, Any]]:
    bodies = {n: api.client.get(f"/api/presets/{preset}/variants/{n}").json() for n in numbers}
    return {n: api.client.post("/api/trace", json=body).json() for n, body in bodies.items()}


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_printed_sheets_and_their_key(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise")
    page = explorer.page
    open_dialog(explorer, 3, 5)
    explorer.by_testid("variants-print").click()
    sheets = page.locator("[data-testid=variant-sheet]")
    expect(sheets).to_have_count(3)
    assert page.evaluate("() => window.printed") == 1
    assert [s.get_attribute("data-variant") for s in sheets.all()] == ["5", "6", "7"]
    expected = traces(api, "exercise", range(5, 8))
    for n, trace in expected.items():
        sheet = page.locator(f"[data-testid=variant-sheet][data-variant='{n}']")
        # the given numbers carry the step panel's cell hooks
        for matrix_id in ("X", "y", "W1", "W2", "W3"):
            matrix = resolve_matrix(trace, matrix_id)
            cells = sheet.locator(f"td[data-matrix-id='{matrix_id}'][data-row][data-col]")
            expect(cells).to_have_count(sum(len(row) for row in matrix))
            for _, row, col, text in cells.evaluate_all(CELLS_JS):
                assert close_at(shown_number(text), matrix[row][col], 1)
        # one task per step, each with an empty matrix of its result's shape
        tasks = sheet.locator(".variant-task")
        expect(tasks).to_have_count(len(trace["steps"]))
        blanks = tasks.evaluate_all(BLANKS_JS, [step["output"] for step in trace["steps"]])
        for step, blank in zip(trace["steps"], blanks):
            matrix = resolve_matrix(trace, step["output"])
            assert blank["tables"] == 1
            assert blank["rows"] == len(matrix)
            assert blank["cells"] == len(matrix) * len(matrix[0])
            assert blank["text"].strip() == ""
        # the key: every matrix of the trace at the shown decimals
        key = page.locator(f"[data-testid=variants-key] [data-variant='{n}']")
        shown: dict[tuple[str, int, int], list[str]] = {}
        for matrix_id, r, c, text in key.locator("td[data-matrix-id][data-row][data-col]").evaluate_all(CELLS_JS):
            shown.setdefault((matrix_id, r, c), []).append(text)
        for matrix_id in ("H1", "O2", "y_hat", "L", "dL/dW1", "W3_new"):
            matrix = resolve_matrix(trace, matrix_id)
            for r, row in enumerate(matrix):
                for c, value in enumerate(row):
                    [text] = shown[(matrix_id, r, c)]  # exactly one cell shows it
                    assert close_at(shown_number(text), value, 3), (n, matrix_id, r, c)
    assert page.locator("#step-panel [data-testid=variant-sheet]").count() == 0  # outside the step panel

    ARTIFACTS.mkdir(exist_ok=True)
    page.emulate_media(media="print")
    try:
        sheets.first.screenshot(path=str(ARTIFACTS / "variant-sheet-en.png"))
        assert page_count(page.pdf(format="A4")) == 3  # one sheet per printed page, nothing else
        page.evaluate("document.body.dataset.printing = 'key'")
        page.locator("[data-testid=variants-key]").screenshot(path=str(ARTIFACTS / "variants-key-en.png"))
        assert page_count(page.pdf(format="A4")) >= 1
    finally:
        page.emulate_media(media="screen")
    explorer.by_testid("variants-sheets-close").click()
    expect(sheets).to_have_count(0)
    assert explorer.errors == []


def test_sheets_in_russian_and_thirty_on_thirty_pages(explorer: Explorer) -> None:
    explorer.fresh("lang=ru&preset=xor")
    page = explorer.page
    open_dialog(explorer, 30, 1)
    explorer.by_testid("variants-print").click()
    expect(page.locator("[data-testid=variant-sheet]")).to_have_count(30, timeout=PREPARE_MS)
    expect(page.locator("[data-testid=variant-sheet]").first).to_contain_text("Вариант 1")
    page.emulate_media(media="print")
    try:
        assert page_count(page.pdf(format="A4")) == 30
    finally:
        page.emulate_media(media="screen")
    assert explorer.errors == []  # the next test starts on a fresh page: no need to close 30 sheets here


def test_a_preset_without_variants_says_so(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=moons")
    expect(explorer.page.locator(".variants-box")).to_contain_text("too large to compute by hand")
    explorer.by_testid("print-variants").click()
    expect(explorer.by_testid("export-moodle")).to_be_disabled()
    expect(explorer.by_testid("variants-print")).to_be_disabled()
    explorer.by_testid("variants-close").click()


def test_markdown_and_moodle_xml(explorer: Explorer, api: Api, tmp_path: Path) -> None:
    explorer.fresh("lang=ru&preset=exercise")
    page = explorer.page
    open_dialog(explorer, 30, 11)
    with page.expect_download(timeout=PREPARE_MS) as info:
        explorer.by_testid("variants-markdown").click()
    markdown = Path(info.value.path()).read_text(encoding="utf-8")
    assert "## Вариант 11 · " in markdown and "## Вариант 40 · " in markdown and "\\begin{bmatrix}" in markdown
    with page.expect_download() as info:
        explorer.by_testid("export-moodle").click()
    assert info.value.suggested_filename.endswith(".xml")
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')  # the xml line first, as the format requires
    quiz = ET.fromstring(raw)
    assert quiz.tag == "quiz"
    category, *questions = quiz.findall("question")
    assert category.get("type") == "category"
    assert category.findtext("category/text") == "$course$/Backprop Explorer/Задача из курса: 2 → 2 → 2 → 1"
    assert len(questions) == 30 and {q.get("type") for q in questions} == {"cloze"}
    expected = traces(api, "exercise", range(11, 41))
    for n, question in zip(range(11, 41), questions):
        assert question.findtext("name/text") == f"Вариант {n} · Задача из курса: 2 → 2 → 2 → 1"
        assert question.find("questiontext").get("format") == "html"
        html = question.findtext("questiontext/text") or ""
        assert "\\[" in html and "\\(" in html and "{,}" in html  # LaTeX for MathJax, the page's decimal comma
        trace = expected[n]
        answers = CLOZE.findall(html)
        cells = sum(len(r) * len(r[0]) for r in (resolve_matrix(trace, s["output"]) for s in trace["steps"]))
        assert len(answers) == cells == html.count(":NUMERICAL:")
        for matrix_id, row, col, value, tol, close_value, close_tol in answers:
            exact = resolve_matrix(trace, matrix_id)[int(row)][int(col)]
            assert abs(float(value) - exact) <= 1e-12 and value == close_value, (n, matrix_id, row, col)
            assert (float(tol), float(close_tol)) == (0.0005, 0.005)
    assert explorer.errors == []
