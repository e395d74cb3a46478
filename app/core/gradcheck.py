"""Gradient check: the backward pass's ∂L/∂W_k and ∂L/∂b_k against central finite differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from . import notation as nt
from .activations import Activation
from .losses import Loss
from .passes import backward, forward, resolve
from .spec import NetworkSpec, check_data

Array = np.ndarray

# Relative errors use max(|analytic|, |numeric|, FLOOR) as the denominator, so entries whose gradient is
# zero (a dead ReLU) compare absolutely instead of dividing round-off by zero.
FLOOR = 1e-6


@dataclass(frozen=True)
class ParamCheck:
    name: str  # "W1", "b2" …
    max_rel_error: float
    numeric: Array  # the central-difference gradient, in the parameter's shape (the page shows it beside ∂L/∂W)


@dataclass(frozen=True)
class GradCheck:
    """The largest relative error over every parameter, and per parameter matrix."""

    max_rel_error: float
    per_param: tuple[ParamCheck, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"max_rel_error": self.max_rel_error,
                "per_param": [{"name": p.name, "max_rel_error": p.max_rel_error, "numeric": p.numeric}
                              for p in self.per_param]}


def loss_value(weights: Sequence[Array], biases: Sequence[Array], acts: Sequence[Activation], loss: Loss,
               X: Array, y: Array) -> float:
    """L for given parameters (forward pass only)."""
    H, O = forward(weights, biases, acts, X)
    return loss.value_and_grad(O[-1], y, H[-1])[0]


def analytic_gradients(spec: NetworkSpec, X: Array, y: Array) -> list[Array]:
    """∂L/∂W_1..∂L/∂W_K then ∂L/∂b_1..∂L/∂b_K from the backward pass."""
    acts, loss = resolve(spec.activations, spec.loss)
    with np.errstate(all="ignore"):
        H, O = forward(spec.weights, spec.biases, acts, X)
        d_out = loss.value_and_grad(O[-1], y, H[-1])[1]
        g = backward(spec.weights, acts, loss, spec.bias, X, y, H, O, d_out)
    return g.dW + g.db


def numeric_gradients(spec: NetworkSpec, X: Array, y: Array, eps: float = 1e-6) -> list[Array]:
    """Central differences (L(p + ε) − L(p − ε)) / 2ε for every parameter, in analytic_gradients' order."""
    acts, loss = resolve(spec.activations, spec.loss)
    weights = [w.copy() for w in spec.weights]
    biases = [b.copy() for b in spec.biases]
    grads = []
    with np.errstate(all="ignore"):
        for param in weights + biases:
            grad = np.empty_like(param)
            flat, out = param.reshape(-1), grad.reshape(-1)  # views: editing flat edits the parameter
            for i in range(flat.size):
                keep = flat[i]
                flat[i] = keep + eps
                up = loss_value(weights, biases, acts, loss, X, y)
                flat[i] = keep - eps
                down = loss_value(weights, biases, acts, loss, X, y)
                flat[i] = keep
                out[i] = (up - down) / (2.0 * eps)
            grads.append(grad)
    return grads


def relative_error(analytic: Array, numeric: Array) -> float:
    """max |a − n| / max(|a|, |n|, FLOOR) over the entries."""
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), FLOOR)
    return float(np.max(np.abs(analytic - numeric) / scale))


def gradient_check(spec: NetworkSpec, X: Any, y: Any, eps: float = 1e-6) -> GradCheck:
    """Compare the backward pass with central finite differences over every weight and bias."""
    X, y = check_data(spec, X, y)
    names = [nt.weight_id(k) for k in range(1, spec.depth + 1)]
    names += [nt.bias_id(k) for k in range(1, spec.depth + 1)] if spec.bias else []
    numeric = numeric_gradients(spec, X, y, eps)
    errors = [relative_error(a, n) for a, n in zip(analytic_gradients(spec, X, y), numeric)]
    per_param = tuple(ParamCheck(name, err, grad) for name, err, grad in zip(names, errors, numeric))
    return GradCheck(max(errors), per_param)
