"""Check and export (issue 9): the gradient check view, the JSON / CSV / Markdown exports and the printable
handout, each compared with what the API answers for the same request, in English and Russian."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Api, Explorer, download_text, resolve_matrix

PRESET_IDS = ("exercise", "xor", "moons", "deep")


def request_after_one_iteration(api: Api, preset_id: str) -> dict[str, Any]:
    """The request the page traces after Next iteration: the preset with the updated weights (and biases)."""
    request = api.presets()[preset_id]["request"]
    trace = api.trace(request)
    following = {**request, "weights": trace["updated"]["W"]}
    if trace["spec"]["bias"]:
        following["biases"] = trace["updated"]["b"]
    return following


def next_iteration(explorer: Explorer) -> None:
    explorer.by_testid("next-iteration").click()
    expect(explorer.by_testid("iteration")).to_have_text(re.compile(r"(Iteration|Итерация) 2"))


@pytest.mark.parametrize("preset_id", PRESET_IDS)
def test_the_gradient_check_shows_every_parameter_matrix_below_1e_6(explorer: Explorer, api: Api, preset_id: str) -> None:
    explorer.fresh(f"lang=en&preset={preset_id}")
    request = api.presets()[preset_id]["request"]
    answer = api.trace({**request, "gradcheck": True})

    explorer.by_testid("gradcheck").click()

    table = explorer.by_testid("gradcheck-result")
    expect(table).to_be_visible(timeout=30_000)
    rows = table.locator("tr[data-param]")
    expected = answer["gradcheck"]["per_param"]
    assert rows.evaluate_all("rows => rows.map((r) => r.dataset.param)") == [p["name"] for p in expected]
    analytic = answer["backward"]["dW"] + answer["backward"]["db"]
    for index, param in enumerate(expected):
        row = rows.nth(index)
        shown = float(row.get_attribute("data-rel-error"))
        assert shown == param["max_rel_error"]
        assert shown < 1e-6  # the core's step size keeps every preset below it (tests/core/test_gradcheck.py)
        assert row.locator(".gc-verdict").text_content() == "agree"  # said in words, not colour alone
        columns = row.locator("pre.gc-matrix").all_text_contents()
        for text, exact in zip(columns, (analytic[index], param["numeric"]), strict=True):
            numbers = [float(x.replace("\u2212", "-")) for x in text.split()]
            assert numbers == pytest.approx(list(_flat(exact)), rel=1e-7, abs=1e-12)
    assert explorer.errors == []


def _flat(value: Any) -> list[float]:
    return [x for row in value for x in (row if isinstance(row, list) else [row])]


def test_the_gradient_check_explains_central_differences_and_is_labelled_in_russian(explorer: Explorer) -> None:
    explorer.fresh("lang=ru&preset=xor")
    explorer.by_testid("gradcheck").click()
    table = explorer.by_testid("gradcheck-result")
    expect(table).to_be_visible(timeout=30_000)

    assert "центральными разностями" in explorer.page.locator("#gradcheck-box").text_content()
    assert table.locator("th[scope=col]").count() == 5 and table.locator("th[scope=row]").count() == 4
    assert table.locator(".gc-verdict").all_text_contents() == ["совпадают"] * 4
    explorer.screenshot("gradcheck-ru")
    explorer.fresh("lang=en&preset=deep")
    explorer.by_testid("gradcheck").click()
    expect(explorer.by_testid("gradcheck-result")).to_be_visible(timeout=30_000)
    explorer.screenshot("gradcheck-en")
    assert explorer.errors == []


def test_the_json_export_equals_a_fresh_api_trace(explorer: Explorer, api: Api, tmp_path: Path) -> None:
    explorer.fresh("lang=en&preset=xor")
    next_iteration(explorer)

    name, text = download_text(explorer, "export-json", tmp_path)

    assert name == "backprop-xor-iteration-2-trace.json"
    assert json.loads(text) == api.trace(request_after_one_iteration(api, "xor"))


@pytest.mark.parametrize(("lang", "delimiter"), [("en", ","), ("ru", ";")])
def test_the_csv_export_parses_back_to_the_same_matrices(
    explorer: Explorer, api: Api, tmp_path: Path, lang: str, delimiter: str
) -> None:
    explorer.fresh(f"lang={lang}&preset=xor")
    next_iteration(explorer)
    trace = api.trace(request_after_one_iteration(api, "xor"))

    _, text = download_text(explorer, "export-csv", tmp_path)

    blocks = [block for block in re.split(r"\r?\n\r?\n", text.strip()) if block]
    parsed: dict[str, list[list[float]]] = {}
    for block in blocks:
        head, *rows = list(csv.reader(io.StringIO(block), delimiter=delimiter))
        parsed[head[0]] = [[float(cell.replace(",", ".")) for cell in row] for row in rows]
        assert head[1] == f"{len(rows)}x{len(rows[0])}"
    step_ids = {id_ for step in trace["steps"] for id_ in (*step["inputs"], step["output"])}
    assert set(parsed) == step_ids | {"X", "y"}
    for matrix_id, matrix in parsed.items():
        assert matrix == resolve_matrix(trace, matrix_id), matrix_id


def _tex_number(value: float, lang: str) -> str:
    text = f"{abs(value):.3f}"
    if float(text) != 0 and value < 0:
        text = "-" + text
    return text.replace(".", "{,}") if lang == "ru" else text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_markdown_handout_holds_every_step_formula_with_its_numbers(
    explorer: Explorer, api: Api, tmp_path: Path, lang: str
) -> None:
    explorer.fresh(f"lang={lang}&preset=xor")
    trace = api.preset_trace("xor")

    name, text = download_text(explorer, "export-handout", tmp_path)

    assert name == f"backprop-xor-iteration-1-handout-{lang}.md"
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(sections) == len(trace["steps"])
    heading = "Step" if lang == "en" else "Шаг"
    for section, step in zip(sections, trace["steps"], strict=True):
        assert section.startswith(f"{heading} ") and step["id"] in section.splitlines()[0]
        assert f"$${step['latex']}$$" in section
        for matrix_id in (*step["inputs"], step["output"]):
            for value in _flat(resolve_matrix(trace, matrix_id)):
                assert _tex_number(value, lang) in section, (step["id"], matrix_id, value)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_printable_handout_typesets_every_step_and_prints_alone(explorer: Explorer, api: Api, lang: str) -> None:
    explorer.fresh(f"lang={lang}&preset=exercise")
    trace = api.preset_trace("exercise")
    page = explorer.page
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")

    explorer.by_testid("print-handout").click()

    handout = explorer.by_testid("handout")
    expect(handout).to_be_visible()
    assert page.evaluate("() => window.printed") == 1
    steps = handout.locator("article.handout-step")
    assert steps.evaluate_all("items => items.map((a) => a.dataset.stepId)") == [s["id"] for s in trace["steps"]]
    for index, step in enumerate(trace["steps"]):
        article = steps.nth(index)
        tex = article.locator(".handout-formula annotation[encoding='application/x-tex']").text_content()
        assert tex == step["latex"]
        assert article.locator(".handout-math .katex").count() >= 1 + len(step["inputs"])  # formula and numbers
    try:
        page.emulate_media(media="print")
        expect(handout).to_be_visible()
        expect(page.locator("#app")).to_be_hidden()
        expect(page.locator(".step-bar")).to_be_hidden()
        explorer.screenshot(f"handout-print-{lang}")
    finally:
        page.emulate_media(media="screen")
    handout.get_by_test_id("handout-close").click()
    expect(handout).to_be_hidden()
    assert explorer.errors == []


def test_the_new_views_have_labelled_controls_and_table_headers(explorer: Explorer) -> None:
    """Without axe-core on this branch: every control of the new views has a name, every table its headers."""
    explorer.fresh("lang=ru&preset=xor")
    explorer.by_testid("gradcheck").click()
    expect(explorer.by_testid("gradcheck-result")).to_be_visible(timeout=30_000)
    explorer.page.evaluate("() => { window.print = () => {}; }")
    explorer.by_testid("print-handout").click()

    unnamed = explorer.page.evaluate(
        """() => [...document.querySelectorAll("#tools button, #tools input, #handout button, #train-form progress, #train-form button")]
            .filter((el) => !(el.textContent.trim() || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")))
            .map((el) => el.outerHTML)"""
    )
    headless = explorer.page.evaluate(
        """() => [...document.querySelectorAll("#tools table")].filter((t) => !t.querySelector("th[scope]") || !t.caption)
            .map((t) => t.outerHTML.slice(0, 80))"""
    )
    assert unnamed == [] and headless == []
    assert explorer.by_testid("handout").get_attribute("aria-labelledby") == "handout-title"
