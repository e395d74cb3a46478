"""The classroom's HTTP routes, in process: create, look up, QR code, addresses, and their 4xx answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.helpers import BASE_URL, TEACHER_HEADERS, TEACHER_KEY


@pytest.fixture
def classroom_client() -> Iterator[TestClient]:
    settings = Settings(class_max_rooms=3, class_joins_per_minute=5, teacher_key=TEACHER_KEY)
    with TestClient(create_app(settings), base_url=BASE_URL, headers=TEACHER_HEADERS) as client:
        yield client


def test_creating_a_class_returns_the_code_the_token_and_the_student_address(classroom_client: TestClient) -> None:
    created = classroom_client.post("/api/class/rooms", json={})

    body = created.json()
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    assert len(body["token"]) >= 43 and len(body["code"]) == 6
    assert body["student_urls"] == [f"http://127.0.0.1:80/join/{body['code']}"]
    assert "make serve HOST=0.0.0.0" in body["hint"]  # the test app listens on 127.0.0.1
    assert body["token"] not in "".join(body["student_urls"])


def test_a_class_is_found_by_its_code_in_any_case(classroom_client: TestClient) -> None:
    code = classroom_client.post("/api/class/rooms", json={}).json()["code"]

    found = classroom_client.get(f"/api/class/rooms/{code.lower()}")

    assert found.status_code == 200
    assert found.json()["code"] == code and found.json()["lifecycle"] == "created"
    assert "token" not in found.text


@pytest.mark.parametrize(("code", "status", "type_"), [("ABCDEF", 404, "unknown_class"), ("AB1", 422, "join_code")])
def test_a_wrong_code_says_so(classroom_client: TestClient, code: str, status: int, type_: str) -> None:
    answer = classroom_client.get(f"/api/class/rooms/{code}")

    assert answer.status_code == status
    assert answer.json()["detail"][0]["type"] == type_ and answer.json()["detail"][0]["loc"] == ["path", "code"]


def test_lookups_are_rate_limited_per_address(classroom_client: TestClient) -> None:
    statuses = [classroom_client.get("/api/class/rooms/ABCDEF").status_code for _ in range(7)]

    assert statuses == [404] * 5 + [429] * 2


def test_too_many_rooms_is_a_clear_503(classroom_client: TestClient) -> None:
    for _ in range(3):
        classroom_client.post("/api/class/rooms", json={})

    refused = classroom_client.post("/api/class/rooms", json={})

    assert refused.status_code == 503
    assert "BACKPROP_CLASS_MAX_ROOMS" in refused.json()["detail"][0]["msg"]


def test_the_qr_code_is_an_svg_of_the_student_address(classroom_client: TestClient) -> None:
    code = classroom_client.post("/api/class/rooms", json={}).json()["code"]

    qr = classroom_client.get(f"/api/class/rooms/{code}/qr.svg")
    other = classroom_client.get(f"/api/class/rooms/{code}/qr.svg", params={"host": "203.0.113.9"})

    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.text.startswith("<svg") and "<script" not in qr.text and f"Class {code}" in qr.text
    assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["query", "host"]


def test_the_state_has_an_etag_and_answers_304(classroom_client: TestClient) -> None:
    code = classroom_client.post("/api/class/rooms", json={}).json()["code"]

    state = classroom_client.get(f"/api/class/rooms/{code}/state")
    again = classroom_client.get(f"/api/class/rooms/{code}/state", headers={"If-None-Match": state.headers["etag"]})

    assert state.json() is None and state.headers["x-state-seq"] == "0"
    assert again.status_code == 304


def test_only_the_presenter_uploads_the_state_and_only_an_object(classroom_client: TestClient) -> None:
    room = classroom_client.post("/api/class/rooms", json={}).json()
    del classroom_client.headers["Authorization"]  # the teacher key started the class; the token uploads
    path, bearer = f"/api/class/rooms/{room['code']}/state", {"Authorization": f"Bearer {room['token']}"}

    missing = classroom_client.put(path, json={"step": 1})
    wrong = classroom_client.put(path, json={"step": 1}, headers={"Authorization": "Bearer " + "x" * 43})
    not_object = classroom_client.put(path, json=[1, 2], headers=bearer)
    stored = classroom_client.put(path, json={"step": 1}, headers=bearer)

    assert (missing.status_code, missing.json()["detail"][0]["loc"]) == (401, ["header", "authorization"])
    assert (wrong.status_code, not_object.status_code) == (403, 422)
    assert stored.json() == {"seq": 1} and classroom_client.get(path).json() == {"step": 1}


@pytest.mark.parametrize(("method", "path", "type_", "says"), [
    ("put", "state", "token", "presenter's token"),
    ("get", "numbers", "student_id", "student's id"),
    ("get", "students", "token", "presenter's token"),
    ("get", "results", "token", "presenter's token"),
])
@pytest.mark.parametrize("authorization", [None, "Bearer ", "Basic abc"])
def test_the_bearer_endpoints_answer_401_saying_what_to_send(classroom_client: TestClient, method: str, path: str,
                                                              type_: str, says: str, authorization: str | None) -> None:
    room = classroom_client.post("/api/class/rooms", json={}).json()
    del classroom_client.headers["Authorization"]
    headers = {"Authorization": authorization} if authorization is not None else {}

    answer = classroom_client.request(method, f"/api/class/rooms/{room['code']}/{path}", json={}, headers=headers)

    assert (answer.status_code, answer.headers["WWW-Authenticate"]) == (401, "Bearer")
    detail = answer.json()["detail"][0]
    assert (detail["loc"], detail["type"]) == (["header", "authorization"], type_) and says in detail["msg"]


def test_addresses_on_a_hall_server_list_lan_addresses_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.classroom import http
    from app.classroom.addresses import Interface

    interfaces = [Interface("lo", "127.0.0.1"), Interface("wlan0", "192.168.4.7")]
    monkeypatch.setattr(http, "local_interfaces", lambda: interfaces)
    with TestClient(create_app(Settings(host="0.0.0.0", teacher_key=TEACHER_KEY)), base_url=BASE_URL,
                    headers=TEACHER_HEADERS) as client:
        answer = client.get("/api/class/addresses").json()
        created = client.post("/api/class/rooms", json={}).json()

    assert answer == {"bind_host": "0.0.0.0", "port": 80, "hosts": ["192.168.4.7"],
                      "base_urls": ["http://192.168.4.7:80"], "hint": None}
    assert created["student_urls"] == [f"http://192.168.4.7:80/join/{created['code']}"]


def test_the_endpoints_are_documented(classroom_client: TestClient) -> None:
    paths = classroom_client.get("/openapi.json").json()["paths"]

    assert {"/api/class/rooms", "/api/class/rooms/{code}", "/api/class/rooms/{code}/state",
            "/api/class/rooms/{code}/qr.svg", "/api/class/addresses"} <= set(paths)
