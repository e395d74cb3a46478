"""Formulas read as plain text (timeline tooltips, aria-labels, the screen-reader announcement): no LaTeX leaks."""

from __future__ import annotations

import pytest
from conftest import Explorer
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

LATEX_MARKS = ("\\", "frac", "_", "^", "{", "}")


@pytest.mark.parametrize(("step_id", "text"), [
    ("bwd:dL/dy_hat", "d = ∂L/∂ŷ = ŷ − y"),
    ("loss:L", "L = 1/2 Σᵢⱼ (yᵢⱼ − ŷᵢⱼ)²"),
    ("bwd:dL/dW2", "∂L/∂W₂ = O₁ᵀ · d"),
])
def test_step_formulas_read_as_plain_text(explorer: Explorer, step_id: str, text: str) -> None:
    explorer.fresh("lang=en&preset=exercise")

    explorer.go_to(step_id)

    mark = explorer.mark(step_id)
    for shown in (mark.get_attribute("title"), mark.get_attribute("aria-label")):
        assert shown is not None and shown.endswith(text), shown
        assert not any(sign in shown for sign in LATEX_MARKS), shown
    expect(explorer.page.locator("#announcer")).to_contain_text(f"— {text}")
    assert explorer.errors == []
