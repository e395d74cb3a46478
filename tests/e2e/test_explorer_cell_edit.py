"""Editing a number in place: a weight cell in the step panel, a weight edge in the network view, an X cell
typed with a decimal comma, weights pasted into the editor. Every result is compared with a fresh trace of
the edited request from the live server's /api/trace."""

from __future__ import annotations

import copy
import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, Explorer, close_at, decimals_of, resolve_matrix, shown_number


def panel_screenshot(explorer: Explorer, name: str) -> None:
    """The step panel alone (kept in test-artifacts/, to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    explorer.page.locator("#step-panel").screenshot(path=str(ARTIFACTS / f"explorer-{name}.png"))


def cell(explorer: Explorer, matrix_id: str, row: int, col: int, scope: str = "#step-panel .matrix-group.inputs"):
    return explorer.page.locator(f"{scope} td[data-matrix-id='{matrix_id}'][data-row='{row}'][data-col='{col}']")


def live_trace(explorer: Explorer, request: dict[str, Any]) -> dict[str, Any]:
    """The live server's answer for `request` (the page's own server, not an in-process copy)."""
    response = explorer.page.request.post("/api/trace", data=request)
    assert response.ok, response.text()
    return response.json()


def exercise_request(explorer: Explorer) -> dict[str, Any]:
    presets = explorer.page.request.get("/api/presets").json()["presets"]
    return copy.deepcopy(next(p for p in presets if p["id"] == "exercise")["request"])


def panel_tables(explorer: Explorer) -> dict[str, list[list[str]]]:
    """Every table of the step panel: matrix id → cell texts, row by row."""
    return explorer.page.evaluate(
        """() => {
            const out = {};
            for (const td of document.querySelectorAll("#step-panel td[data-matrix-id]")) {
                const rows = (out[td.dataset.matrixId] ??= []);
                (rows[Number(td.dataset.row)] ??= [])[Number(td.dataset.col)] = td.textContent;
            }
            return out;
        }"""
    )


def assert_panel_shows(explorer: Explorer, trace: dict[str, Any]) -> None:
    tables = panel_tables(explorer)
    assert len(tables) >= 2
    for matrix_id, rows in tables.items():
        exact = resolve_matrix(trace, matrix_id)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                assert close_at(shown_number(text), exact[r][c], decimals_of(text)), (matrix_id, r, c, text, exact[r][c])


def test_a_weight_cell_edited_in_place_gives_the_api_trace_of_the_new_weights(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.go_to("fwd:H2")

    cell(explorer, "W2", 1, 0).dblclick()
    editor = explorer.page.get_by_test_id("cell-editor")
    expect(editor).to_have_value("0.1")
    expect(editor).to_have_attribute("aria-label", "New value of W₂, row 2, column 1")
    editor.fill("0.25")
    editor.press("Enter")

    expect(cell(explorer, "W2", 1, 0)).to_have_text("0.250")
    expect(editor).to_have_count(0)
    explorer.expect_step("fwd:H2")  # the current step stays
    request = exercise_request(explorer)
    request["weights"][1][1][0] = 0.25
    trace = live_trace(explorer, request)
    assert_panel_shows(explorer, trace)
    explorer.go_to("upd:W2")
    assert_panel_shows(explorer, trace)
    assert explorer.errors == []


def test_a_weight_edge_edited_in_the_network_view_gives_the_api_trace(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.go_to("bwd:dL/dW2")
    explorer.page.locator("#neuron-view line[data-weight='2,1,2']").click()
    expect(explorer.by_testid("edge-edit")).to_have_accessible_name("Edit w²₁₂")  # ✎ for the selected edge

    explorer.page.locator("#neuron-view line[data-weight='2,1,2']").dblclick()
    editor = explorer.page.get_by_test_id("cell-editor")
    expect(editor).to_have_attribute("aria-label", "New value of w²₁₂")
    expect(editor).to_have_value("-0.4")  # the weight itself, although a backward step selects its gradient
    editor.fill("-0,45")
    editor.press("Enter")

    expect(editor).to_have_count(0)
    explorer.expect_step("bwd:dL/dW2")
    request = exercise_request(explorer)
    request["weights"][1][0][1] = -0.45
    trace = live_trace(explorer, request)
    expect(explorer.page.locator("#step-panel .matrix-group.result td[data-row='0'][data-col='1']")).to_have_text(
        f"{trace['backward']['dW'][1][0][1]:.3f}".replace("-", "\u2212"))
    assert_panel_shows(explorer, trace)
    explorer.go_to("fwd:H2")
    expect(cell(explorer, "W2", 0, 1)).to_have_text("\u22120.450")
    assert_panel_shows(explorer, trace)
    assert explorer.errors == []


def test_a_data_cell_typed_with_a_decimal_comma_gives_the_api_trace(explorer: Explorer) -> None:
    explorer.fresh("lang=ru&preset=exercise")
    explorer.expect_step("fwd:H1")

    cell(explorer, "X", 3, 0).dblclick()
    editor = explorer.page.get_by_test_id("cell-editor")
    expect(editor).to_have_attribute("aria-label", "Новое значение X, строка 4, столбец 1")
    editor.fill("1,5")
    editor.press("Enter")

    expect(cell(explorer, "X", 3, 0)).to_have_text("1,500")
    explorer.expect_step("fwd:H1")
    request = exercise_request(explorer)
    request["X"][3][0] = 1.5
    trace = live_trace(explorer, request)
    assert_panel_shows(explorer, trace)
    explorer.go_to("loss:L")  # y and ŷ of the new data
    assert_panel_shows(explorer, trace)
    assert explorer.errors == []


def test_escape_cancels_and_keys_open_the_editor(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    traces: list[str] = []
    explorer.page.on("request", lambda req: traces.append(req.url) if req.url.endswith("/api/trace") else None)
    w = cell(explorer, "W1", 0, 0)

    w.click()  # selects it
    expect(w).to_have_class(re.compile(r"\bis-selected\b"))
    w.press("Enter")  # Enter on the selected cell edits it
    editor = explorer.page.get_by_test_id("cell-editor")
    editor.fill("9")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(w).to_have_text("0.500")
    expect(w).to_be_focused()

    w.press("F2")
    expect(editor).to_be_focused()
    editor.press("Escape")
    explorer.page.get_by_test_id("cell-edit").click()  # the ✎ button for the selected cell
    expect(editor).to_have_value("0.5")
    editor.press("Escape")

    explorer.expect_step("fwd:H1")
    assert traces == []  # nothing was sent
    assert_panel_shows(explorer, live_trace(explorer, exercise_request(explorer)))


def test_an_invalid_number_is_named_next_to_the_editor_in_the_page_language(explorer: Explorer) -> None:
    explorer.fresh("lang=ru&preset=exercise")
    cell(explorer, "W1", 1, 1).dblclick()
    editor = explorer.page.get_by_test_id("cell-editor")

    editor.fill("0,5x")
    editor.press("Enter")

    message = explorer.page.get_by_test_id("cell-editor-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("«0,5x» — не число")
    inside = "el => { const m = el.getBoundingClientRect(), s = el.closest('.table-scroll').getBoundingClientRect();" \
             " return m.bottom <= s.bottom + 1 && m.right <= s.right + 1; }"
    assert message.evaluate(inside), "the message is not clipped by the table's scroller"
    expect(editor).to_have_attribute("aria-invalid", "true")
    expect(editor).to_be_visible()  # still open for a correction
    panel_screenshot(explorer, "cell-editor-invalid-ru")
    editor.press("Escape")
    expect(cell(explorer, "W1", 1, 1)).to_have_text("0,800")


def test_weights_pasted_into_the_editor_from_a_spreadsheet_apply(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.by_testid("editor").locator("summary").click()

    explorer.by_testid("editor-W1").fill("0,4\t-0,3\n0,2\t0,8\n")  # tab separated, decimal commas
    explorer.by_testid("editor-W2").fill("0.6; -0.4\n0.1; 0.9")  # semicolons
    explorer.by_testid("editor-W3").fill("1,25\n-0,5")
    explorer.by_testid("editor-apply").click()

    expect(cell(explorer, "W1", 0, 0)).to_have_text("0.400")
    request = exercise_request(explorer)
    request["weights"] = [[[0.4, -0.3], [0.2, 0.8]], [[0.6, -0.4], [0.1, 0.9]], [[1.25], [-0.5]]]
    trace = live_trace(explorer, request)
    assert_panel_shows(explorer, trace)
    explorer.go_to("fwd:y_hat")
    assert_panel_shows(explorer, trace)
    assert explorer.errors == []


def test_a_pasted_matrix_of_the_wrong_shape_is_named(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.by_testid("editor").locator("summary").click()

    explorer.by_testid("editor-W2").fill("0.6\t-0.4\t1\n0.1\t0.9\t1")
    explorer.by_testid("editor-apply").click()

    expect(explorer.by_testid("editor-error-weights")).to_contain_text("W₂: these layers need 2×2, the text has 2×3.")


def test_an_edited_weight_repaints_the_data_view_on_the_same_grid(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    grid = explorer.by_testid("data-view-grid")
    expect(grid).to_have_attribute("data-state", "ready")
    before = explorer.page.evaluate("() => { window.firstCell = document.querySelector('.dv-cell'); return firstCell.dataset.yhat; }")

    cell(explorer, "W1", 0, 0).dblclick()
    explorer.by_testid("cell-editor").fill("2")
    explorer.by_testid("cell-editor").press("Enter")

    expect(cell(explorer, "W1", 0, 0)).to_have_text("2.000")
    expect(grid).to_have_attribute("data-state", "ready")
    after = explorer.page.evaluate("() => [document.querySelector('.dv-cell') === window.firstCell, firstCell.dataset.yhat]")
    assert after[0], "the 900 cells are reused when only the weights changed"
    assert after[1] != before
