"""The guarded uvicorn protocol (app/server.py), on a real server on 127.0.0.1, through raw sockets."""

from __future__ import annotations

import hashlib
import inspect
import json
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from websockets.sync.client import connect as websocket_connect

from app import server
from app.server import FD_RESERVE, default_max_connections, uvicorn_config
from app.settings import Settings
from tests.helpers import running_server

# Generous: only a broken server makes a test wait this long (the server's own timeouts are far shorter).
SOCKET_TIMEOUT_S = 10.0
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def connect(url: str) -> socket.socket:
    return socket.create_connection(address(url), timeout=SOCKET_TIMEOUT_S)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout here means it never did)."""
    received = b""
    while data := sock.recv(65536):
        received += data
    return received


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer with a Content-Length body: (status, lower-cased headers, body)."""
    received = b""
    while b"\r\n\r\n" not in received:
        data = sock.recv(65536)
        assert data, f"closed before a full answer: {received!r}"
        received += data
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    while len(body) < int(headers.get("content-length", 0)):
        data = sock.recv(65536)
        assert data, "closed mid-body"
        body += data
    return int(status_line.split()[1]), headers, body


def refusal(sock: socket.socket) -> tuple[int, dict[str, str], list[dict[str, Any]]]:
    """The server's refusal and the closed connection after it: (status, headers, the detail list)."""
    status, headers, body = read_answer(sock)
    assert headers["content-type"] == "application/json"
    assert read_until_closed(sock) == b""
    return status, headers, json.loads(body)["detail"]


@pytest.fixture(scope="module")
def strict_server(asgi_app: FastAPI) -> Iterator[str]:
    """The app behind a header deadline short enough to wait for in a test."""
    with running_server(asgi_app, Settings(log_level="warning", header_timeout=0.5)) as url:
        yield url


def test_a_socket_that_sends_nothing_is_closed_by_the_server(strict_server: str) -> None:
    with connect(strict_server) as sock:
        assert read_until_closed(sock) == b""


def test_headers_that_never_finish_get_408(strict_server: str) -> None:
    with connect(strict_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no blank line

        status, _, detail = refusal(sock)

    assert status == 408
    assert detail[0]["type"] == "header_timeout" and "0.5 s" in detail[0]["msg"]


def test_a_kept_alive_connection_is_closed_once_idle(strict_server: str) -> None:
    with connect(strict_server) as sock:
        sock.sendall(HEALTHZ)
        assert read_answer(sock)[0] == 200

        assert read_until_closed(sock) == b""


def test_an_oversize_header_is_refused_with_431(strict_server: str) -> None:
    with connect(strict_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")

        status, _, detail = refusal(sock)

    assert status == 431
    assert detail == [{"loc": ["header"], "type": "header_too_large",
                       "msg": "the request line and headers are over 16384 bytes together; "
                              "send fewer or shorter headers"}]


def test_an_oversize_header_is_refused_before_it_ends(strict_server: str) -> None:
    with connect(strict_server) as sock:
        # Never finished (and nothing sent after it, which would turn the server's close into a reset): the
        # cap, not the deadline, must answer.
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000)

        status, _, detail = refusal(sock)

    assert status == 431 and detail[0]["type"] == "header_too_large"


@pytest.mark.parametrize(("request_head", "reason"), [
    (b"POST /api/trace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n", "Content-Length"),
    (b"GET /healthz HTTP/1.1\r\nHo st: 127.0.0.1\r\n\r\n", "header"),
    (b"GET /\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ""),
])
def test_a_request_the_parser_refuses_gets_a_json_400(strict_server: str, request_head: bytes, reason: str) -> None:
    with connect(strict_server) as sock:
        sock.sendall(request_head)

        status, _, detail = refusal(sock)

    assert status == 400
    assert detail[0]["loc"] == ["request"] and detail[0]["type"] == "bad_request"
    assert detail[0]["msg"].startswith("not a valid HTTP/1.1 request: ") and reason in detail[0]["msg"]


def test_requests_within_the_limits_are_served(strict_server: str) -> None:
    with connect(strict_server) as sock:
        for _ in range(3):  # one kept-alive connection, headers just under the cap
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 16_000 + b"\r\n\r\n")
            assert read_answer(sock)[0] == 200


def busy(url: str) -> socket.socket:
    """A connection with a request under way: its headers sent, its body not yet (the app waits for it)."""
    sock = connect(url)
    sock.sendall(b"POST /api/trace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{")
    return sock


def test_at_the_cap_silent_connections_go_first_then_newcomers_get_503(asgi_app: FastAPI) -> None:
    with running_server(asgi_app, Settings(log_level="warning", max_connections=3)) as url, ExitStack() as stack:
        silent = [stack.enter_context(connect(url)) for _ in range(2)]
        working = stack.enter_context(busy(url))
        # At the cap: a newcomer makes room by closing the connection that has waited longest without a request.
        newcomer = stack.enter_context(connect(url))
        assert read_until_closed(silent[0]) == b""
        newcomer.sendall(HEALTHZ)
        assert read_answer(newcomer)[0] == 200  # and, kept alive, it is waiting again: it goes next
        stack.enter_context(busy(url))
        assert read_until_closed(silent[1]) == b""
        stack.enter_context(busy(url))
        assert read_until_closed(newcomer) == b""

        # Every connection now has a request under way: nothing to close, so the newcomer is told.
        refused = stack.enter_context(connect(url))
        refused.sendall(HEALTHZ)
        status, headers, detail = refusal(refused)

        assert status == 503 and headers["retry-after"] == "5"
        assert detail[0]["type"] == "too_many_connections" and "3 connections" in detail[0]["msg"]
        working.sendall(b" " * 98 + b"}")  # the busy connections were left alone
        assert read_answer(working)[0] == 422


def test_the_cap_makes_room_again_when_a_connection_closes(asgi_app: FastAPI) -> None:
    with running_server(asgi_app, Settings(log_level="warning", max_connections=1)) as url:
        with busy(url):
            with connect(url) as refused:
                refused.sendall(HEALTHZ)
                assert refusal(refused)[0] == 503
        with connect(url) as later:
            later.sendall(HEALTHZ)
            assert read_answer(later)[0] == 200


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


def test_websocket_upgrades_still_reach_the_app() -> None:
    app = Starlette(routes=[WebSocketRoute("/echo", echo)])
    with running_server(app, Settings(log_level="warning", header_timeout=0.5)) as url:
        with websocket_connect(f"ws://{url.removeprefix('http://')}/echo", open_timeout=SOCKET_TIMEOUT_S) as ws:
            ws.send("hello")
            assert ws.recv(timeout=SOCKET_TIMEOUT_S) == "hello"


def test_the_default_cap_follows_the_file_descriptor_limit() -> None:
    resource = pytest.importorskip("resource")
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)

    assert default_max_connections() == max(soft, server.CLASS_CONNECTIONS + FD_RESERVE) - FD_RESERVE


def test_a_low_file_descriptor_limit_is_raised_for_a_class(monkeypatch: pytest.MonkeyPatch) -> None:
    resource = pytest.importorskip("resource")
    raised: list[tuple[int, int]] = []
    monkeypatch.setattr(resource, "getrlimit", lambda _: (1024, 1 << 20))
    monkeypatch.setattr(resource, "setrlimit", lambda _, limits: raised.append(limits))

    cap = default_max_connections()

    assert raised == [(server.CLASS_CONNECTIONS + FD_RESERVE, 1 << 20)]
    assert cap == server.CLASS_CONNECTIONS >= 1000 * 2  # a hall of 1,000: a socket each, and page loads


def test_the_config_uses_the_guarded_protocol_and_the_settings() -> None:
    config = uvicorn_config(Settings(header_timeout=2.5, max_header_bytes=4096, max_connections=7), app=Starlette())
    config.load()

    limits = config.http_protocol_class.limits  # type: ignore[attr-defined]
    assert issubclass(config.http_protocol_class, server.GuardedHttpToolsProtocol)
    assert (limits.header_timeout, limits.max_header_bytes, limits.max_connections) == (2.5, 4096, 7)
    assert config.ws_protocol_class is not None  # the websockets package is there for uvicorn's `ws`


# The uvicorn code GuardedHttpToolsProtocol copies (data_received) or builds on (the rest), as tested. When a
# uvicorn release changes one, read the new code against app/server.py, adjust, and record the new digest.
RELIED_ON = {
    "__init__": "4f08999410347141",
    "connection_made": "6efb565ff3d36b91",
    "connection_lost": "c91a4c9bf2e29c55",
    "data_received": "010a7ae59a5d3b1a",
    "handle_websocket_upgrade": "179c4f769386ab89",
    "on_message_begin": "96d377fdc7c2baef",
    "on_headers_complete": "1ea8589acfad92d8",
    "on_message_complete": "1fbad42dc31fc01f",
    "on_response_complete": "64e254f28e389e76",
    "_should_upgrade": "8fcad1ab8e096739",
    "_unsupported_upgrade_warning": "55bbd2762b189d9a",
    "_unset_keepalive_if_required": "00a6a4e47214e68e",
}


def source_digest(name: str) -> str:
    return hashlib.sha256(inspect.getsource(getattr(HttpToolsProtocol, name)).encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(RELIED_ON))
def test_the_uvicorn_code_the_protocol_relies_on_is_unchanged(name: str) -> None:
    assert source_digest(name) == RELIED_ON[name], (
        f"uvicorn's HttpToolsProtocol.{name} changed: re-read it against app/server.py before trusting the guard"
    )
