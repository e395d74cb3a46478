"""app.api.encoding: arrays straight to JSON, non-finite numbers as strings, cached structure fragments."""

from __future__ import annotations

import json
import math

import numpy as np
import orjson

from app.api import encoding
from app.core import compute_trace, make_spec
from tests.api.helpers import XOR_X, XOR_Y, strict_json


def test_finite_payload_is_returned_as_is():
    payload = {"a": np.ones((2, 2)), "b": [np.zeros(3)], "c": 1.5}
    same, overflowed = encoding.finite_or_strings(payload)
    assert same is payload and not overflowed


def test_only_non_finite_arrays_are_converted():
    finite = np.arange(4.0).reshape(2, 2)
    payload = {"ok": finite, "bad": [np.array([[1.0, np.nan], [np.inf, -np.inf]])], "loss": math.inf}
    converted, overflowed = encoding.finite_or_strings(payload)
    assert overflowed and converted["ok"] is finite
    assert converted["bad"] == [[[1.0, "NaN"], ["Infinity", "-Infinity"]]]
    assert converted["loss"] == "Infinity"


def test_encode_adds_a_warning_only_when_something_overflowed():
    assert strict_json(encoding.encode({"x": np.ones(2)}, []))["warnings"] == []
    answer = strict_json(encoding.encode({"x": np.array([np.nan])}, []))
    assert answer["x"] == ["NaN"] and answer["warnings"] == [encoding.NONFINITE_WARNING]
    kept = strict_json(encoding.encode({"x": np.array([np.nan])}, ["the loss overflowed at epoch 3"]))
    assert kept["warnings"] == ["the loss overflowed at epoch 3"]


def test_non_contiguous_and_integer_arrays_encode_like_lists():
    a = np.arange(6.0).reshape(2, 3)
    assert json.loads(encoding.dumps({"t": a.T, "i": np.arange(3), "b": np.array([True])})) == {
        "t": a.T.tolist(), "i": [0, 1, 2], "b": [True]
    }


def test_floats_round_trip_exactly():
    values = np.array([0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308])
    assert json.loads(encoding.dumps(values)) == values.tolist()


def test_steps_and_graph_are_encoded_once_per_structure():
    spec = make_spec(layers=(2, 5, 1))
    first = compute_trace(spec, XOR_X, XOR_Y)
    built = []

    def build():
        built.append(1)
        return [s.to_dict() for s in first.steps], first.graph.to_dict()

    key = ("test-structure", spec.structure)
    a = encoding.structure_fragments(key, build)
    b = encoding.structure_fragments(key, build)
    assert built == [1] and a is b
    assert orjson.loads(orjson.dumps({"steps": a[0]}))["steps"] == [s.to_dict() for s in first.steps]


def test_encode_trace_keeps_steps_and_graph_of_the_core():
    trace = compute_trace(make_spec(bias=True), XOR_X, XOR_Y)
    answer = strict_json(encoding.encode_trace(trace))
    assert answer["steps"] == [s.to_dict() for s in trace.steps]
    assert answer["graph"] == trace.graph.to_dict()
    assert answer["spec"]["biases"] == [[0.0, 0.0], [0.0, 0.0], [0.0]]


def test_matrices_written_once_land_everywhere_they_belong():
    # identity on a hidden layer and the output: O_1 = H_1, O_3 = H_3 = ŷ, and f' of both is all ones
    spec = make_spec(layers=(2, 3, 2, 1), activations=("identity", "tanh", "identity"), bias=True)
    trace = compute_trace(spec, XOR_X, XOR_Y)
    answer = strict_json(encoding.encode_trace(trace))

    def listed(values):
        return [v.tolist() for v in values]

    assert answer["forward"]["H"] == listed(trace.H) and answer["forward"]["O"] == listed(trace.O)
    assert answer["forward"]["y_hat"] == trace.y_hat.tolist() == answer["forward"]["O"][2]
    assert answer["backward"]["fprime"] == listed(trace.fprime)
    assert answer["backward"]["fprime"][0] == [[1.0] * 3] * 4 and answer["backward"]["fprime"][2] == [[1.0]] * 4
    assert answer["spec"]["weights"] == listed(spec.weights)


def test_a_spec_is_encoded_once_and_a_new_spec_anew():
    first = make_spec(seed=1)
    trace = compute_trace(first, XOR_X, XOR_Y)
    assert encoding._spec_fragment(first) is encoding._spec_fragment(first)

    other = make_spec(seed=2)
    answer = strict_json(encoding.encode_trace(compute_trace(other, XOR_X, XOR_Y)))
    assert answer["spec"]["seed"] == 2 and answer["spec"]["weights"] == [w.tolist() for w in other.weights]
    assert strict_json(encoding.encode_trace(trace))["spec"]["seed"] == 1


def test_a_tall_column_is_written_byte_for_byte_as_a_matrix():
    rng = np.random.default_rng(3)
    for rows in (1, encoding.COLUMN_ROWS - 1, encoding.COLUMN_ROWS, 500):
        column = rng.normal(size=(rows, 1)) * 10.0 ** rng.integers(-300, 300, size=(rows, 1))
        column[:4, 0] = [-0.0, 5e-324, 1.7976931348623157e308, 0.1][:rows]
        assert encoding.dumps(encoding._column(column)) == encoding.dumps(column), rows
    wide = np.ones((64, 2))
    assert encoding._column(wide) is wide


def test_a_trace_of_many_rows_writes_every_matrix_in_full():
    # 64 rows, a sigmoid output of one column: y, ŷ = O_2, f'(H_2), every d of one column go in as fragments
    rng = np.random.default_rng(4)
    X, y = rng.uniform(size=(64, 2)), rng.uniform(size=(64, 1))
    spec = make_spec(layers=(2, 3, 1), activations=("tanh", "sigmoid"), bias=True)
    trace = compute_trace(spec, X, y)
    answer = strict_json(encoding.encode_trace(trace))
    assert answer["forward"]["X"] == X.tolist() and answer["forward"]["y"] == y.tolist()
    assert answer["forward"]["H"] == [h.tolist() for h in trace.H]
    assert answer["forward"]["O"] == [o.tolist() for o in trace.O]
    assert answer["forward"]["y_hat"] == trace.y_hat.tolist()
    assert [stage["value"] for stage in answer["backward"]["d"]] == [s.value.tolist() for s in trace.d]
    assert answer["backward"]["fprime"] == [f.tolist() for f in trace.fprime]
    assert answer["updated"]["W"] == [w.tolist() for w in trace.updated_W]
