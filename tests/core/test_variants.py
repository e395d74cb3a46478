"""Exercise variants (issue 14): deterministic from a hash, made for hand calculation, right like any network."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from app.core import PRESETS, compute_trace, make_spec
from app.core.variants import (
    GENERATOR_VERSION, RECIPES_V1, VARIANT_LIMITS, VariantError, hand_rules, trace_of, variant_presets, variant_request,
)

COUNT = 1_000

# Fixed expected values of generator version 1: a change here breaks every sheet printed so far.
EXPECTED = {
    ("exercise", 1): {"X": [[1.0, 0.5], [0.5, 2.0], [1.0, 2.0], [1.5, 0.5]], "y": [[2.5], [2.5], [0.5], [1.5]],
                      "weights": [[[0.5, -0.8], [1.0, -0.2]], [[0.8, -0.2], [-1.0, -1.0]], [[0.4], [-0.5]]]},
    ("exercise", 17): {"X": [[0.5, 1.0], [0.5, 0.0], [1.5, 1.0], [1.5, 0.5]], "y": [[1.5], [2.0], [2.0], [3.0]],
                       "weights": [[[0.8, -1.0], [0.9, -0.7]], [[-0.2, 0.1], [-0.1, -0.7]], [[0.2], [-0.5]]]},
    ("xor", 1): {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [[0], [1], [1], [0]],
                 "weights": [[[-0.8, 0.8, 0.5, 1.0], [0.9, 0.3, -0.3, -0.7]], [[0.8], [0.5], [0.5], [-0.8]]],
                 "biases": [[0.5, -0.4, 0.2, -0.1], [0.3]]},
    ("xor", 17): {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [[0], [1], [1], [0]],
                  "weights": [[[0.7, 0.7, -0.8, 0.3], [-0.1, -0.5, -0.1, 0.3]], [[-0.6], [-0.9], [0.8], [-0.4]]],
                  "biases": [[0.5, 0.1, 0.3, 0.1], [0.1]]},
}


@pytest.mark.parametrize(("preset_id", "variant"), list(EXPECTED))
def test_fixed_expected_values(preset_id: str, variant: int) -> None:
    request = variant_request(preset_id, variant)
    assert {key: request[key] for key in EXPECTED[preset_id, variant]} == EXPECTED[preset_id, variant]


def test_the_same_numbers_in_another_process() -> None:
    code = ("import json; from app.core.variants import variant_request; "
            "print(json.dumps([variant_request(p, v) for p in ('exercise', 'xor') for v in (1, 2, 999, 99999)]))")
    here = [variant_request(p, v) for p in ("exercise", "xor") for v in (1, 2, 999, 99999)]
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert json.loads(other.stdout) == json.loads(json.dumps(here))


def test_variants_differ_and_keep_the_preset_structure() -> None:
    for preset_id in variant_presets():
        base = next(p for p in PRESETS if p.id == preset_id).request
        requests = [variant_request(preset_id, v) for v in range(1, 31)]
        assert len({json.dumps(r) for r in requests}) == 30
        for request in requests:
            assert {k: request[k] for k in ("layers", "activations", "bias", "loss", "learning_rate")} == \
                {k: base[k] for k in ("layers", "activations", "bias", "loss", "learning_rate")}


def one_decimal(x: float) -> bool:
    return Decimal(repr(float(x))).as_tuple().exponent >= -1


@pytest.mark.parametrize("preset_id", variant_presets())
def test_a_thousand_variants_are_made_for_hand_calculation_and_match_finite_differences(preset_id: str) -> None:
    recipe = RECIPES_V1[preset_id]
    base = next(p for p in PRESETS if p.id == preset_id).request
    for variant in range(1, COUNT + 1):
        request = variant_request(preset_id, variant)
        body = dict(request)
        X, y = body.pop("X"), body.pop("y")
        trace = compute_trace(make_spec(**body), X, y, gradcheck=True)
        assert hand_rules(request, trace) == [], variant
        assert trace.gradcheck.max_rel_error < 1e-6, (variant, trace.gradcheck.max_rel_error)
        params = [x for W in request["weights"] for row in W for x in row] + [x for b in request.get("biases", []) for x in b]
        assert all(one_decimal(x) and x != 0 and x in recipe.weights + (recipe.biases or ()) for x in params), variant
        if recipe.X is None:  # XOR: the corners and their targets stay
            assert (X, y) == (base["X"], base["y"])
        else:
            assert all(one_decimal(x) for row in X + y for x in row)
        if request["loss"] == "bce":
            assert {v for row in y for v in row} <= {0, 1}
        # no degenerate case: no gradient zero everywhere, no result rounding to 0, no saturated sigmoid
        assert all(np.all(np.abs(dW) >= 0.0005) for dW in trace.dW)
        sig = [o for act, o in zip(trace.spec.activations, trace.O) if act == "sigmoid"]
        assert all(np.all((o > 0.05) & (o < 0.95)) for o in sig)


def test_the_rules_catch_a_degenerate_network() -> None:
    request = dict(variant_request("exercise", 1))
    request["weights"] = [[[0.0, 0.0], [0.0, 0.0]], [[0.6, -0.4], [0.1, 0.9]], [[1.0], [0.5]]]
    assert "rounds_to_zero:H1" in hand_rules(request, trace_of(request))
    request["weights"] = [[[9.0, 9.0], [9.0, 9.0]], [[0.6, -0.4], [0.1, 0.9]], [[1.0], [0.5]]]
    assert "saturated:O1" in hand_rules(request, trace_of(request))


@pytest.mark.parametrize(("preset_id", "variant", "version", "field", "rule"), [
    ("moons", 1, GENERATOR_VERSION, "preset", "no_variants"),
    ("deep", 1, GENERATOR_VERSION, "preset", "no_variants"),
    ("exercise", 0, GENERATOR_VERSION, "variant", "variant_range"),
    ("exercise", VARIANT_LIMITS.max_variant + 1, GENERATOR_VERSION, "variant", "variant_range"),
    ("exercise", "3", GENERATOR_VERSION, "variant", "variant_range"),
    ("exercise", True, GENERATOR_VERSION, "variant", "variant_range"),
    ("exercise", 1, 99, "version", "variant_version"),
])
def test_a_bad_request_names_its_rule(preset_id, variant, version, field, rule) -> None:
    with pytest.raises(VariantError) as error:
        variant_request(preset_id, variant, version)
    assert (error.value.field, error.value.rule) == (field, rule)


# ---- issue 14 in class: each student their own numbers, from the room's secret seed and the student's place ----

SEED = "0" * 64
# Fixed expected values of generator version 1 for (preset, seed, place): a class's numbers must not move with
# a release while its room lives (and a student's numbers must not equal a public variant's).
STUDENT_EXPECTED = {
    ("exercise", 1): {"X": [[0.0, 1.5], [0.5, 1.0], [1.0, 0.5], [2.0, 0.0]], "y": [[2.0], [1.0], [2.0], [0.5]],
                      "weights": [[[0.3, 0.6], [-0.3, 0.9]], [[1.0, -1.0], [0.9, 0.3]], [[0.5], [0.1]]]},
    ("xor", 1): {"weights": [[[0.8, 0.1, 0.7, -0.8], [0.9, -0.9, -0.9, -0.1]], [[-0.9], [-0.5], [-0.3], [-0.4]]],
                 "biases": [[-0.4, 0.1, 0.5, -0.1], [0.4]]},
}


def test_a_students_numbers_are_fixed_for_a_seed_and_place() -> None:
    from app.core.variants import student_request

    for (preset_id, place), expected in STUDENT_EXPECTED.items():
        request = student_request(preset_id, SEED, place)
        assert {key: request[key] for key in expected} == expected
    assert student_request("xor", SEED, 5) == student_request("xor", SEED, 5)


@pytest.mark.parametrize("preset_id", variant_presets())
def test_thirty_places_get_thirty_distinct_variants_kept_for_hand_calculation_and_none_is_public(preset_id: str) -> None:
    from app.core.variants import student_request

    requests = [student_request(preset_id, SEED, place) for place in range(1, 31)]
    numbers = [json.dumps({key: r.get(key) for key in ("X", "y", "weights", "biases")}) for r in requests]
    assert len(set(numbers)) == 30
    for request in requests:
        assert hand_rules(request, trace_of(request)) == []
    public = {json.dumps({key: r.get(key) for key in ("X", "y", "weights", "biases")})
              for r in (variant_request(preset_id, n) for n in range(1, 201))}
    assert not public & set(numbers), "a student's numbers are no public variant's"
    # another room's seed: other numbers for the same places
    other = [student_request(preset_id, "1" * 64, place) for place in range(1, 31)]
    assert sum(a == b for a, b in zip(requests, other)) == 0


@pytest.mark.parametrize(("seed", "place", "field", "rule"), [("", 1, "seed", "seed"), (SEED, 0, "place", "place"),
                                                              (SEED, True, "place", "place"), (SEED, "1", "place", "place")])
def test_a_bad_seed_or_place_names_its_rule(seed: Any, place: Any, field: str, rule: str) -> None:
    from app.core.variants import student_request

    with pytest.raises(VariantError) as raised:
        student_request("exercise", seed, place)
    assert (raised.value.field, raised.value.rule) == (field, rule)
    with pytest.raises(VariantError) as raised:
        student_request("moons", SEED, 1)
    assert raised.value.rule == "no_variants"


def test_iterations_take_the_updated_weights_as_the_pages_next_iteration_does() -> None:
    from app.core.variants import after_iterations, student_request

    start = student_request("xor", SEED, 2)
    request, losses = after_iterations(start, 2)
    first = trace_of(start)
    second = trace_of({**start, "weights": [w.tolist() for w in first.updated_W],
                       "biases": [b.tolist() for b in first.updated_b]})
    assert losses == [first.loss, second.loss] and losses[1] < losses[0]
    assert request["weights"] == [w.tolist() for w in second.updated_W]
    assert request["biases"] == [b.tolist() for b in second.updated_b]
    assert after_iterations(start, 0) == (start, [])
