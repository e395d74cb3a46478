"""Exercise variants on the explorer (issue 14): "New numbers", the link and the state file reproduce a variant,
the hand-calculation check works on it; presets too large to do by hand say they have none."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

from playwright.sync_api import expect

from tests.e2e.conftest import Api, Explorer, resolve_matrix
from tests.e2e.test_explorer_handcalc import entry, typed


def shown_variant(explorer: Explorer) -> int:
    expect(explorer.by_testid("variant")).to_have_text(re.compile(r"^\d+$"))
    return int(explorer.by_testid("variant").text_content() or "0")


def test_new_numbers_show_another_variant_and_the_link_reproduces_it(explorer: Explorer, api: Api) -> None:
    explorer.fresh("lang=en&preset=exercise")
    expect(explorer.by_testid("variant")).to_have_text("")
    explorer.by_testid("variant-new").click()
    n = shown_variant(explorer)
    expect(explorer.page.locator(".variant-label")).to_have_text(f"variant {n}")
    body = api.client.get(f"/api/presets/exercise/variants/{n}").json()
    x = explorer.page.locator("#step-panel td[data-matrix-id='X']")
    expect(x.first).to_have_text(f"{body['X'][0][0]:.3f}")
    expect(explorer.page).to_have_url(re.compile(rf"preset=exercise.*variant={n}|variant={n}.*preset=exercise"))
    assert "s" not in parse_qs(explorer.page.url.split("#")[1]), "the variant number alone reproduces the numbers"

    explorer.by_testid("variant-new").click()  # another one
    expect(explorer.by_testid("variant")).not_to_have_text(str(n))
    shown_variant(explorer)

    # the link opens the same variant in a fresh page
    explorer.fresh(f"lang=en&preset=exercise&variant={n}&step=fwd:H1")
    assert shown_variant(explorer) == n
    expect(x.first).to_have_text(f"{body['X'][0][0]:.3f}")

    # the hand check works on it as on any network
    trace = api.client.post("/api/trace", json=body).json()
    h1 = resolve_matrix(trace, "H1")
    explorer.by_testid("handcalc").click()
    for r, row in enumerate(h1):
        for c, value in enumerate(row):
            entry(explorer, r, c).fill(typed(value))
    explorer.by_testid("handcalc-check").click()
    expect(explorer.by_testid("handcalc-summary")).to_have_text("8 of 8 right")
    explorer.by_testid("handcalc").click()

    # another preset is no variant any more, and a preset too large for hand calculation has none
    explorer.by_testid("preset").select_option("moons")
    expect(explorer.by_testid("variant")).to_have_text("")
    expect(explorer.by_testid("variant-new")).to_be_disabled()
    expect(explorer.by_testid("variant-new")).to_have_attribute("title", re.compile("too large to compute by hand"))
    assert explorer.errors == []


def test_the_state_file_keeps_the_variant(explorer: Explorer, api: Api, tmp_path: Path) -> None:
    explorer.fresh("lang=ru&preset=xor&variant=42")
    assert shown_variant(explorer) == 42
    expect(explorer.page.locator(".variant-label")).to_have_text("вариант 42")
    explorer.by_testid("share").locator("summary").click()
    with explorer.page.expect_download() as info:
        explorer.by_testid("state-save").click()
    path = tmp_path / "state.json"
    info.value.save_as(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["student"] == {"variant": 42, "ownNumbers": None}  # a solo page: no own numbers of a class
    assert "variant" not in saved["state"], "a class shares the state: the variant is each student's own"
    assert saved["state"]["request"] == api.client.get("/api/presets/xor/variants/42").json()

    explorer.fresh("lang=ru&preset=exercise")
    explorer.by_testid("share").locator("summary").click()
    explorer.by_testid("state-open").set_input_files(str(path))
    assert shown_variant(explorer) == 42
    assert explorer.errors == []


def test_a_bad_variant_in_a_link_falls_back_to_the_preset(explorer: Explorer) -> None:
    explorer.fresh("lang=en&preset=moons&variant=3")
    expect(explorer.by_testid("variant")).to_have_text("")
    explorer.fresh("lang=en&preset=exercise&variant=0")
    expect(explorer.by_testid("variant")).to_have_text("")
    assert explorer.errors == []
