"""Each core test computes its own per-structure plan (formulas, graph, parameter slices) instead of reusing one an
earlier test left in compute_trace's cache: a test that checks the plan then runs the code that builds it, in
whatever order the tests run, and mutation testing's map of which test runs which code stays true."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.trace import _plan


@pytest.fixture(autouse=True)
def _cold_plan_cache() -> Iterator[None]:
    _plan.cache_clear()
    yield
