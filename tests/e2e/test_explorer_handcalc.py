"""The hand-calculation check: inputs in the result table, right / close / wrong with a tolerance that follows
the shown decimals, revealing the answer, and "predict first" hiding each result until it is answered."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, expect

from tests.e2e.conftest import ARTIFACTS, Api, Explorer, close_at, resolve_matrix, shown_number

RESULT = "#step-panel .matrix-group.result"


def panel_screenshot(explorer: Explorer, name: str) -> None:
    """The step panel alone (kept in test-artifacts/, to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    explorer.page.locator("#step-panel").screenshot(path=str(ARTIFACTS / f"explorer-{name}.png"))


def inputs(explorer: Explorer) -> Locator:
    return explorer.page.locator(f"{RESULT} [data-testid=handcalc-cell]")


def entry(explorer: Explorer, row: int, col: int) -> Locator:
    return explorer.page.locator(f"{RESULT} [data-testid=handcalc-cell][data-row='{row}'][data-col='{col}']")


def typed(x: float, comma: bool = False) -> str:
    text = f"{x:.4f}"
    return text.replace(".", ",") if comma else text


def test_the_check_marks_a_right_a_close_and_a_wrong_answer(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.go_to("fwd:H2")
    h2 = resolve_matrix(api.preset_trace("exercise"), "H2")

    explorer.by_testid("handcalc").click()
    expect(explorer.by_testid("handcalc")).to_have_attribute("aria-pressed", "true")
    expect(inputs(explorer)).to_have_count(8)
    # the inputs sit inside the result's cells, which keep their ids; the answer is nowhere on screen
    holder = entry(explorer, 0, 1).locator("xpath=..")
    expect(holder).to_have_attribute("data-matrix-id", "H2")
    expect(holder).to_have_attribute("data-col", "1")
    expect(entry(explorer, 0, 1)).to_have_attribute("aria-label", "H₂, row 1, column 2")
    assert f"{h2[0][0]:.3f}" not in (explorer.page.locator(RESULT).text_content() or "")

    entry(explorer, 0, 0).fill(typed(h2[0][0], comma=True))  # right, with a decimal comma
    entry(explorer, 0, 1).fill(typed(h2[0][1] + 0.003))  # close: 0.003 > 0.0005 but within 0.005
    entry(explorer, 1, 0).fill(typed(h2[1][0] + 0.1))  # wrong
    explorer.by_testid("handcalc-check").click()

    expect(entry(explorer, 0, 0)).to_have_attribute("data-verdict", "right")
    expect(entry(explorer, 0, 1)).to_have_attribute("data-verdict", "close")
    expect(entry(explorer, 1, 0)).to_have_attribute("data-verdict", "wrong")
    expect(entry(explorer, 1, 1)).not_to_have_attribute("data-verdict", "right")
    # not colour alone: each checked cell says its verdict in words (and an icon)
    expect(entry(explorer, 0, 1).locator("xpath=..")).to_contain_text("≈close")
    expect(entry(explorer, 1, 0).locator("xpath=..")).to_contain_text("✗wrong")
    expect(explorer.by_testid("handcalc-summary")).to_have_text("1 of 8 right · 1 close · 1 wrong · 5 empty")
    panel_screenshot(explorer, "handcalc-en")

    # the tolerance follows the shown decimals: at 1 decimal, 0.003 off is right
    explorer.by_testid("decimals").fill("1")
    explorer.by_testid("handcalc-check").click()
    expect(entry(explorer, 0, 1)).to_have_attribute("data-verdict", "right")
    explorer.by_testid("decimals").fill("3")

    explorer.by_testid("handcalc-reveal").click()
    answers = explorer.page.locator(f"{RESULT} .handcalc-answer")
    expect(answers).to_have_count(8)
    for index, text in enumerate(answers.all_text_contents()):
        r, c = divmod(index, 2)
        assert close_at(shown_number(text.split(":")[1]), h2[r][c], 3), (r, c, text)
    explorer.by_testid("handcalc").click()  # closed: the plain result table is back
    expect(inputs(explorer)).to_have_count(0)
    assert explorer.errors == []


def test_the_check_speaks_russian(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=ru&preset=exercise")
    h1 = resolve_matrix(api.preset_trace("exercise"), "H1")
    explorer.by_testid("handcalc").click()

    for r, row in enumerate(h1):
        for c, value in enumerate(row):
            entry(explorer, r, c).fill(typed(value, comma=True))
    entry(explorer, 3, 1).fill("7")
    entry(explorer, 3, 1).press("Enter")  # Enter checks too

    expect(explorer.by_testid("handcalc-summary")).to_have_text("Верно 7 из 8 · неверно: 1")
    expect(entry(explorer, 3, 1).locator("xpath=..")).to_contain_text("неверно")
    expect(entry(explorer, 3, 1)).to_have_attribute("aria-label", "H₁, строка 4, столбец 2")
    panel_screenshot(explorer, "handcalc-ru")
    explorer.by_testid("handcalc").click()


def edge_mode(explorer: Explorer, layer: int) -> str | None:
    return explorer.page.locator(f"#neuron-view .nv-layer-edges[data-layer='{layer}']").get_attribute("data-mode")


def shown_result(explorer: Explorer) -> list[list[str]]:
    return explorer.page.locator(f"{RESULT} td[data-matrix-id]").all_text_contents()


def test_predict_first_hides_each_result_until_it_is_answered(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise")
    trace: dict[str, Any] = api.preset_trace("exercise")
    explorer.by_testid("predict-first").check()
    explorer.go_to("bwd:dL/dW2")

    # hidden: inputs instead of numbers, no scalar expansion, the network's gradient widths and readout held back
    expect(inputs(explorer)).to_have_count(4)
    assert not any(ch.isdigit() for ch in "".join(t.strip() for t in shown_result(explorer)))
    assert edge_mode(explorer, 2) == "pending"
    explorer.page.locator("#neuron-view line[data-weight='2,1,2']").click()
    expect(explorer.page.locator("#neuron-view .graph-readout")).to_contain_text("not computed yet")
    expect(explorer.by_testid("scalar-formula")).to_be_hidden()

    explorer.by_testid("handcalc-skip").click()
    expect(inputs(explorer)).to_have_count(0)
    dw2 = resolve_matrix(trace, "dL/dW2")
    texts = shown_result(explorer)
    assert [close_at(shown_number(t), dw2[i // 2][i % 2], 3) for i, t in enumerate(texts)] == [True] * 4
    assert edge_mode(explorer, 2) == "gradient"
    expect(explorer.page.locator("#neuron-view .graph-readout")).to_contain_text("∂L/∂w²₁₂ =")

    explorer.by_testid("step-next").click()  # the next step is hidden again
    explorer.expect_step("bwd:dL/dO1")
    expect(inputs(explorer)).to_have_count(8)
    d = resolve_matrix(trace, "dL/dO1")
    for r, row in enumerate(d):
        for c, value in enumerate(row):
            entry(explorer, r, c).fill(typed(value))
    explorer.by_testid("handcalc-check").click()  # answered: verdicts and the numbers appear
    expect(explorer.by_testid("handcalc-summary")).to_have_text("8 of 8 right")
    expect(explorer.page.locator(f"{RESULT} .handcalc-answer")).to_have_count(8)

    explorer.go_to("bwd:dL/dW2")  # an answered step stays shown
    expect(inputs(explorer)).to_have_count(0)
    explorer.by_testid("predict-first").uncheck()
    explorer.go_to("fwd:H1")
    expect(inputs(explorer)).to_have_count(0)
    assert explorer.errors == []


def test_every_new_control_has_an_accessible_name(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.by_testid("handcalc").click()
    expect(explorer.by_testid("handcalc")).to_have_accessible_name("Check my calculation")  # the ✎ is decoration
    expect(explorer.by_testid("predict-first")).to_have_accessible_name("Predict first")
    for field in inputs(explorer).all():
        r, c = int(field.get_attribute("data-row") or 0), int(field.get_attribute("data-col") or 0)
        expect(field).to_have_accessible_name(f"H₁, row {r + 1}, column {c + 1}")
    explorer.by_testid("handcalc").click()

    explorer.page.locator("#step-panel td[data-matrix-id='X'][data-row='2'][data-col='1']").dblclick()
    expect(explorer.by_testid("cell-editor")).to_have_accessible_name("New value of X, row 3, column 2")
    explorer.by_testid("cell-editor").press("Escape")

    explorer.by_testid("editor").locator("summary").click()
    expect(explorer.by_testid("editor-W3")).to_have_accessible_name("W₃ [2×1]")
