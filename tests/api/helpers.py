"""Shared request bodies and a strict JSON reader for the API tests."""

from __future__ import annotations

import json
from typing import Any

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [[0.0], [1.0], [1.0], [0.0]]


def body(**fields: Any) -> dict[str, Any]:
    """The exercise's minimal body (X and y only) with `fields` added or replaced."""
    return {"X": XOR_X, "y": XOR_Y, **fields}


def _refuse_constant(token: str) -> None:
    raise AssertionError(f"the answer contains the non-standard JSON token {token}")


def strict_json(text: str) -> Any:
    """Parse with the standard library, failing on NaN / Infinity / -Infinity tokens."""
    return json.loads(text, parse_constant=_refuse_constant)


def messages(response: Any) -> list[str]:
    """The `msg` of every error entry of a 4xx answer (parsed strictly)."""
    return [entry["msg"] for entry in strict_json(response.text)["detail"]]


def locs(response: Any) -> list[list[Any]]:
    return [entry["loc"] for entry in strict_json(response.text)["detail"]]
