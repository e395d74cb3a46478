"""Full-batch gradient descent for a number of epochs, within a work budget."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np

from .errors import SpecError, shown
from .limits import LIMITS
from .matrices import check_data
from .passes import backward, forward, resolve, update
from .spec import NetworkSpec

Array = np.ndarray


@dataclass(frozen=True)
class Snapshot:
    """The parameters after `epoch` updates and their loss."""

    epoch: int
    loss: float
    weights: tuple[Array, ...]
    biases: tuple[Array, ...]


@dataclass(frozen=True)
class TrainResult:
    """loss_history[e] is the loss after e updates (e = 0..epochs, or up to stopped_at).

    weights/biases are the last parameters with a finite loss. stopped_at is the epoch whose loss was
    not finite (training stops there), else None.
    """

    spec: NetworkSpec
    epochs: int
    loss_history: list[float]
    weights: list[Array]
    biases: list[Array]
    snapshots: list[Snapshot]
    stopped_at: int | None
    warnings: list[str]


def snapshot_epochs(epochs: int, count: int) -> list[int]:
    """`count` epochs spread evenly from 0 to `epochs` (the last is always `epochs`), without repeats."""
    if count <= 0:
        return []
    if count == 1:
        return [epochs]
    return sorted({round(i * epochs / (count - 1)) for i in range(count)})


def _check_int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
        raise SpecError(field, f"{field} is {shown(value)}; it must be a whole number from {low} to {high}",
                        "int_range", min=low, max=high)
    return int(value)


def train_work(spec: NetworkSpec, rows: int, epochs: int) -> int:
    """epochs × (rows + overhead) × parameters: the size of a train() call, as its budget counts it."""
    return epochs * (rows + LIMITS.budget_row_overhead) * spec.n_params


def check_budget(spec: NetworkSpec, rows: int, epochs: int) -> None:
    """SpecError("epochs", …) when train_work is over LIMITS.train_budget."""
    per_epoch = train_work(spec, rows, 1)
    work = epochs * per_epoch
    if work > LIMITS.train_budget:
        most = max(1, LIMITS.train_budget // per_epoch)
        raise SpecError("epochs", f"epochs × (rows + {LIMITS.budget_row_overhead}) × parameters is {epochs} × "
                                  f"{rows + LIMITS.budget_row_overhead} × {spec.n_params} = {work:,}, over the "
                                  f"training budget of {LIMITS.train_budget:,}; use at most {most} epochs for "
                                  f"this network and data", "train_budget", most=most)


def train(spec: NetworkSpec, X: Any, y: Any, epochs: int, snapshots: int = 10) -> TrainResult:
    """Full-batch gradient descent: `epochs` updates W_k ← W_k − η·∂L/∂W_k (and biases) on all of X.

    Stops at the first non-finite loss and says so in `warnings`. Raises SpecError for bad data, epochs
    outside 1..LIMITS.max_epochs, snapshots outside 0..LIMITS.max_snapshots, or work over the budget.
    """
    X, y = check_data(spec, X, y)
    epochs = _check_int(epochs, "epochs", 1, LIMITS.max_epochs)
    snapshots = _check_int(snapshots, "snapshots", 0, LIMITS.max_snapshots)
    check_budget(spec, X.shape[0], epochs)
    acts, loss = resolve(spec.activations, spec.loss)
    keep = set(snapshot_epochs(epochs, snapshots))
    W, b = list(spec.weights), list(spec.biases)
    last_W, last_b = W, b
    history: list[float] = []
    taken: list[Snapshot] = []
    warnings: list[str] = []
    stopped_at = None
    with np.errstate(all="ignore"):
        for epoch in range(epochs + 1):
            H, O = forward(W, b, acts, X)
            value, d_out = loss.value_and_grad(O[-1], y, H[-1])
            history.append(value)
            if not math.isfinite(value):
                stopped_at = epoch
                warnings.append(f"the loss overflowed at epoch {epoch}: lower the learning rate")
                break
            last_W, last_b = W, b
            if epoch in keep:
                taken.append(Snapshot(epoch, value, tuple(W), tuple(b)))
            if epoch == epochs:
                break
            g = backward(W, acts, loss, spec.bias, X, y, H, O, d_out)
            W, b = update(W, g.dW, spec.learning_rate), update(b, g.db, spec.learning_rate)
    return TrainResult(spec, epochs, history, last_W, last_b, taken, stopped_at, warnings)
