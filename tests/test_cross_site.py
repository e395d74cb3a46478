"""Cross-site requests and DNS rebinding (app/cross_site.py): Host, Origin, Content-Type, redirects, WebSockets."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocket
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as websocket_connect

from app.cross_site import CrossSiteGuardMiddleware, SitePolicy, host_allowed, origin_allowed, own_host_names
from app.main import create_app
from app.settings import Settings
from tests.api.helpers import body
from tests.helpers import BASE_URL, running_server

POLICY = SitePolicy.build(allowed_hosts=["explorer.school.example"], allowed_origins=["https://lms.example"])


@pytest.mark.parametrize("host", [
    "localhost", "localhost:8000", "LOCALHOST.", "class.localhost:8000",
    "127.0.0.1", "127.0.0.1:8000", "192.168.1.20:8000", "10.0.0.5",
    "[::1]", "[::1]:8000", "[fe80::1]:8000",
    "explorer.school.example", "Explorer.School.Example:8000",
])
def test_hosts_that_name_this_server(host: str) -> None:
    assert host_allowed(host, POLICY)


@pytest.mark.parametrize("host", [
    "evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example",
    "", ":8000", "127.0.0.1:port", "127.0.0.1:99999", "[::1", "[::1]x", "school.example",
])
def test_hosts_that_do_not(host: str) -> None:
    assert not host_allowed(host, POLICY)


def test_this_machines_own_names_are_hosts_of_this_server() -> None:
    for name in own_host_names():
        assert host_allowed(f"{name}:8000", SitePolicy.build())


def test_any_host_when_the_list_says_so() -> None:
    assert host_allowed("anything.example", SitePolicy.build(allowed_hosts=["*"]))


@pytest.mark.parametrize(("origin", "host"), [
    ("http://192.168.1.20:8000", "192.168.1.20:8000"),
    ("http://localhost", "localhost:80"),
    ("http://[::1]:8000", "[::1]:8000"),
    ("https://explorer.school.example", "explorer.school.example"),  # behind a TLS proxy
    ("https://lms.example", "192.168.1.20:8000"),  # listed
    ("HTTPS://LMS.example:443/", "192.168.1.20:8000"),
])
def test_same_site_and_listed_origins(origin: str, host: str) -> None:
    assert origin_allowed(origin, host, POLICY)


@pytest.mark.parametrize(("origin", "host"), [
    ("http://evil.example", "192.168.1.20:8000"),
    ("http://192.168.1.20:8001", "192.168.1.20:8000"),
    ("http://192.168.1.20", "192.168.1.20:8000"),
    ("null", "192.168.1.20:8000"),
    ("http://lms.example", "192.168.1.20:8000"),  # listed only as https
])
def test_other_origins(origin: str, host: str) -> None:
    assert not origin_allowed(origin, host, POLICY)


# Through the app: every refusal is the app's JSON error shape.


def test_a_foreign_host_is_refused_with_400(client: TestClient) -> None:
    answer = client.get("/healthz", headers={"Host": "evil.example"})

    assert answer.status_code == 400
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["header", "host"] and error["type"] == "host_not_allowed"
    assert "'evil.example'" in error["msg"] and "BACKPROP_ALLOWED_HOSTS" in error["msg"]


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "192.168.1.20:8000", "[::1]:8000"])
def test_localhost_and_ip_literals_are_served(client: TestClient, host: str) -> None:
    assert client.get("/healthz", headers={"Host": host}).status_code == 200
    assert client.post("/api/trace", json=body(), headers={"Host": host}).status_code == 200


def test_a_foreign_origin_cannot_post(client: TestClient) -> None:
    answer = client.post("/api/trace", json=body(), headers={"Origin": "http://evil.example"})

    assert answer.status_code == 403
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["header", "origin"] and error["type"] == "cross_origin"
    assert "BACKPROP_ALLOWED_ORIGINS" in error["msg"]


def test_the_pages_own_origin_and_no_origin_can_post(client: TestClient) -> None:
    assert client.post("/api/trace", json=body(), headers={"Origin": "http://127.0.0.1"}).status_code == 200
    assert client.post("/api/trace", json=body()).status_code == 200


def test_a_listed_origin_can_post() -> None:
    app = create_app(Settings(allowed_origins=("https://lms.example",)))
    with TestClient(app, base_url=BASE_URL) as client:
        answer = client.post("/api/trace", json=body(), headers={"Origin": "https://lms.example"})

    assert answer.status_code == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonp"])
def test_a_post_body_not_declared_json_is_refused_with_415(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.post("/api/trace", content=b'{"X": [[0, 0]], "y": [0]}', headers=headers)

    assert answer.status_code == 415
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["header", "content-type"] and error["type"] == "content_type"
    assert "-H 'Content-Type: application/json'" in error["msg"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("PUT", "/api/trace", 405), ("PATCH", "/healthz", 405), ("POST", "/", 405), ("PUT", "/api/class/rooms", 405),
    ("POST", "/no/such/page", 404),
])
@pytest.mark.parametrize("content_type", [None, "text/plain"])
def test_a_method_no_route_takes_is_405_before_any_content_type_check(
    client: TestClient, method: str, path: str, status: int, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.request(method, path, content=b"{}", headers=headers)

    assert answer.status_code == status
    assert answer.json()["detail"][0]["loc"] == []  # the router's answer, not the guard's ["header", "content-type"]


@pytest.mark.parametrize("content_type", ["Application/JSON; charset=utf-8", "application/vnd.example+json"])
def test_json_with_parameters_or_a_json_suffix_is_json(client: TestClient, content_type: str) -> None:
    answer = client.post("/api/trace", json=body(), headers={"Content-Type": content_type})

    assert answer.status_code == 200


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/static"), ("GET", "/healthz/"), ("GET", "/docs/"), ("POST", "/api/trace/"),
])
def test_no_redirect_echoes_the_host(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path, json=body() if method == "POST" else None, follow_redirects=False)

    assert 300 <= answer.status_code < 400
    location = answer.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "127.0.0.1" not in location


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


WS_URL = "ws://127.0.0.1/ws"  # TestClient's websocket_connect would otherwise say Host: testserver


@pytest.fixture
def websocket_client() -> TestClient:
    app = CrossSiteGuardMiddleware(Starlette(routes=[WebSocketRoute("/ws", echo)]))
    return TestClient(app, base_url=BASE_URL)


def test_a_websocket_from_the_page_itself_connects(websocket_client: TestClient) -> None:
    with websocket_client.websocket_connect(WS_URL, headers={"Origin": "http://127.0.0.1"}) as ws:
        assert ws.receive_text() == "hello"


@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": "http://evil.example"}, 403),
    ({"Host": "evil.example", "Origin": "http://evil.example"}, 400),
])
def test_a_websocket_from_another_site_is_refused(websocket_client: TestClient, headers: dict[str, str],
                                                  status: int) -> None:
    with pytest.raises(WebSocketDenialResponse) as denied:
        with websocket_client.websocket_connect(WS_URL, headers=headers):
            pass

    assert denied.value.status_code == status
    assert denied.value.json()["detail"][0]["loc"][0] == "header"


def test_a_real_server_turns_a_foreign_websocket_down_with_json() -> None:
    app = CrossSiteGuardMiddleware(Starlette(routes=[WebSocketRoute("/ws", echo)]))
    with running_server(app, Settings(log_level="warning")) as url:
        ws_url = url.replace("http://", "ws://") + "/ws"
        with websocket_connect(ws_url, origin=url, open_timeout=10) as ws:  # type: ignore[arg-type]
            assert ws.recv(timeout=10) == "hello"
        with pytest.raises(InvalidStatus) as denied:
            websocket_connect(ws_url, origin="http://evil.example", open_timeout=10)  # type: ignore[arg-type]

    assert denied.value.response.status_code == 403
    assert json.loads(denied.value.response.body)["detail"][0]["type"] == "cross_origin"
