"""Forward pass, backward pass (in the exercise's order, keeping d after every stage) and the update.

Arrays are [rows × neurons]; k below is 0-based (layer k + 1 of the notation). Callers silence NumPy's
floating-point warnings (np.errstate): overflow is reported as a warning by the trace, never raised.
Products are written a.dot(b), not np.dot(a, b): the same product without np.dot's Python-level
dispatch, which costs about as much as the product itself at these sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .activations import ACTIVATIONS, Activation
from .losses import LOSSES, Loss, bce_logit_grad

Array = np.ndarray


def resolve(activations: Sequence[str], loss: str) -> tuple[tuple[Activation, ...], Loss]:
    """Registry objects for activation and loss names."""
    return tuple(ACTIVATIONS[name] for name in activations), LOSSES[loss]


def forward(weights: Sequence[Array], biases: Sequence[Array], acts: Sequence[Activation],
            X: Array) -> tuple[list[Array], list[Array]]:
    """H_k = O_{k-1}·W_k (+ b_k), O_k = f_k(H_k); returns the lists H and O (O_K is ŷ)."""
    H, O = [], []
    prev = X  # O_0 = X
    for k, (W, act) in enumerate(zip(weights, acts)):
        h = prev.dot(W)  # [n × layers[k+1]]
        if biases:
            h += biases[k]
        prev = act.forward(h)
        H.append(h)
        O.append(prev)
    return H, O


@dataclass(slots=True)
class Gradients:
    """What the backward pass keeps: every d stage in order, f'(H_k), ∂L/∂W_k and ∂L/∂b_k."""

    stages: list[Array]
    fprime: list[Array]
    dW: list[Array]
    db: list[Array]


def backward(weights: Sequence[Array], acts: Sequence[Activation], loss: Loss, bias: bool,
             X: Array, y: Array, H: Sequence[Array], O: Sequence[Array], d_out: Array) -> Gradients:
    """Backpropagate d = ∂L/∂ŷ (d_out) down to ∂L/∂W_1, keeping d after every stage.

    Order: d = ∂L/∂ŷ; d ← d ⊙ f'(H_K) if the output is not identity (bce: the stable (ŷ − y)/N); then per
    layer k = K..1: ∂L/∂W_k = O_{k-1}ᵀ·d, ∂L/∂b_k = 1ᵀ·d, and for k > 1: d ← d·W_kᵀ, d ← d ⊙ f'(H_{k-1}).
    """
    fprime = [act.derivative(h, o) for act, h, o in zip(acts, H, O)]
    d = d_out
    stages = [d]
    if loss.needs_sigmoid_output:
        d = bce_logit_grad(O[-1], y)
        stages.append(d)
    elif not acts[-1].is_identity:
        d = d * fprime[-1]
        stages.append(d)
    dW: list[Array] = []  # filled from the last layer down, reversed at the end
    db: list[Array] = []
    for k in range(len(weights) - 1, 0, -1):  # layers K..2 (0-based k), then layer 1 below
        dW.append(O[k - 1].T.dot(d))  # [layers[k] × n]·[n × layers[k+1]]
        if bias:
            db.append(d.sum(axis=0))  # 1ᵀ·d as a vector
        d = d.dot(weights[k].T)  # [n × layers[k+1]]·[layers[k+1] × layers[k]]
        stages.append(d)
        if not acts[k - 1].is_identity:
            d = d * fprime[k - 1]
            stages.append(d)
    dW.append(X.T.dot(d))  # nothing lies below X: no d·W_1ᵀ
    if bias:
        db.append(d.sum(axis=0))
    dW.reverse()
    db.reverse()
    return Gradients(stages, fprime, dW, db)


def update(params: Sequence[Array], grads: Sequence[Array], learning_rate: float) -> list[Array]:
    """One gradient-descent step for each parameter: P ← P − η·∂L/∂P."""
    return [p - learning_rate * g for p, g in zip(params, grads)]
