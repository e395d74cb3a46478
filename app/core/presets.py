"""Ready examples: each a complete request body (spec + data) with a learning rate that suits it.

The 2-D data sets are generated here from a fixed seed and rounded to two decimals, so every machine
serves the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Preset:
    """A named example: titles and descriptions in English and Russian, and the request body."""

    id: str
    title: dict[str, str]
    description: dict[str, str]
    request: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The preset as the JSON object of GET /api/presets (fresh dicts, safe to change)."""
        return {"id": self.id, "title": dict(self.title), "description": dict(self.description),
                "request": _copy(self.request)}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(v) for v in value]
    return value


def two_moons(n: int = 64, seed: int = 7, noise: float = 0.1) -> tuple[list[list[float]], list[list[float]]]:
    """Two interleaving half circles, n/2 points each (label 0: upper moon, 1: lower), rounded to 0.01."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t = np.linspace(0.0, math.pi, half)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, size=(2 * half, 2))
    y = np.concatenate([np.zeros(half), np.ones(half)])
    return _rounded(X), [[float(v)] for v in y]


def circles(n: int = 64, seed: int = 11, noise: float = 0.05) -> tuple[list[list[float]], list[list[float]]]:
    """A small circle (label 1) inside a large one (label 0), n/2 points each, rounded to 0.01."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t = np.linspace(0.0, 2.0 * math.pi, half, endpoint=False)
    ring = np.column_stack([np.cos(t), np.sin(t)])
    X = np.vstack([ring, 0.4 * ring]) + rng.normal(0.0, noise, size=(2 * half, 2))
    y = np.concatenate([np.zeros(half), np.ones(half)])
    return _rounded(X), [[float(v)] for v in y]


def _rounded(X: np.ndarray) -> list[list[float]]:
    return [[round(float(v), 2) for v in row] for row in X]


def _exercise() -> Preset:
    return Preset(
        "exercise",
        {"en": "The course exercise: 2 → 2 → 2 → 1",
         "ru": "Задача из курса: 2 → 2 → 2 → 1"},
        {"en": "Two sigmoid hidden layers and a linear output, no biases, half the sum of squared errors. "
               "Four observations and round starting weights, so every number can be checked by hand.",
         "ru": "Два скрытых слоя с сигмоидой и линейный выход, без сдвигов, половина суммы квадратов ошибок. "
               "Четыре наблюдения и круглые начальные веса: любое число можно проверить вручную."},
        {"layers": [2, 2, 2, 1], "activations": ["sigmoid", "sigmoid", "identity"], "bias": False,
         "loss": "half_sse", "learning_rate": 0.1, "seed": 0, "init": "xavier_uniform",
         "X": [[0, 1], [1, 0], [1, 1], [2, 1]], "y": [[1], [1], [2], [3]],
         "weights": [[[0.5, -0.3], [0.2, 0.8]], [[0.6, -0.4], [0.1, 0.9]], [[1.0], [0.5]]]},
    )


def _xor() -> Preset:
    return Preset(
        "xor",
        {"en": "XOR: 2 → 4 → 1", "ru": "XOR: 2 → 4 → 1"},
        {"en": "The four corners of a square, labelled 1 when exactly one input is 1. No straight line "
               "separates them, so the network needs its hidden tanh layer. Binary cross-entropy.",
         "ru": "Четыре угла квадрата; метка 1, когда ровно один вход равен 1. Прямой линией классы не "
               "разделить, поэтому нужен скрытый слой с tanh. Бинарная кросс-энтропия."},
        {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "bias": True, "loss": "bce",
         "learning_rate": 1.0, "seed": 0, "init": "xavier_uniform",
         "X": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [[0], [1], [1], [0]]},
    )


def _moons() -> Preset:
    X, y = two_moons()
    return Preset(
        "moons",
        {"en": "Two moons: 2 → 8 → 1", "ru": "Два полумесяца: 2 → 8 → 1"},
        {"en": "64 points on two interlocking half circles with a little noise. A hidden layer of eight "
               "tanh neurons bends the boundary between them.",
         "ru": "64 точки на двух сцепленных полуокружностях с небольшим шумом. Скрытый слой из восьми "
               "нейронов с tanh изгибает границу между ними."},
        {"layers": [2, 8, 1], "activations": ["tanh", "sigmoid"], "bias": True, "loss": "bce",
         "learning_rate": 0.5, "seed": 0, "init": "xavier_uniform", "X": X, "y": y},
    )


def _deep() -> Preset:
    X, y = circles()
    return Preset(
        "deep",
        {"en": "A deeper net on circles: 2 → 8 → 8 → 8 → 1", "ru": "Сеть поглубже на кругах: 2 → 8 → 8 → 8 → 1"},
        {"en": "Three tanh hidden layers separate an inner ring of points from an outer one. Watch d "
               "pass through every layer on its way down to W_1.",
         "ru": "Три скрытых слоя с tanh отделяют внутреннее кольцо точек от внешнего. Видно, как d "
               "проходит через каждый слой, пока не дойдёт до W_1."},
        {"layers": [2, 8, 8, 8, 1], "activations": ["tanh", "tanh", "tanh", "sigmoid"], "bias": True,
         "loss": "bce", "learning_rate": 0.3, "seed": 0, "init": "xavier_uniform", "X": X, "y": y},
    )


PRESETS: tuple[Preset, ...] = (_exercise(), _xor(), _moons(), _deep())


def preset(preset_id: str) -> Preset:
    """The preset with this id (KeyError if none)."""
    for p in PRESETS:
        if p.id == preset_id:
            return p
    raise KeyError(preset_id)
