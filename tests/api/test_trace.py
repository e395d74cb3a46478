"""POST /api/trace: happy paths, the answer's structure, and values equal to the core's."""

from __future__ import annotations

import numpy as np
import pytest

from app.core import LOSSES, PRESETS, compute_trace, make_spec
from tests.api.helpers import XOR_X, XOR_Y, body, strict_json

EXERCISE_STEP_IDS = [
    "fwd:H1", "fwd:O1", "fwd:H2", "fwd:O2", "fwd:y_hat",
    "loss:L",
    "bwd:dL/dy_hat", "bwd:dL/dW3", "bwd:dL/dO2", "bwd:dL/dH2", "bwd:dL/dW2", "bwd:dL/dO1", "bwd:dL/dH1", "bwd:dL/dW1",
    "upd:W1", "upd:W2", "upd:W3",
]


def post_trace(client, payload):
    response = client.post("/api/trace", json=payload)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return strict_json(response.text)


def shape(matrix) -> tuple[int, int]:
    return len(matrix), len(matrix[0])


def test_exercise_defaults_fill_everything_but_x_and_y(client):
    answer = post_trace(client, body())
    assert answer["spec"] | {"weights": None} == {
        "layers": [2, 2, 2, 1], "activations": ["sigmoid", "sigmoid", "identity"], "bias": False,
        "loss": "half_sse", "learning_rate": 0.1, "seed": 0, "init": "xavier_uniform", "weights": None,
        "biases": [],
    }
    assert [step["id"] for step in answer["steps"]] == EXERCISE_STEP_IDS
    assert answer["gradcheck"] is None
    assert answer["warnings"] == []


def test_answer_has_the_contract_keys_lengths_and_shapes(client):
    answer = post_trace(client, body())
    assert set(answer) == {"spec", "forward", "backward", "updated", "steps", "graph", "gradcheck", "warnings"}
    forward, backward, updated = answer["forward"], answer["backward"], answer["updated"]
    assert set(forward) == {"X", "y", "H", "O", "y_hat", "loss"}
    assert [shape(h) for h in forward["H"]] == [(4, 2), (4, 2), (4, 1)]
    assert [shape(o) for o in forward["O"]] == [(4, 2), (4, 2), (4, 1)]
    assert shape(forward["y_hat"]) == (4, 1) and isinstance(forward["loss"], float)
    assert [stage["node"] for stage in backward["d"]] == ["y_hat", "O2", "H2", "O1", "H1"]
    assert all({"node", "name", "value"} == set(stage) for stage in backward["d"])
    assert [shape(w) for w in backward["dW"]] == [(2, 2), (2, 2), (2, 1)]
    assert [shape(w) for w in updated["W"]] == [(2, 2), (2, 2), (2, 1)]
    assert backward["db"] == [] and updated["b"] == []
    assert {"W2->H2", "O1->H2", "y_hat->L", "y->L"} <= {edge["id"] for edge in answer["graph"]["edges"]}
    step = answer["steps"][0]
    assert {"id", "phase", "kind", "node", "edges", "latex", "latex_shaped", "shapes", "inputs", "output",
            "layer", "group", "merged_latex", "merged_shapes"} <= set(step)


def test_values_equal_the_cores_trace(client):
    payload = body(layers=[2, 3, 1], activations=["tanh", "sigmoid"], bias=True, loss="mse", learning_rate=0.5, seed=7)
    answer = post_trace(client, payload)
    spec = make_spec(layers=(2, 3, 1), activations=("tanh", "sigmoid"), bias=True, loss="mse",
                     learning_rate=0.5, seed=7)
    trace = compute_trace(spec, XOR_X, XOR_Y)
    assert answer["forward"]["loss"] == trace.loss
    np.testing.assert_array_equal(answer["forward"]["y_hat"], trace.y_hat)
    for k in range(2):
        np.testing.assert_array_equal(answer["spec"]["weights"][k], spec.weights[k])
        np.testing.assert_array_equal(answer["forward"]["H"][k], trace.H[k])
        np.testing.assert_array_equal(answer["backward"]["fprime"][k], trace.fprime[k])
        np.testing.assert_array_equal(answer["backward"]["dW"][k], trace.dW[k])
        np.testing.assert_array_equal(answer["backward"]["db"][k], trace.db[k])
        np.testing.assert_array_equal(answer["updated"]["W"][k], trace.updated_W[k])
        np.testing.assert_array_equal(answer["updated"]["b"][k], trace.updated_b[k])
    for stage, expected in zip(answer["backward"]["d"], trace.d, strict=True):
        assert (stage["node"], stage["name"]) == (expected.node, expected.name)
        np.testing.assert_array_equal(stage["value"], expected.value)
    assert [s["id"] for s in answer["steps"]] == [s.id for s in trace.steps]
    assert answer["graph"] == trace.graph.to_dict()


def test_flat_y_is_one_output_column(client):
    flat = post_trace(client, body(y=[0, 1, 1, 0]))
    column = post_trace(client, body())
    assert flat["forward"]["y"] == [[0.0], [1.0], [1.0], [0.0]]
    assert flat["forward"]["loss"] == column["forward"]["loss"]


def test_bias_on_starts_at_zero_and_gets_gradients(client):
    answer = post_trace(client, body(bias=True))
    assert answer["spec"]["biases"] == [[0.0, 0.0], [0.0, 0.0], [0.0]]
    assert [len(b) for b in answer["backward"]["db"]] == [2, 2, 1]
    assert any(step["id"] == "upd:b3" for step in answer["steps"])


def test_explicit_weights_are_used(client):
    weights = [[[0.5, -0.5], [0.25, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[2.0], [-1.0]]]
    answer = post_trace(client, body(weights=weights))
    assert answer["spec"]["weights"] == weights


@pytest.mark.parametrize("loss", list(LOSSES))
def test_each_loss(client, loss):
    activations = ["sigmoid", "sigmoid", "sigmoid" if loss == "bce" else "identity"]
    answer = post_trace(client, body(loss=loss, activations=activations))
    assert answer["spec"]["loss"] == loss
    assert answer["forward"]["loss"] > 0
    assert answer["backward"]["d"][0]["node"] == "y_hat"


def test_gradcheck_flag_reports_a_tiny_error(client):
    answer = post_trace(client, body(gradcheck=True, bias=True))
    check = answer["gradcheck"]
    assert check["max_rel_error"] < 1e-6
    assert [p["name"] for p in check["per_param"]] == ["W1", "W2", "W3", "b1", "b2", "b3"]


def test_gradcheck_answers_the_numeric_gradient_beside_the_analytic_one(client):
    answer = post_trace(client, body(gradcheck=True, bias=True))
    analytic = answer["backward"]["dW"] + answer["backward"]["db"]
    for param, exact in zip(answer["gradcheck"]["per_param"], analytic, strict=True):
        numeric = np.asarray(param["numeric"])
        assert numeric.shape == np.asarray(exact).shape
        assert np.allclose(numeric, exact, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.id for p in PRESETS])
def test_every_preset_round_trips_through_trace(client, preset):
    listed = {p["id"]: p for p in strict_json(client.get("/api/presets").text)["presets"]}
    request = listed[preset.id]["request"]
    answer = post_trace(client, request)
    assert answer["spec"]["layers"] == request.get("layers", [2, 2, 2, 1])
    assert len(answer["forward"]["y_hat"]) == len(request["X"])
    assert answer["warnings"] == []


def test_presets_list_titles_descriptions_and_requests(client):
    response = client.get("/api/presets")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    presets = strict_json(response.text)["presets"]
    assert [p["id"] for p in presets] == [p.id for p in PRESETS]
    assert all(set(p) == {"id", "title", "description", "request"} for p in presets)
    assert all(set(p["title"]) == {"en", "ru"} for p in presets)
    assert client.get("/api/presets").content == response.content


def test_a_big_trace_in_a_worker_thread_matches_the_core(client):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(512, 16)).round(3).tolist()
    y = rng.uniform(size=(512, 4)).round(3).tolist()
    payload = {"X": X, "y": y, "layers": [16, 16, 16, 4], "activations": ["relu", "tanh", "sigmoid"]}
    answer = post_trace(client, payload)
    spec = make_spec(layers=(16, 16, 16, 4), activations=("relu", "tanh", "sigmoid"))
    np.testing.assert_array_equal(answer["backward"]["dW"][0], compute_trace(spec, X, y).dW[0])


def test_openapi_documents_the_body_with_the_exercise_example(client):
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/trace"]["post"]["requestBody"]
    request = body["content"]["application/json"]["schema"]
    assert request["required"] == ["X", "y"]
    assert request["examples"][0]["layers"] == [2, 2, 2, 1]
    assert "sigmoid" in request["properties"]["activations"]["description"]
    assert "/api/train" in schema["paths"] and "/api/presets" in schema["paths"]


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
