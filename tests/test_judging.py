"""The judging rule of a hand-calculated number against the one table of cases the JS tests read too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.judging import judge, tolerance

CASES = json.loads((Path(__file__).parent / "cases" / "judging.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_every_case_of_the_shared_table(case: dict) -> None:
    verdict = judge(case["typed"], case["exact"], case["decimals"], case["shown"])
    assert (verdict.verdict, verdict.basis) == (case["verdict"], case["basis"])


def test_the_tolerance_is_half_a_unit_of_the_last_decimal() -> None:
    assert tolerance(3) == 0.0005
    assert judge(float("nan"), 1.0, 3).verdict == "wrong"
