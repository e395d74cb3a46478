"""The editor: numbers typed with a decimal comma, problems next to their fields in the page's language,
and what Apply writes back (issue 9, defects 2, 4 and 11)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Explorer, decimals_of
from playwright.sync_api import Route, expect

pytestmark = pytest.mark.e2e

RUSSIAN_Y = "0,5\n1,5\n0,25\n0,75"


def open_editor(explorer: Explorer, lang: str = "ru") -> None:
    explorer.fresh(f"lang={lang}&preset=exercise")
    explorer.page.locator("#editor summary").click()


def applied_request(explorer: Explorer) -> dict[str, Any]:
    """Click Apply and return the body the page posts to /api/trace."""
    with explorer.page.expect_request(lambda r: r.url.endswith("/api/trace") and r.method == "POST") as posted:
        explorer.by_testid("editor-apply").click()
    return posted.value.post_data_json


def test_a_decimal_comma_is_read_as_a_decimal_comma(explorer: Explorer) -> None:
    open_editor(explorer)

    explorer.by_testid("editor-y").fill(RUSSIAN_Y)
    assert applied_request(explorer)["y"] == [[0.5], [1.5], [0.25], [0.75]]

    explorer.by_testid("editor-y").fill("0,5\n1\n0,25\n0,75")  # a comma line next to a whole number
    assert applied_request(explorer)["y"] == [[0.5], [1], [0.25], [0.75]]
    expect(explorer.by_testid("editor-error-y")).to_be_hidden()
    assert explorer.errors == []


def test_a_comma_that_could_be_either_is_called_ambiguous(explorer: Explorer) -> None:
    open_editor(explorer)
    posts: list[str] = []
    explorer.page.on("request", lambda r: posts.append(r.url) if r.url.endswith("/api/trace") else None)

    explorer.by_testid("editor-layers").fill("2, 3, 2")
    explorer.by_testid("editor-y").fill(RUSSIAN_Y)
    explorer.by_testid("editor-apply").click()

    error = explorer.by_testid("editor-error-y")
    expect(error).to_have_text(
        "Строка 1: «0,5» читается как одно число 0,5 — запятая здесь может быть десятичной, — а нужно столбцов: 2."
        " Чтобы ввести 2 числа, разделите их пробелом или точкой с запятой: «0 5».")
    expect(explorer.by_testid("editor-y")).to_have_attribute("aria-invalid", "true")
    assert posts == []


def test_a_field_problem_shows_next_to_it_in_the_page_language_and_goes_when_fixed(explorer: Explorer) -> None:
    open_editor(explorer)
    layers = explorer.by_testid("editor-layers")

    layers.fill("2, 17, 1")
    explorer.by_testid("editor-apply").click()

    error = explorer.by_testid("editor-error-layers")
    expect(error).to_have_text("Слой из 17 нейронов: в слое может быть от 1 до 16.")
    expect(layers).to_have_attribute("aria-invalid", "true")
    expect(layers).to_have_attribute("aria-describedby", "editor-error-layers")
    expect(explorer.by_testid("editor-errors")).to_have_text("Исправьте отмеченные поля.")

    layers.fill("2, 3, 1")  # fixed: no Apply needed for the mark to go

    expect(error).to_be_hidden()
    expect(layers).not_to_have_attribute("aria-invalid", "true")
    expect(explorer.by_testid("editor-errors")).to_be_empty()
    assert explorer.errors == []


def test_the_api_s_problem_is_worded_by_its_rule_not_shown_in_english(explorer: Explorer) -> None:
    open_editor(explorer)

    def too_wide(route: Route) -> None:  # a rule only the server would catch, as if the page had missed it
        body = {**route.request.post_data_json, "layers": [2, 17, 1], "activations": ["sigmoid", "identity"]}
        body.pop("weights", None)
        route.continue_(post_data=json.dumps(body))

    explorer.page.route("**/api/trace", too_wide)
    try:
        explorer.by_testid("editor-apply").click()
        error = explorer.by_testid("editor-error-layers")
        expect(error).to_have_text("Слой из 17 нейронов: в слое может быть от 1 до 16.")
        expect(explorer.by_testid("editor-layers")).to_have_attribute("aria-invalid", "true")
        editor_text = explorer.by_testid("editor").inner_text()
        assert "layers[1]" not in editor_text and " is 17" not in editor_text
    finally:
        explorer.page.unroute("**/api/trace")

    explorer.by_testid("editor-layers").fill("2, 2, 2, 1")  # editing the field clears the server's mark
    expect(explorer.by_testid("editor-error-layers")).to_be_hidden()
    assert [e for e in explorer.errors if "422" not in e] == []


def test_decimals_stay_within_what_the_tables_show(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    decimals = explorer.by_testid("decimals")

    decimals.fill("9")

    expect(decimals).to_have_value("6")
    cells = explorer.table_texts("H1")
    assert cells is not None and {decimals_of(text) for row in cells for text in row} == {6}


def test_apply_writes_numbers_back_in_the_page_language(explorer: Explorer) -> None:
    open_editor(explorer)

    explorer.by_testid("editor-X").fill("0,5 1\n1 0\n1 1\n2 1")
    explorer.by_testid("editor-lr").fill("0,25")
    assert applied_request(explorer)["X"][0] == [0.5, 1]
    explorer.page.locator("[data-testid=preset] option[value='']").wait_for(state="attached")  # a custom network now

    expect(explorer.by_testid("editor-X")).to_have_value("0,5  1\n1  0\n1  1\n2  1")
    expect(explorer.by_testid("editor-lr")).to_have_value("0,25")


def test_a_count_of_one_reads_in_the_singular(explorer: Explorer) -> None:
    open_editor(explorer, "en")

    explorer.by_testid("editor-X").fill("0 1\n1\n1 1\n2 1")
    explorer.by_testid("editor-apply").click()

    expect(explorer.by_testid("editor-error-X")).to_have_text("Line 2 has 1 value, but line 1 has 2.")


def test_a_count_of_one_stays_in_the_page_language(explorer: Explorer) -> None:
    """Russian words this message without plural forms (only `.other`): a count of one must not fall back to
    English's `.one`."""
    open_editor(explorer, "ru")

    explorer.by_testid("editor-X").fill("0 1\n1\n1 1\n2 1")
    explorer.by_testid("editor-apply").click()

    expect(explorer.by_testid("editor-error-X")).to_have_text("Строка 2: значений — 1, а в строке 1 — 2.")
