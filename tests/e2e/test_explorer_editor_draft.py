"""Unsaved editor edits survive picking another preset: kept as a draft the learner can restore or discard."""

from __future__ import annotations

import pytest
from conftest import Explorer
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TYPED_Y = "0.5\n1.5\n0.25\n0.75"


def test_picking_another_preset_keeps_unsaved_edits_as_a_draft(explorer: Explorer) -> None:
    explorer.fresh()
    page = explorer.page
    page.locator("[data-testid=editor] summary").click()
    explorer.by_testid("editor-y").fill(TYPED_Y)
    explorer.by_testid("editor-lr").fill("0.25")

    explorer.by_testid("preset").select_option("xor")
    explorer.expect_step("fwd:H1")

    draft = explorer.by_testid("editor-draft")
    expect(draft).to_be_visible()
    expect(explorer.by_testid("editor-y")).not_to_have_value(TYPED_Y)  # the fields show the new preset
    explorer.by_testid("editor-draft-restore").click()
    expect(explorer.by_testid("editor-y")).to_have_value(TYPED_Y)
    expect(explorer.by_testid("editor-lr")).to_have_value("0.25")
    expect(draft).to_be_hidden()

    explorer.by_testid("preset").select_option("exercise")
    expect(draft).to_be_visible()
    explorer.by_testid("editor-draft-discard").click()
    expect(draft).to_be_hidden()
    explorer.by_testid("preset").select_option("xor")
    expect(explorer.by_testid("preset")).to_have_value("xor")
    expect(draft).to_be_hidden()
    assert explorer.errors == []
