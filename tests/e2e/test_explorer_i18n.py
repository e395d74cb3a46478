"""The language switch: labels and number format (tables and typeset formulas) change, and the choice is remembered."""

from __future__ import annotations

import re

import pytest
from conftest import Api, Explorer, close_at, resolve_matrix, shown_number
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

RU_NUMBER = re.compile(r"^\u2212?\d+,\d{3}$")
EN_NUMBER = re.compile(r"^\u2212?\d+\.\d{3}$")


def lang_button(explorer: Explorer, lang: str):
    return explorer.page.locator(f"[data-testid=lang] button[data-lang={lang}]")


def test_russian_changes_labels_and_decimal_separator(explorer: Explorer, api: Api) -> None:
    trace = api.preset_trace("exercise")
    explorer.fresh("preset=exercise")  # no language in the URL: an English browser starts in English
    explorer.expect_counter("Step 1 of 17")

    lang_button(explorer, "ru").click()

    explorer.expect_counter("Шаг 1 из 17")
    expect(explorer.by_testid("next-iteration")).to_have_text("Следующая итерация")
    expect(explorer.by_testid("step-next")).to_have_attribute("aria-label", "Следующий шаг")
    expect(lang_button(explorer, "ru")).to_have_attribute("aria-pressed", "true")
    assert explorer.page.evaluate("document.documentElement.lang") == "ru"
    cells = explorer.table_texts("H1")
    assert cells is not None
    for r, row in enumerate(resolve_matrix(trace, "H1")):
        for c, value in enumerate(row):
            assert RU_NUMBER.match(cells[r][c]), cells[r][c]
            assert close_at(shown_number(cells[r][c]), value, 3)
    assert explorer.errors == []


def test_russian_formulas_use_the_decimal_comma(explorer: Explorer) -> None:
    explorer.fresh("preset=exercise&lang=ru&step=bwd:dL/dW2")

    explorer.page.locator("#step-panel td[data-matrix-id='dL/dW2'][data-row='0'][data-col='1']").click()

    scalar = explorer.by_testid("scalar-formula")
    expect(scalar).to_be_visible()
    source = explorer.tex_source("scalar-formula")
    assert "{,}" in source and not re.search(r"\d\.\d", source)
    typeset = scalar.locator(".katex-html").first.text_content() or ""
    assert re.search(r"\d,\d{3}", typeset) and not re.search(r"\d\.\d", typeset)
    explorer.screenshot("russian")
    assert explorer.errors == []


def test_the_language_is_remembered_after_a_reload(explorer: Explorer) -> None:
    explorer.fresh("preset=exercise")
    lang_button(explorer, "ru").click()
    explorer.expect_counter("Шаг 1 из 17")

    explorer.fresh("preset=exercise")  # the URL names no language: it comes from what was stored

    explorer.expect_counter("Шаг 1 из 17")
    expect(lang_button(explorer, "ru")).to_have_attribute("aria-pressed", "true")
    expect(explorer.page.locator("#step-panel td[data-matrix-id='H1']").first).to_have_text(RU_NUMBER)

    lang_button(explorer, "en").click()
    explorer.fresh("preset=exercise")

    explorer.expect_counter("Step 1 of 17")
    expect(explorer.page.locator("#step-panel td[data-matrix-id='H1']").first).to_have_text(EN_NUMBER)
    assert explorer.errors == []


def test_russian_leaves_no_english_in_views_labels_or_announcements(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=exercise")
    explorer.go_to("fwd:O1")
    expect(explorer.page.locator("#announcer")).to_contain_text("Step")

    lang_button(explorer, "ru").click()

    explorer.expect_counter("Шаг 2 из 17")
    subtitles = explorer.page.locator("#neuron-view .nv-column-activation")
    expect(subtitles).to_have_text(["сигмоида", "сигмоида", "тождественная"])
    expect(explorer.page.locator("section.lower")).to_have_attribute("aria-label", "Обучение, данные и редактор")
    expect(explorer.page.locator("#announcer")).to_have_text("Шаг 2 из 17: прямой проход — O₁ = σ(H₁)")
    assert explorer.errors == []
