"""Activation functions: a registry name -> (f, f', how to write them).

Every function is element-wise and gives no NaN for any finite input: sigmoid lets e^(−h) overflow to
infinity (1/(1 + ∞) = 0, the exact limit; callers silence NumPy's overflow warning with np.errstate),
softplus goes through logaddexp. Derivatives take both H and O = f(H) so that sigmoid and tanh reuse the
forward result instead of recomputing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Callable

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """One activation: its name, f, f' and how formulas write them."""

    name: str
    tex: str  # LaTeX of f, e.g. r"\sigma"
    text: str  # plain-text f for shape strings, e.g. "σ"
    forward: Callable[[Array], Array]  # H -> O
    derivative: Callable[[Array, Array], Array]  # (H, O) -> f'(H)
    derivative_tex: Callable[[str, str], str]  # (H label, O label) -> LaTeX of f'(H) in terms of H or O
    bounded: bool = False  # |f(h)| ≤ 1 for every h (else |f(h)| ≤ |h| + 1)
    is_identity: bool = field(init=False)  # no separate activation step: O_k is H_k

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_identity", self.name == "identity")


def _identity(h: Array) -> Array:
    return h


def _identity_prime(h: Array, o: Array) -> Array:
    return _ones(h.shape)


@lru_cache(maxsize=64)
def _ones(shape: tuple[int, ...]) -> Array:
    """A shared read-only matrix of ones (identity'), cheaper than allocating one per call."""
    ones = np.ones(shape)
    ones.setflags(write=False)
    return ones


def sigmoid(h: Array) -> Array:
    """σ(h) = 1 / (1 + e^(−h)), computed in place in one buffer (four ufunc calls)."""
    o = np.negative(h)
    np.exp(o, out=o)
    o += 1.0
    return np.reciprocal(o, out=o)


def _sigmoid_prime(h: Array, o: Array) -> Array:
    return o * (1.0 - o)


def _tanh_prime(h: Array, o: Array) -> Array:
    return 1.0 - o * o


def _relu(h: Array) -> Array:
    return np.maximum(h, 0.0)


def _relu_prime(h: Array, o: Array) -> Array:
    # relu'(0) = 0, as in PyTorch.
    return (h > 0.0).astype(float)


def _leaky_relu(h: Array) -> Array:
    return np.where(h > 0.0, h, LEAKY_SLOPE * h)


def _leaky_relu_prime(h: Array, o: Array) -> Array:
    return np.where(h > 0.0, 1.0, LEAKY_SLOPE)


def _softplus(h: Array) -> Array:
    return np.logaddexp(0.0, h)


def _softplus_prime(h: Array, o: Array) -> Array:
    return sigmoid(h)


_ALL = (
    Activation("identity", r"\operatorname{id}", "id", _identity, _identity_prime, lambda H, O: "1"),
    Activation("sigmoid", r"\sigma", "σ", sigmoid, _sigmoid_prime, lambda H, O: rf"{O} \odot (1 - {O})",
               bounded=True),
    Activation("tanh", r"\tanh", "tanh", np.tanh, _tanh_prime, lambda H, O: rf"1 - {O} \odot {O}",
               bounded=True),
    Activation("relu", r"\operatorname{ReLU}", "ReLU", _relu, _relu_prime, lambda H, O: rf"[{H} > 0]"),
    Activation(
        "leaky_relu",
        r"\operatorname{LeakyReLU}",
        "LeakyReLU",
        _leaky_relu,
        _leaky_relu_prime,
        lambda H, O: rf"[{H} > 0] + {LEAKY_SLOPE}\,[{H} \le 0]",
    ),
    Activation("softplus", r"\operatorname{softplus}", "softplus", _softplus, _softplus_prime,
               lambda H, O: rf"\sigma({H})"),
)

ACTIVATIONS = MappingProxyType({a.name: a for a in _ALL})
