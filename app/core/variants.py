"""Exercise variants: the same network and questions with other numbers, made for hand calculation.

A variant is drawn deterministically from (generator version, preset, variant number): every number comes from
a SHA-256 hash of (version, preset, variant, attempt, position) mapped onto a short list of allowed values, never
from NumPy's random streams (stable on one build only), so the same variant gives the same numbers on every
machine and in every later version: a printed sheet still matches its key next year. A draw that breaks a rule
(see `hand_rules`) is redrawn with the next attempt number. A new rule or value list is a new version; old
versions stay in VERSIONS so that their variants can still be reproduced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .presets import preset
from .spec import make_spec
from .trace import Trace, compute_trace

GENERATOR_VERSION = 1  # the version a request without one gets


@dataclass(frozen=True)
class VariantLimits:
    """Variant numbers a request may ask for, and how many sheets one print or export makes."""

    min_variant: int = 1
    max_variant: int = 99_999
    max_count: int = 200  # sheets printed, or questions exported, at once


VARIANT_LIMITS = VariantLimits()
MAX_ATTEMPTS = 500  # redraws before giving up (the tests check every variant of 1…1,000 needs far fewer)
SHOWN_DECIMALS = 3  # "no result rounds to 0" at the exercise's 3 decimals
SATURATED = 0.95  # a sigmoid output outside [0.05, 0.95] or a tanh output past ±0.95 is saturated


class VariantError(ValueError):
    """A variant that cannot be made: `field` and `rule` name what was wrong (the API answers 4xx with them)."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field, self.rule = field, rule


def _tenths(low: int, high: int, zero: bool = True) -> tuple[float, ...]:
    """low/10 … high/10 in steps of 0.1 (without 0 unless `zero`)."""
    return tuple(round(k / 10, 1) for k in range(low, high + 1) if zero or k != 0)


@dataclass(frozen=True)
class Recipe:
    """What a preset's variants draw: value lists for X, y, the weights and the biases; None keeps the preset's."""

    X: tuple[float, ...] | None
    y: tuple[float, ...] | None
    weights: tuple[float, ...]
    biases: tuple[float, ...] | None


# Version 1. Weights ±0.1 … ±1.0; the exercise draws X at most one decimal in halves from 0 to 2 and targets
# like the preset's (0.5 … 3); XOR keeps its corners and 0/1 targets and draws weights and biases only.
RECIPES_V1: dict[str, Recipe] = {
    "exercise": Recipe(X=_tenths(0, 20)[::5], y=_tenths(5, 30)[::5], weights=_tenths(-10, 10, zero=False), biases=None),
    "xor": Recipe(X=None, y=None, weights=_tenths(-10, 10, zero=False), biases=_tenths(-5, 5, zero=False)),
}


def _pick(values: tuple[float, ...], *key: object) -> float:
    """The value a hash of `key` picks from `values` (uniform up to 2⁻⁶⁴)."""
    digest = hashlib.sha256("|".join(str(part) for part in key).encode()).digest()
    return values[int.from_bytes(digest[:8], "big") % len(values)]


def _matrix(values: tuple[float, ...], rows: int, cols: int, key: tuple[object, ...], name: str) -> list[list[float]]:
    return [[_pick(values, *key, f"{name}[{r}][{c}]") for c in range(cols)] for r in range(rows)]


def _draw_v1(preset_id: str, variant: int | str, attempt: int) -> dict[str, Any]:
    recipe = RECIPES_V1[preset_id]
    request = preset(preset_id).to_dict()["request"]
    key = ("backprop-explorer/variants", 1, preset_id, variant, attempt)
    layers = request["layers"]
    rows, inputs, outputs = len(request["X"]), layers[0], layers[-1]
    if recipe.X is not None:
        request["X"] = _matrix(recipe.X, rows, inputs, key, "X")
    if recipe.y is not None:
        request["y"] = _matrix(recipe.y, rows, outputs, key, "y")
    request["weights"] = [_matrix(recipe.weights, a, b, key, f"W{k}")
                          for k, (a, b) in enumerate(zip(layers[:-1], layers[1:]), start=1)]
    if request["bias"] and recipe.biases is not None:
        request["biases"] = [_matrix(recipe.biases, 1, b, key, f"b{k}")[0] for k, b in enumerate(layers[1:], start=1)]
    return request


# version → (recipes, draw); a later version adds an entry and never changes an earlier one
VERSIONS: dict[int, tuple[dict[str, Recipe], Callable[[str, int | str, int], dict[str, Any]]]] = {1: (RECIPES_V1, _draw_v1)}


def variant_presets(version: int = GENERATOR_VERSION) -> tuple[str, ...]:
    """The presets that have variants (the others are too large to do by hand)."""
    return tuple(VERSIONS[version][0])


def trace_of(request: dict[str, Any]) -> Trace:
    """The trace of a request body."""
    body = dict(request)
    X, y = body.pop("X"), body.pop("y")
    return compute_trace(make_spec(**body), X, y)


def hand_rules(request: dict[str, Any], trace: Trace) -> list[str]:
    """The "made for hand calculation" rules a variant breaks (empty when it keeps them all)."""
    broken = []
    if not trace.finite:
        broken.append("finite")
    if len({tuple(row) for row in request["X"]}) < len(request["X"]):
        broken.append("distinct_rows")
    for k, (act, out) in enumerate(zip(trace.spec.activations, trace.O), start=1):
        if (act == "sigmoid" and np.any(np.abs(out - 0.5) > SATURATED - 0.5)) or (act == "tanh" and np.any(np.abs(out) > SATURATED)):
            broken.append(f"saturated:O{k}")
    if trace.spec.loss == "bce" and np.any(np.abs(trace.y_hat - 0.5) > SATURATED - 0.5):
        broken.append("saturated:y_hat")
    for step in trace.steps:
        value = np.atleast_1d(np.asarray(trace.matrix(step.output), dtype=float))
        if np.any(np.abs(value) < 0.5 * 10.0**-SHOWN_DECIMALS):
            broken.append(f"rounds_to_zero:{step.output}")
    return broken


def check_variant(preset_id: str, variant: Any, version: Any = GENERATOR_VERSION) -> None:
    """VariantError unless variant `variant` of `preset_id` exists in generator `version` (cheap: no drawing)."""
    if not isinstance(version, int) or isinstance(version, bool) or version not in VERSIONS:
        raise VariantError("version", "variant_version", f"generator version must be one of {sorted(VERSIONS)}")
    if preset_id not in VERSIONS[version][0]:
        raise VariantError("preset", "no_variants", f"preset {preset_id!r} has no variants: its network is too large "
                           f"to compute by hand (variants exist for {', '.join(VERSIONS[version][0])})")
    lim = VARIANT_LIMITS
    if not isinstance(variant, int) or isinstance(variant, bool) or not lim.min_variant <= variant <= lim.max_variant:
        raise VariantError("variant", "variant_range",
                           f"variant must be a whole number from {lim.min_variant} to {lim.max_variant}")


def variant_request(preset_id: str, variant: int, version: int = GENERATOR_VERSION) -> dict[str, Any]:
    """The request body of variant `variant` of preset `preset_id` (the shape of a preset's `request`).
    Raises VariantError for a preset without variants, a variant out of range or an unknown version."""
    check_variant(preset_id, variant, version)
    return _first_keeping_the_rules(preset_id, variant, version)


def _first_keeping_the_rules(preset_id: str, variant: int | str, version: int) -> dict[str, Any]:
    draw = VERSIONS[version][1]
    for attempt in range(MAX_ATTEMPTS):
        request = draw(preset_id, variant, attempt)
        if not hand_rules(request, trace_of(request)):
            return request
    raise RuntimeError(f"no variant {variant} of {preset_id} keeps the rules in {MAX_ATTEMPTS} draws")  # pragma: no cover


def student_request(preset_id: str, seed: str, place: int, version: int = GENERATOR_VERSION) -> dict[str, Any]:
    """A class student's own numbers: drawn like a variant, from a hash of (version, preset, the room's secret
    seed, the student's place in the room) instead of a public variant number. The key is text
    ("seat/<seed>/<place>") where a public variant's is a whole number, so no public variant holds a student's
    numbers and knowing one's place says nothing without the seed. VariantError as `variant_request`."""
    check_variant(preset_id, VARIANT_LIMITS.min_variant, version)
    if not isinstance(seed, str) or not seed:
        raise VariantError("seed", "seed", "a class's seed must be non-empty text")
    if not isinstance(place, int) or isinstance(place, bool) or place < 1:
        raise VariantError("place", "place", "a student's place must be a whole number from 1")
    return _first_keeping_the_rules(preset_id, f"seat/{seed}/{place}", version)


def after_iterations(request: dict[str, Any], iterations: int) -> tuple[dict[str, Any], list[float]]:
    """The request `iterations` gradient-descent updates later (the page's Next iteration, as many times: the
    next request takes the updated weights and biases) and the loss of each iteration before it."""
    losses = []
    for _ in range(iterations):
        trace = trace_of(request)
        losses.append(float(trace.loss))
        request = {**request, "weights": [w.tolist() for w in trace.updated_W]}
        if trace.spec.bias:
            request["biases"] = [b.tolist() for b in trace.updated_b]
    return request, losses
