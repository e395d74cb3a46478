"""Weight initialisation: a registry name -> (how the scheme is written, how it draws W_k), like activations.py.

Every scheme draws a [fan_in × fan_out] matrix from the generator it is given; `init_weights` draws the layers
in order from one default_rng(seed), so a seed names the same weights everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Sequence

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class InitScheme:
    """One initialisation scheme: its name, how it draws, and the distribution in plain text."""

    name: str
    text: str  # e.g. "U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out)))"
    draw: Callable[[np.random.Generator, int, int], Array]  # (rng, fan_in, fan_out) -> W


def _xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def _xavier_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def _he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def _he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def _uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    return rng.uniform(-1.0, 1.0, size=(fan_in, fan_out))


INIT_SCHEMES: MappingProxyType[str, InitScheme] = MappingProxyType({scheme.name: scheme for scheme in (
    InitScheme("xavier_uniform", "U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out)))", _xavier_uniform),
    InitScheme("xavier_normal", "N(0, 2/(fan_in + fan_out))", _xavier_normal),
    InitScheme("he_uniform", "U(−√(6/fan_in), +√(6/fan_in))", _he_uniform),
    InitScheme("he_normal", "N(0, 2/fan_in)", _he_normal),
    InitScheme("uniform", "U(−1, 1)", _uniform),
)})


def init_weights(layers: Sequence[int], init: str, seed: int) -> tuple[Array, ...]:
    """Weights from a named scheme: one default_rng(seed), drawn layer by layer in order."""
    rng = np.random.default_rng(seed)
    draw = INIT_SCHEMES[init].draw
    return tuple(draw(rng, fan_in, fan_out) for fan_in, fan_out in zip(layers[:-1], layers[1:]))
