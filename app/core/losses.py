"""Losses: a registry name -> (L, ∂L/∂ŷ, how to write them).

N is the number of entries of y (rows × outputs). Every loss returns its value and ∂L/∂ŷ together, since
both come from the same residual ŷ − y.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable

import numpy as np

Array = np.ndarray

# ŷ is clipped this far from 0 and 1 when ∂L/∂ŷ of bce is shown; the backward pass itself never divides.
BCE_CLIP = 1e-12


@dataclass(frozen=True)
class Loss:
    """One loss: L and ∂L/∂ŷ from (ŷ, y, H_K), plus its formulas."""

    name: str
    tex: str  # L = ...
    grad_tex: str  # ∂L/∂ŷ = ...
    target_grad_tex: str  # ∂L/∂y = ... (the y -> L edge of the graph)
    value_and_grad: Callable[[Array, Array, Array], tuple[float, Array]]
    needs_sigmoid_output: bool = False


def _half_sse(y_hat: Array, y: Array, h_out: Array) -> tuple[float, Array]:
    r = y_hat - y
    return 0.5 * float(np.vdot(r, r)), r


def _mse(y_hat: Array, y: Array, h_out: Array) -> tuple[float, Array]:
    r = y_hat - y
    return float(np.vdot(r, r)) / r.size, r * (2.0 / r.size)


def bce_value(y: Array, h_out: Array) -> float:
    """Mean of −[y log σ(h) + (1−y) log(1−σ(h))], computed from the logits h as softplus(h) − y·h."""
    return float(np.mean(np.logaddexp(0.0, h_out) - y * h_out))


def _bce(y_hat: Array, y: Array, h_out: Array) -> tuple[float, Array]:
    clipped = np.clip(y_hat, BCE_CLIP, 1.0 - BCE_CLIP)
    grad = (clipped - y) / (clipped * (1.0 - clipped) * y.size)
    return bce_value(y, h_out), grad


def bce_logit_grad(y_hat: Array, y: Array) -> Array:
    """∂L/∂H_K of bce with a sigmoid output in the stable form (ŷ − y)/N."""
    return (y_hat - y) * (1.0 / y.size)


_SUM = r"\sum_{i,j}"
_ALL = (
    Loss(
        "half_sse",
        rf"L = \frac{{1}}{{2}} {_SUM} (y_{{ij}} - \hat{{y}}_{{ij}})^2",
        r"\hat{y} - y",
        r"y - \hat{y}",
        _half_sse,
    ),
    Loss(
        "mse",
        rf"L = \frac{{1}}{{N}} {_SUM} (y_{{ij}} - \hat{{y}}_{{ij}})^2",
        r"\frac{2}{N} (\hat{y} - y)",
        r"\frac{2}{N} (y - \hat{y})",
        _mse,
    ),
    Loss(
        "bce",
        rf"L = -\frac{{1}}{{N}} {_SUM} \left[ y_{{ij}} \log \hat{{y}}_{{ij}}"
        r" + (1 - y_{ij}) \log (1 - \hat{y}_{ij}) \right]",
        r"\frac{1}{N} (\hat{y} - y) \oslash \left( \hat{y} \odot (1 - \hat{y}) \right)",
        r"-\frac{1}{N} \log \left( \hat{y} \oslash (1 - \hat{y}) \right)",
        _bce,
        needs_sigmoid_output=True,
    ),
)

LOSSES = MappingProxyType({loss.name: loss for loss in _ALL})
