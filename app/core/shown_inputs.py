"""A step's result recomputed from its inputs as a page shows them (rounded to the shown decimals), so that a
hand calculation done from the numbers on screen is judged right (app/core/judging.py's "shown" reference).
The same arithmetic as static/js/tools/shown-inputs.js (the solo check), for the server's class judging."""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .steps import Step
from .trace import Trace


def _loss(name: str, P: np.ndarray, Y: np.ndarray) -> float | None:
    n = P.size
    if name == "half_sse":
        return float(0.5 * np.sum((Y - P) ** 2))
    if name == "mse":
        return float(np.sum((Y - P) ** 2) / n)
    if name == "bce":
        return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / n)
    return None


def _output_gradient(name: str, P: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    n = P.size
    table = {"half_sse": lambda: P - Y, "mse": lambda: (2 / n) * (P - Y), "bce": lambda: (P - Y) / (n * P * (1 - P))}
    return table[name]() if name in table else None


def shown_inputs_result(trace: Trace, step: Step, decimals: int) -> np.ndarray | None:
    """The result of `step` from its inputs rounded to `decimals`, as a 2-D array; None for a kind it does not know."""

    def get(matrix_id: str) -> np.ndarray:
        return np.round(np.atleast_2d(np.asarray(trace.matrix(matrix_id), dtype=float)), decimals)

    spec = trace.spec
    a, b, *rest = (*step.inputs, None, None)
    c = rest[0] if rest else None
    result: Any = None
    with np.errstate(all="ignore"):
        if step.kind == "linear":
            result = get(a) @ get(b) + (get(c) if c else 0)
        elif step.kind == "activation" and step.layer is not None:
            result = ACTIVATIONS[spec.activations[step.layer - 1]].forward(get(a))
        elif step.kind == "loss":
            value = _loss(spec.loss, get("y_hat"), get("y"))
            result = None if value is None else [[value]]
        elif step.kind == "grad_output":
            result = _output_gradient(spec.loss, get("y_hat"), get("y"))
        elif step.kind == "grad_activation":
            result = (get("y_hat") - get("y")) / get("y_hat").size if a == "y_hat" else get(a) * get(b)
        elif step.kind == "grad_weight":
            result = get(a).T @ get(b)
        elif step.kind == "grad_bias":
            result = get(a).sum(axis=0, keepdims=True)
        elif step.kind == "grad_through_weight":
            result = get(a) @ get(b).T
        elif step.kind == "update":
            result = get(a) - spec.learning_rate * get(b)
    return None if result is None else np.atleast_2d(np.asarray(result, dtype=float))
