"""README.md and docs/contract.md state the core's limits as app.core.LIMITS has them."""

from __future__ import annotations

from pathlib import Path

from app.core import LIMITS

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_states_the_core_s_limits():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())

    assert (f"up to {LIMITS.max_layers} layers × {LIMITS.max_width} neurons and {LIMITS.max_rows} observations"
            in readme)
    assert f"(1..{LIMITS.max_predict_rows} rows)" in readme


def test_the_contract_states_the_core_s_limits():
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")

    assert (f"max_layers={LIMITS.max_layers}, max_width={LIMITS.max_width}, max_rows={LIMITS.max_rows}, "
            f"max_epochs={LIMITS.max_epochs:_}") in contract
    assert f"LIMITS.max_predict_rows ({LIMITS.max_predict_rows})" in contract
    assert f"(1..{LIMITS.max_predict_rows} rows" in contract
