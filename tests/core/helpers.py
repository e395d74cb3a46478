"""Shared helpers for the core tests: central finite differences and preset unpacking."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from app.core import PRESETS, NetworkSpec, make_spec


def central_difference(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x entry by entry: (f(x + ε) − f(x − ε)) / 2ε."""
    x = np.array(x, dtype=float)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + eps
        up = f(x)
        x[i] = keep - eps
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad


def preset_parts(preset_id: str) -> tuple[NetworkSpec, Any, Any]:
    """(spec, X, y) of a preset's request."""
    request = dict(next(p for p in PRESETS if p.id == preset_id).request)
    X, y = request.pop("X"), request.pop("y")
    return make_spec(**request), X, y
