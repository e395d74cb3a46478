"""GET /api/presets/{id}/variants/{n}: a variant as a ready request body, and a clear 4xx naming the rule."""

from __future__ import annotations

import pytest

from app.core.variants import VARIANT_LIMITS, variant_request


@pytest.mark.parametrize(("preset_id", "variant"), [("exercise", 1), ("exercise", 17), ("xor", 3)])
def test_a_variant_is_a_ready_request_body(client, preset_id: str, variant: int) -> None:
    answer = client.get(f"/api/presets/{preset_id}/variants/{variant}")
    assert answer.status_code == 200
    body = answer.json()
    assert body == variant_request(preset_id, variant)
    preset = next(p for p in client.get("/api/presets").json()["presets"] if p["id"] == preset_id)
    assert set(preset["request"]) <= set(body)  # the preset's request shape (plus explicit weights and biases)
    trace = client.post("/api/trace", json=body)
    assert trace.status_code == 200 and trace.json()["warnings"] == []
    assert client.get(f"/api/presets/{preset_id}/variants/{variant}").json() == body  # remembered, the same


@pytest.mark.parametrize(("url", "status", "loc", "rule"), [
    ("/api/presets/moons/variants/1", 422, ["path", "preset_id"], "no_variants"),
    ("/api/presets/deep/variants/1", 422, ["path", "preset_id"], "no_variants"),
    ("/api/presets/nope/variants/1", 422, ["path", "preset_id"], "unknown_preset"),
    ("/api/presets/exercise/variants/0", 422, ["path", "variant"], "variant_range"),
    ("/api/presets/exercise/variants/-3", 422, ["path", "variant"], "variant_range"),
    ("/api/presets/exercise/variants/1.5", 422, ["path", "variant"], "variant_range"),
    ("/api/presets/exercise/variants/abc", 422, ["path", "variant"], "variant_range"),
    (f"/api/presets/exercise/variants/{VARIANT_LIMITS.max_variant + 1}", 422, ["path", "variant"], "variant_range"),
    ("/api/presets/exercise/variants/99999999999999999999", 422, ["path", "variant"], "variant_range"),
    ("/api/presets/exercise/variants/1?version=99", 422, ["query", "version"], "variant_version"),
    ("/api/presets/exercise/variants/1?version=x", 422, ["query", "version"], "variant_version"),
])
def test_a_bad_request_gets_a_4xx_naming_the_rule(client, url: str, status: int, loc: list[str], rule: str) -> None:
    answer = client.get(url)
    assert answer.status_code == status, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == loc and error["ctx"]["rule"] == rule
    assert loc[-1] in error["msg"]
    if rule == "variant_range":
        assert str(VARIANT_LIMITS.max_variant) in error["msg"]
    if rule == "no_variants":
        assert "exercise" in error["msg"] and "too large" in error["msg"]


def test_openapi_documents_the_route(client) -> None:
    route = client.get("/openapi.json").json()["paths"]["/api/presets/{preset_id}/variants/{variant}"]["get"]
    assert {"200", "422"} <= set(route["responses"])
    assert "exercise" in route["summary"]
    assert {p["name"] for p in route["parameters"]} >= {"preset_id", "variant", "version"}
