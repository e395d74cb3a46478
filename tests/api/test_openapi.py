"""/openapi.json states the rules the server enforces: schemathesis sends bodies the schema allows and bodies
it refuses, in-process, and checks each answer against the schema and against these rules:

- a body the schema refuses is refused with a 4xx (never a 5xx, never a 200);
- a body the schema allows is answered 200, or 422 only for one of the rules between fields that the body's
  description lists (X's width against layers[0], bce's sigmoid output, the work budgets …).
"""

from __future__ import annotations

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
})


def only_cross_field_rules_refuse_valid_bodies(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """A schema-valid body answered 422 broke a rule between fields that the body's description lists."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return
    model = BODY_MODELS[case.path]
    fields = {field for rule in model.cross_field_rules for field in rule.fields}
    for entry in response.json()["detail"]:
        # spec_error: the core's rules, which run after the schema's; ragged_matrix: rows of unequal length.
        assert entry["type"] in ("spec_error", "ragged_matrix"), f"refused by a rule the schema states: {entry}"
        assert entry["loc"][1] in fields, f"refused by a rule the description does not list: {entry}"


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
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(), config=CONFIG, headers={"Host": "127.0.0.1"})


@schema.parametrize()
def test_the_api_answers_as_its_schema_says(case: schemathesis.Case) -> None:
    case.call_and_validate(base_url=BASE_URL, checks=CHECKS)


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
