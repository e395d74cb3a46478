"""Only the teacher starts a class (app/classroom/teacher.py): the key, or the server's own machine without a proxy."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.helpers import BASE_URL, TEACHER_HEADERS, TEACHER_KEY

LOOPBACK = ("127.0.0.1", 50000)
NETWORK = ("192.168.4.31", 50000)


def start(client_address: tuple[str, int], headers: dict[str, str] | None = None, **settings: object) -> object:
    app = create_app(Settings(teacher_key=TEACHER_KEY, cpu_workers=1, **settings))  # type: ignore[arg-type]
    with TestClient(app, base_url=BASE_URL, client=client_address) as client:
        return client.post("/api/class/rooms", json={}, headers=headers or {})


@pytest.mark.parametrize("address", [NETWORK, ("testclient", 50000), ("10.0.0.2", 1)])
def test_a_page_on_the_network_cannot_start_a_class(address: tuple[str, int]) -> None:
    refused = start(address)

    assert refused.status_code == 401  # type: ignore[attr-defined]
    assert refused.headers["www-authenticate"].startswith("Bearer")  # type: ignore[attr-defined]
    error = refused.json()["detail"][0]  # type: ignore[attr-defined]
    assert error["loc"] == ["header", "authorization"] and error["type"] == "teacher_key"
    assert "teacher link" in error["msg"]


def test_the_teacher_key_starts_a_class_from_anywhere() -> None:
    assert start(NETWORK, TEACHER_HEADERS).status_code == 201  # type: ignore[attr-defined]
    assert start(NETWORK, {"Authorization": f"bearer  {TEACHER_KEY} "}).status_code == 201  # type: ignore[attr-defined]


@pytest.mark.parametrize("authorization", [f"Bearer {TEACHER_KEY[:-1]}", f"Bearer {TEACHER_KEY}x",
                                           f"Basic {TEACHER_KEY}", "Bearer ", TEACHER_KEY])
def test_a_wrong_key_does_not(authorization: str) -> None:
    refused = start(NETWORK, {"Authorization": authorization})

    assert refused.status_code == 401  # type: ignore[attr-defined]


def test_a_server_without_a_key_accepts_none() -> None:
    app = create_app(Settings(cpu_workers=1))
    with TestClient(app, base_url=BASE_URL, client=NETWORK) as client:
        assert client.post("/api/class/rooms", json={}, headers={"Authorization": "Bearer "}).status_code == 401
        assert client.post("/api/class/rooms", json={}, headers={"Authorization": "Bearer x"}).status_code == 401


def test_the_servers_own_machine_starts_a_class_without_the_key() -> None:
    assert start(LOOPBACK).status_code == 201  # type: ignore[attr-defined]
    assert start(("::1", 50000)).status_code == 201  # type: ignore[attr-defined]


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP",
                                    "Forwarded"])
def test_behind_a_proxy_loopback_counts_for_nothing(header: str) -> None:
    assert start(LOOPBACK, {header: "127.0.0.1"}).status_code == 401  # type: ignore[attr-defined]
    assert start(LOOPBACK, {header: "127.0.0.1", **TEACHER_HEADERS}).status_code == 201  # type: ignore[attr-defined]


def test_with_a_public_url_loopback_counts_for_nothing() -> None:
    assert start(LOOPBACK, public_url="https://class.example.edu").status_code == 401  # type: ignore[attr-defined]


@pytest.mark.parametrize(("address", "headers", "rendered"), [
    (LOOPBACK, {}, "local"), (LOOPBACK, {"X-Forwarded-For": "192.168.4.31"}, "key"), (NETWORK, {}, "key"),
])
def test_the_page_says_whether_it_may_start_a_class_without_the_key(
        address: tuple[str, int], headers: dict[str, str], rendered: str) -> None:
    with TestClient(create_app(Settings(cpu_workers=1)), base_url=BASE_URL, client=address) as client:
        page = client.get("/", headers=headers).text

    assert re.search(r'<body[^>]* data-class-start="(\w+)"', page).group(1) == rendered  # type: ignore[union-attr]


def test_each_start_is_logged_without_the_key_or_the_token(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="uvicorn.error"):
        created = start(NETWORK, TEACHER_HEADERS).json()  # type: ignore[attr-defined]
        start(LOOPBACK)

    lines = [record.getMessage() for record in caplog.records if " started at " in record.getMessage()]
    assert len(lines) == 2
    assert re.fullmatch(rf"class {created['code']} started at 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 from "
                        r"192\.168\.4\.31 \(teacher key\)", lines[0])
    assert lines[1].endswith("from 127.0.0.1 (this machine)")
    assert not any(TEACHER_KEY in line or created["token"] in line for line in caplog.messages)
