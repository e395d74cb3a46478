"""POST /api/predict: ŷ for any inputs, equal to the core's predict; errors name X and the row limit."""

from __future__ import annotations

import numpy as np
import pytest

from app.core import LIMITS, PRESETS, make_spec, predict
from tests.api.helpers import messages, strict_json

MOONS = next(p for p in PRESETS if p.id == "moons").request
SPEC_FIELDS = ("layers", "activations", "bias", "loss", "learning_rate", "seed", "init")


def moons_body(X) -> dict:
    return {**{name: MOONS[name] for name in SPEC_FIELDS}, "X": X}


def grid(side: int) -> list[list[float]]:
    axis = np.linspace(-1.5, 2.5, side)
    return [[float(a), float(b)] for b in axis for a in axis]


@pytest.mark.parametrize("side", [2, 30])  # 4 points run inline, 900 in a worker thread
def test_predict_equals_the_core(client, side: int) -> None:
    X = grid(side)
    response = client.post("/api/predict", json=moons_body(X))
    assert response.status_code == 200, response.text
    answer = strict_json(response.text)
    assert set(answer) == {"y_hat", "warnings"}
    assert answer["warnings"] == []
    spec = make_spec(**{name: MOONS[name] if not isinstance(MOONS[name], list) else tuple(MOONS[name])
                        for name in SPEC_FIELDS})
    np.testing.assert_allclose(answer["y_hat"], predict(spec, X), rtol=0, atol=1e-15)
    assert len(answer["y_hat"]) == side * side


def test_predict_with_given_weights_equals_the_traces_y_hat(client) -> None:
    exercise = next(p for p in PRESETS if p.id == "exercise").request
    trace = client.post("/api/trace", json=exercise).json()
    body = {**{name: exercise[name] for name in (*SPEC_FIELDS, "weights")}, "X": exercise["X"]}
    answer = client.post("/api/predict", json=body).json()
    assert answer["y_hat"] == trace["forward"]["y_hat"]


def test_three_columns_for_two_inputs_is_a_422_naming_x(client) -> None:
    response = client.post("/api/predict", json=moons_body([[0.0, 1.0, 2.0]]))
    assert response.status_code == 422
    detail = strict_json(response.text)["detail"]
    assert detail[0]["loc"] == ["body", "X"]
    assert detail[0]["msg"] == "X has 3 columns but the input layer has 2"


def test_rows_over_the_limit_say_the_limit(client) -> None:
    response = client.post("/api/predict", json=moons_body([[0.0, 0.0]] * 4097))
    assert response.status_code == 422
    assert messages(response) == [f"X has 4097 rows; it must have from 1 to {LIMITS.max_predict_rows}"]


def test_predict_takes_no_targets(client) -> None:
    response = client.post("/api/predict", json={**moons_body([[0.0, 0.0]]), "y": [[1.0]]})
    assert response.status_code == 422
    assert messages(response)[0].startswith("unknown field 'y'; the allowed fields are: layers,")


def test_overflow_is_a_string_and_a_warning(client) -> None:
    body = {"layers": [2, 1], "weights": [[[1e300], [1e300]]], "X": [[1e10, 1e10], [-1e10, -1e10]]}
    response = client.post("/api/predict", json=body)
    assert response.status_code == 200, response.text
    answer = strict_json(response.text)
    assert answer["y_hat"] == [["Infinity"], ["-Infinity"]]
    assert len(answer["warnings"]) == 1 and "not finite" in answer["warnings"][0]


def test_openapi_documents_predict(client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/predict"]["post"]
    assert "4096" in operation["summary"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == {*SPEC_FIELDS, "weights", "biases", "X"}
    assert schema["examples"][0]["X"]
