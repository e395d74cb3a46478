"""BACKPROP_PUBLIC_URL (app/public_url.py): the student links, the QR code and the Host and Origin checks follow it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import segno
from fastapi.testclient import TestClient

from app.cli import class_lines
from app.main import create_app
from app.public_url import PublicUrl, parse_public_url
from app.settings import Settings
from tests.api.helpers import body
from tests.helpers import BASE_URL, TEACHER_HEADERS, TEACHER_KEY

PUBLIC = "https://class.example.edu"


@pytest.mark.parametrize(("text", "parsed", "origin"), [
    ("https://class.example.edu", PublicUrl("https", "class.example.edu", 443), "https://class.example.edu"),
    ("HTTPS://Class.Example.Edu:443/", PublicUrl("https", "class.example.edu", 443), "https://class.example.edu"),
    ("http://192.168.1.20:8080", PublicUrl("http", "192.168.1.20", 8080), "http://192.168.1.20:8080"),
    ("http://[fd00::5]:8080", PublicUrl("http", "fd00::5", 8080), "http://[fd00::5]:8080"),
    ("  ", None, None),
])
def test_a_public_url_is_read_as_an_origin(text: str, parsed: PublicUrl | None, origin: str | None) -> None:
    assert parse_public_url(text) == parsed
    assert (parsed.origin if parsed else None) == origin


@pytest.mark.parametrize("text", ["class.example.edu", "ftp://class.example.edu", "https://", "https://x.edu/class",
                                  "https://x.edu:99999", "https://x.edu/?a=1", "https://user:pw@x.edu"])
def test_what_is_not_a_public_url_is_refused_with_the_rule(text: str) -> None:
    with pytest.raises(ValueError) as error:
        Settings.from_env({"BACKPROP_PUBLIC_URL": text})

    assert str(error.value).startswith("BACKPROP_PUBLIC_URL must be an http:// or https:// address")


def test_the_setting_is_kept_as_an_origin() -> None:
    assert Settings.from_env({"BACKPROP_PUBLIC_URL": "https://Class.Example.Edu/"}).public_url == PUBLIC


@pytest.fixture
def public_client() -> Iterator[TestClient]:
    settings = Settings(host="0.0.0.0", public_url=PUBLIC, teacher_key=TEACHER_KEY)
    with TestClient(create_app(settings), base_url=PUBLIC, headers=TEACHER_HEADERS) as client:
        yield client


def test_students_are_handed_https_links_to_the_public_address(public_client: TestClient) -> None:
    created = public_client.post("/api/class/rooms", json={}).json()
    addresses = public_client.get("/api/class/addresses").json()

    assert created["student_urls"] == [f"{PUBLIC}/join/{created['code']}"]
    assert created["hint"] is None
    assert addresses == {"bind_host": "0.0.0.0", "port": 443, "hosts": ["class.example.edu"], "base_urls": [PUBLIC],
                         "hint": None}


def test_the_qr_code_holds_the_public_link(public_client: TestClient) -> None:
    code = public_client.post("/api/class/rooms", json={}).json()["code"]
    expected = io.BytesIO()
    segno.make(f"{PUBLIC}/join/{code}", error="m").save(expected, kind="svg", scale=8, border=2, xmldecl=False,
                                                         title=f"Class {code}")

    qr = public_client.get(f"/api/class/rooms/{code}/qr.svg")
    named = public_client.get(f"/api/class/rooms/{code}/qr.svg", params={"host": "class.example.edu"})
    lan = public_client.get(f"/api/class/rooms/{code}/qr.svg", params={"host": "192.168.1.20"})

    assert qr.status_code == 200 and qr.content == expected.getvalue() == named.content
    assert lan.status_code == 422


def test_the_public_name_is_a_host_and_its_origin_may_post(public_client: TestClient) -> None:
    other_port = "http://class.example.edu:8443"  # as a proxy on another port sends Host without the port

    assert public_client.get("/", headers={"Host": "class.example.edu"}).status_code == 200
    assert public_client.post("/api/trace", json=body(), headers={"Origin": PUBLIC}).status_code == 200
    assert public_client.post("/api/trace", json=body(), headers={"Origin": other_port}).status_code == 403


def test_without_the_setting_the_public_name_is_refused() -> None:
    with TestClient(create_app(Settings()), base_url=BASE_URL) as client:
        assert client.get("/", headers={"Host": "class.example.edu"}).status_code == 400


def test_the_public_origin_on_another_port_than_the_host_header_may_post() -> None:
    public = "https://class.example.edu:8443"
    with TestClient(create_app(Settings(public_url=public)), base_url=BASE_URL) as client:
        answer = client.post("/api/trace", json=body(), headers={"Host": "class.example.edu", "Origin": public})

    assert answer.status_code == 200


def test_serve_prints_the_public_student_address() -> None:
    assert class_lines("0.0.0.0", 8000, PUBLIC) == [
        f"Classroom mode: students open {PUBLIC}/join (BACKPROP_PUBLIC_URL)"]
