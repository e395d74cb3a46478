"""Keys after picking from a menu: ← → step (the help says the keys work whenever you are not typing)."""

from __future__ import annotations

import pytest
from conftest import Api, Explorer
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_arrow_right_after_picking_a_preset_steps_instead_of_switching_the_preset(explorer: Explorer, api: Api) -> None:
    steps = len(api.preset_trace("xor")["steps"])
    explorer.fresh()
    menu = explorer.by_testid("preset")
    menu.focus()
    menu.select_option("xor")
    explorer.expect_counter(f"Step 1 of {steps}")
    explorer.by_testid("next-iteration").click()
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 2")
    menu.focus()

    explorer.page.keyboard.press("ArrowRight")
    explorer.page.keyboard.press("ArrowRight")

    explorer.expect_counter(f"Step 3 of {steps}")
    expect(menu).to_have_value("xor")
    expect(explorer.by_testid("iteration")).to_have_text("Iteration 2")
    explorer.page.keyboard.press("ArrowLeft")
    explorer.expect_counter(f"Step 2 of {steps}")
    assert explorer.errors == []
