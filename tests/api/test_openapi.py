"""/openapi.json states the rules the server enforces: schemathesis sends bodies the schema allows and bodies
it refuses, in-process, and checks each answer against the schema and against these rules:

- a body the schema refuses is refused with a 4xx (never a 5xx, never a 200);
- a body the schema allows is answered 200, or 422 only for one of the rules between fields that the body's
  description lists (X's width against layers[0], bce's sigmoid output, the work budgets …).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.errors import BODY_MODELS
from app.core import ACTIVATIONS, INIT_SCHEMES, LIMITS, LOSSES
from app.main import create_app
from app.settings import Settings
from tests.helpers import TEACHER_HEADERS, TEACHER_KEY

BASE_URL = "http://127.0.0.1"
# Examples per operation and generation mode: enough to reach every field's bounds, few enough that the test
# stays well under a minute on 2 cores (its coverage phase adds each bound's edge cases on top).
MAX_EXAMPLES = 60
CONFIG = schemathesis.Config.from_dict({
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["200", "422"]},
        "negative_data_rejection": {"expected-statuses": ["400", "413", "415", "422"]},
    },
    # A join code is read loosely (any case, spaces and dashes), so its schema is a plain string: a schema-valid code
    # may name no class (404) or not be a code (422); a lookup, or any miss, is a join attempt, rate-limited (429).
    "operations": [{"include-tag": "classroom", "checks": {
        "positive_data_acceptance": {"expected-statuses": ["200", "201", "304", "404", "410", "422", "429"]},
        "negative_data_rejection": {"expected-statuses": ["400", "404", "413", "415", "422", "429"]},
    }}],
})


# How the server words a broken rule between fields, per field it names: any other refusal of a schema-valid
# body (say "loss is 'hinge'; allowed: …") is a rule of one field that the schema failed to state.
CROSS_FIELD_MESSAGES = {
    "activations": [r"^activations has \d+ names but layers has \d+ weight layers"],
    "weights": [r"^weights has \d+ matrices but layers has \d+ weight layers", r"^weights\[\d+\] is \d+×\d+ but W_",
                r"^weights\[\d+\] row \d+ has \d+ values? but row 0 has"],
    "biases": [r"^biases are given but bias is false", r"^biases has \d+ vectors but layers has",
               r"^biases\[\d+\] has shape \S+ but b_\d+ must hold"],
    "loss": [r"^loss '\w+' needs a sigmoid output layer"],
    "X": [r"^X has \d+ columns but the input layer has", r"^X row \d+ has \d+ values? but row 0 has"],
    "y": [r"^y has (a flat list|\d+ columns) but the output layer has", r"^y has \d+ rows but X has",
          r"^y row \d+ has \d+ values? but row 0 has", r"^y holds values outside \[0, 1\]"],
    "epochs": [r"over the training budget"],
    "gradcheck": [r"over the gradient-check budget"],
}


def only_cross_field_rules_refuse_valid_bodies(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """A schema-valid body answered 422 broke a rule between fields that the body's description lists."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return
    if case.path not in BODY_MODELS:  # no body: a classroom lookup's 422 is for its path's join code
        return
    listed = {field for rule in BODY_MODELS[case.path].cross_field_rules for field in rule.fields}
    for entry in response.json()["detail"]:
        field, message = entry["loc"][1], entry["msg"]
        assert field in listed, f"refused by a rule the description does not list: {entry}"
        assert any(re.search(pattern, message) for pattern in CROSS_FIELD_MESSAGES[field]), (
            f"refused by a rule of one field that the schema does not state: {entry}")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    only_cross_field_rules_refuse_valid_bodies,
]


# Loaded at collection from an app of its own (schemathesis' from_fixture does not run under pytest 9).
# Classroom routes (/api/class/…) take no body model: the test of bodies kept to the rules leaves them out.
CLASSROOM_PATHS = "^/api/class/"
# Rooms enough for every POST /api/class/rooms it sends: at the cap a class is refused with 503, a server error to
# schemathesis (tests/classroom/ tests the cap).
# The test client is not on loopback: it starts its classes with the teacher key, as a teacher elsewhere would.
ROOMY = dataclasses.replace(Settings.from_env(), class_max_rooms=100_000, teacher_key=TEACHER_KEY)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(ROOMY), config=CONFIG, headers={"Host": "127.0.0.1"}
)


@schema.parametrize()
def test_the_api_answers_as_its_schema_says(case: schemathesis.Case) -> None:
    case.call_and_validate(base_url=BASE_URL, checks=CHECKS, headers=TEACHER_HEADERS)


# Random bodies nearly always break a rule between fields first (ragged X, a weight count), so the rules of one
# field behind them would go untried: these bodies are made to keep the listed rules, and must all be answered 200.
POSITIVE = schemathesis.Config.from_dict({"generation": {"mode": "positive", "max-examples": MAX_EXAMPLES // 3}})
positive_schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(), config=POSITIVE, headers={"Host": "127.0.0.1"}
).include(method="POST").exclude(path_regex=CLASSROOM_PATHS)
# Work of the computations these bodies ask for, kept to milliseconds so the test stays quick.
MAX_TEST_WORK = 2_000_000


def _cycled(values: list[Any], count: int) -> list[Any]:
    return [values[i % len(values)] for i in range(count)]


def keeping_cross_field_rules(body: dict[str, Any]) -> dict[str, Any]:
    """A schema-valid body changed as little as needed to keep every rule between fields: its own values, reused
    so that X, y and activations fit layers; weights and biases left to the seed; the work kept small."""
    body = {name: value for name, value in body.items() if name not in ("weights", "biases")}
    layers = [int(width) for width in body.get("layers", [2, 2, 2, 1])]
    depth, parameters = len(layers) - 1, sum(a * b for a, b in zip(layers, layers[1:]))
    activations = _cycled(body.get("activations") or ["sigmoid"], depth)
    needs_sigmoid = LOSSES[body.get("loss", "half_sse")].needs_sigmoid_output
    if needs_sigmoid:
        activations[-1] = "sigmoid"
    body["activations"] = activations
    X = body["X"][: max(1, MAX_TEST_WORK // parameters)]
    body["X"] = [_cycled(row, layers[0]) for row in X]
    if "y" in body:
        rows = [row if isinstance(row, list) else [row] for row in body["y"]]
        y = [_cycled(row, layers[-1]) for row in _cycled(rows, len(X))]
        body["y"] = [[min(max(v, 0.0), 1.0) for v in row] for row in y] if needs_sigmoid else y
    if body.get("gradcheck") and len(X) * parameters * (2 * parameters + 1) > MAX_TEST_WORK:
        body["gradcheck"] = False
    if "epochs" in body:
        per_epoch = (len(X) + LIMITS.budget_row_overhead) * (parameters + sum(layers[1:]))
        body["epochs"] = max(1, min(body["epochs"], MAX_TEST_WORK // per_epoch))
    return body


@positive_schema.parametrize()
def test_a_schema_valid_body_that_keeps_the_rules_between_fields_is_answered_200(case: schemathesis.Case) -> None:
    case.body = keeping_cross_field_rules(case.body)
    response = case.call_and_validate(base_url=BASE_URL, checks=CHECKS)
    assert response.status_code == 200, response.text[:500]


def _body_schema(openapi: dict[str, Any], path: str) -> dict[str, Any]:
    return openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_names_and_bounds_come_from_the_core(client):
    """The enums are the core's registries and the bounds its LIMITS (spot checks of what schemathesis relies on)."""
    openapi = client.get("/openapi.json").json()
    trace = _body_schema(openapi, "/api/trace")["properties"]
    assert trace["activations"]["anyOf"][0]["items"]["enum"] == list(ACTIVATIONS)
    assert trace["loss"]["enum"] == list(LOSSES)
    assert trace["init"]["enum"] == list(INIT_SCHEMES)
    assert trace["layers"]["maxItems"] == LIMITS.max_layers + 1
    assert trace["layers"]["items"]["maximum"] == LIMITS.max_width
    assert trace["X"]["maxItems"] == LIMITS.max_rows
    assert trace["seed"]["maximum"] == LIMITS.max_seed
    assert trace["learning_rate"]["exclusiveMinimum"] == 0
    assert all(form["minItems"] == 1 for form in trace["y"]["anyOf"])
    assert _body_schema(openapi, "/api/predict")["properties"]["X"]["maxItems"] == LIMITS.max_predict_rows
    train = _body_schema(openapi, "/api/train")["properties"]
    assert (train["epochs"]["maximum"], train["snapshots"]["maximum"]) == (LIMITS.max_epochs, LIMITS.max_snapshots)


@pytest.mark.parametrize("path", sorted(BODY_MODELS))
def test_each_body_lists_its_rules_between_fields(client, path):
    description = _body_schema(client.get("/openapi.json").json(), path)["description"]
    assert all(rule.text in description for rule in BODY_MODELS[path].cross_field_rules)


@pytest.mark.parametrize("path", sorted(BODY_MODELS))
def test_every_error_status_is_documented_with_its_body(client, path):
    openapi = client.get("/openapi.json").json()
    responses = openapi["paths"][path]["post"]["responses"]
    error_body = {"$ref": "#/components/schemas/ErrorAnswer"}
    for status in ("400", "403", "408", "413", "415", "422", "503"):
        assert responses[status]["content"]["application/json"]["schema"] == error_body, status
    assert "Retry-After" in responses["503"]["headers"]
    entry = openapi["components"]["schemas"]["ErrorEntry"]
    assert set(entry["required"]) == {"loc", "msg", "type"}


def test_the_classroom_endpoints_document_what_they_answer(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/class/rooms/{code}", "/api/class/rooms/{code}/state", "/api/class/rooms/{code}/qr.svg"):
        assert {"404", "429"} <= set(paths[path]["get"]["responses"]), path
    assert {"401", "403", "404", "422", "429"} <= set(paths["/api/class/rooms/{code}/results"]["get"]["responses"])
    create = paths["/api/class/rooms"]["post"]
    assert {"415", "413", "403", "503"} <= set(create["responses"])
    assert create["requestBody"]["required"] and "application/json" in create["requestBody"]["content"]


def test_every_operation_documents_what_the_layers_in_front_of_it_answer(client):
    error_body = {"$ref": "#/components/schemas/ErrorAnswer"}
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            statuses = {"400", "503"} | ({"403", "408", "413", "415"} if method == "post" else set())
            for status in statuses:
                assert operation["responses"][status]["content"]["application/json"]["schema"] == error_body, (
                    method, path, status)
