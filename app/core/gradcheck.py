"""Gradient check: the backward pass's ∂L/∂W_k and ∂L/∂b_k against central finite differences, within a work budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from . import notation as nt
from .activations import Activation
from .errors import SpecError
from .limits import LIMITS
from .losses import Loss
from .matrices import check_data
from .passes import backward, forward, resolve
from .spec import NetworkSpec

Array = np.ndarray

# The step of the central differences. Their error has two parts: truncation, about ε²·|∂³L/∂p³|/6, and
# round-off in L(p ± ε), about ε_mach·|L|/ε (ε_mach = 2.2e-16). The sum is smallest near ε = ∛(3·ε_mach)
# ≈ 1e-5 for parameters and losses of order 1 (as in every preset), where both parts stay near 1e-11.
# At ε = 1e-6 round-off grows tenfold and, divided by the deep preset's smallest gradients (~1e-5),
# reads as relative errors above 1e-6.
EPS = 1e-5
# Relative errors use max(|analytic|, |numeric|, FLOOR) as the denominator, so an entry whose gradient is
# (near) zero, e.g. a dead ReLU's, compares absolutely: the differences' ~1e-10 absolute error then reads
# at most ~1e-6, while a wrong gradient larger than FLOOR still shows its full relative size.
FLOOR = 1e-4


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


def gradcheck_work(spec: NetworkSpec, rows: int) -> int:
    """rows × parameters × (2 × parameters + 1): the forward passes a check runs (two per parameter, plus
    the analytic pass), each by its size."""
    return rows * spec.n_params * (2 * spec.n_params + 1)


def check_budget(spec: NetworkSpec, rows: int) -> None:
    """SpecError("gradcheck", …) when gradcheck_work is over LIMITS.gradcheck_budget, saying how many rows fit."""
    work = gradcheck_work(spec, rows)
    if work > LIMITS.gradcheck_budget:
        most = LIMITS.gradcheck_budget // gradcheck_work(spec, 1)
        raise SpecError("gradcheck", f"rows × parameters × (2 × parameters + 1) is {rows} × {spec.n_params} × "
                                     f"{2 * spec.n_params + 1} = {work:,}, over the gradient-check budget of "
                                     f"{LIMITS.gradcheck_budget:,}; check at most {most} rows of this network, "
                                     f"or a smaller network")


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


def numeric_gradients(spec: NetworkSpec, X: Array, y: Array, eps: float = EPS) -> list[Array]:
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


def gradient_check(spec: NetworkSpec, X: Any, y: Any, eps: float = EPS) -> GradCheck:
    """Compare the backward pass with central finite differences over every weight and bias.

    Raises SpecError for bad data or work over LIMITS.gradcheck_budget."""
    X, y = check_data(spec, X, y)
    check_budget(spec, X.shape[0])
    names = [nt.weight_id(k) for k in range(1, spec.depth + 1)]
    names += [nt.bias_id(k) for k in range(1, spec.depth + 1)] if spec.bias else []
    numeric = numeric_gradients(spec, X, y, eps)
    errors = [relative_error(a, n) for a, n in zip(analytic_gradients(spec, X, y), numeric)]
    per_param = tuple(ParamCheck(name, err, grad) for name, err, grad in zip(names, errors, numeric))
    return GradCheck(max(errors), per_param)
