"""The one judging rule of a hand-calculated number (static/js/tools/judging.js says the same for the page; both are
tested against tests/cases/judging.json): right within half a unit of the last shown decimal of either the
exact result or the result of the shown (rounded) inputs, close within ten times that, else wrong."""

from __future__ import annotations

import math
from typing import NamedTuple

CLOSE_FACTOR = 10


class Verdict(NamedTuple):
    """right | close | wrong | empty, and which reference (exact | shown | None) made it right or close."""

    verdict: str
    basis: str | None


def tolerance(decimals: int) -> float:
    """Half a unit of the last shown decimal: at 3 decimals an answer within 0.0005 is right."""
    return 0.5 * 10.0**-decimals


def _slack(value: float) -> float:
    return 1e-9 * max(1.0, abs(value))  # the float rounding of the printed value itself


def judge(typed: float | None, exact: float, decimals: int, shown: float | None = None) -> Verdict:
    """The verdict on `typed` (None: nothing typed) for a cell of exact value `exact` and value `shown` from
    the shown inputs (None when not known), at `decimals` shown decimals."""
    if typed is None:
        return Verdict("empty", None)
    if not (math.isfinite(typed) and math.isfinite(exact)):
        return Verdict("wrong", None)
    tol = tolerance(decimals)
    refs = [("exact", exact)] + ([("shown", shown)] if shown is not None and math.isfinite(shown) else [])
    for factor in (1, CLOSE_FACTOR):
        for basis, value in refs:
            if abs(typed - value) <= factor * tol + _slack(value):
                return Verdict("right" if factor == 1 else "close", basis)
    return Verdict("wrong", None)
