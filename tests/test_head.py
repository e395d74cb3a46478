"""HEAD for every GET route (app/head.py): the GET's status and headers, no body."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

STATIC_FILE = "/static/css/app.css"


# The pages outside the API schema; the schema's own GET operations are added to these.
PAGES = ["/", "/docs", "/openapi.json", STATIC_FILE]


def test_every_get_route_answers_head_like_get_without_a_body(client: TestClient, asgi_app: FastAPI) -> None:
    operations = asgi_app.openapi()["paths"].items()
    # Paths with parameters ({code}) name no resource as they stand; tests/classroom/ covers those.
    paths = [*PAGES, *(path for path, methods in operations if "get" in methods and "{" not in path)]
    assert {"/healthz", "/api/presets"} <= set(paths)

    for path in paths:
        get = client.get(path)
        head = client.head(path)

        assert head.status_code == get.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"], path
        assert head.headers["content-length"] == get.headers["content-length"], path


def test_head_on_a_post_route_is_still_405(client: TestClient) -> None:
    answer = client.head("/api/trace")

    assert answer.status_code == 405 and answer.headers["allow"] == "POST"


def test_head_over_a_real_socket_ends_without_a_body(live_server: str) -> None:
    import http.client

    host, port = live_server.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for _ in range(2):  # the kept-alive connection stays usable: no stray body bytes after the head
            connection.request("HEAD", "/")
            answer = connection.getresponse()
            assert answer.status == 200 and answer.read() == b""
            assert int(answer.headers["content-length"]) > 0
    finally:
        connection.close()
