"""The body-limit middleware: declared, streamed and stalled bodies, at the ASGI level and over a socket."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import anyio

from starlette.requests import Request

from app.web.body_limit import BODY_SCOPE_KEY, BodyLimitMiddleware, buffered_body

LIMIT = 100


class Recorder:
    """A downstream app that records the body it reads; and a `send` that records the answer."""

    def __init__(self) -> None:
        self.body: bytes | None = None
        self.sent: list[dict] = []

    async def app(self, scope, receive, send) -> None:
        message = await receive()
        self.body = message["body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(self, message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def detail(self) -> list[dict]:
        return json.loads(self.sent[1]["body"])["detail"]


def scope(headers: list[tuple[bytes, bytes]], method: str = "POST") -> dict:
    return {"type": "http", "method": method, "path": "/api/trace", "headers": headers}


def chunks_then(messages: list[dict], stall: bool = False):
    queue = list(messages)

    async def receive() -> dict:
        if queue:
            return queue.pop(0)
        if stall:
            await anyio.sleep(3600)
        return {"type": "http.disconnect"}

    return receive


def run(headers, messages, stall: bool = False, timeout: float = 5.0) -> Recorder:
    recorder = Recorder()
    middleware = BodyLimitMiddleware(recorder.app, max_bytes=LIMIT, timeout=timeout)
    anyio.run(middleware, scope(headers), chunks_then(messages, stall), recorder.send)
    return recorder


def part(data: bytes, more: bool) -> dict:
    return {"type": "http.request", "body": data, "more_body": more}


def test_a_body_in_pieces_under_the_limit_reaches_the_app_whole():
    recorder = run([], [part(b"a" * 60, True), part(b"b" * 40, False)])
    assert recorder.status == 200 and recorder.body == b"a" * 60 + b"b" * 40


def test_routes_take_the_buffered_body_or_read_it_themselves():
    body = b'{"X": [[1, 2]]}'
    seen: list[bytes] = []
    buffered: list[bytes | None] = []

    async def route(scope, receive, send) -> None:
        buffered.append(scope.get(BODY_SCOPE_KEY))
        seen.append(await buffered_body(Request(scope, receive)))

    async def main() -> None:
        await BodyLimitMiddleware(route)(scope([]), chunks_then([part(body[:5], True), part(body[5:], False)]), None)
        await route(scope([]), chunks_then([part(body, False)]), None)  # without the middleware

    asyncio.run(main())
    assert seen == [body, body] and buffered == [body, None]


def test_a_declared_length_over_the_limit_is_refused_unread():
    recorder = run([(b"content-length", b"101")], [])
    assert recorder.status == 413 and recorder.body is None
    assert recorder.detail[0]["msg"] == f"the request body is larger than the limit of {LIMIT} bytes"


def test_a_streamed_body_past_the_limit_is_refused_as_it_crosses():
    endless = [part(b"x" * 40, True) for _ in range(1000)]
    recorder = run([(b"content-length", b"10")], endless)  # the declared length lies
    assert recorder.status == 413 and recorder.body is None


def test_a_stalled_body_times_out_with_408():
    recorder = run([], [part(b"{", True)], stall=True, timeout=0.2)
    assert recorder.status == 408
    assert "did not arrive within 0.2 s" in recorder.detail[0]["msg"]


def test_a_cancelled_request_stays_cancelled_rather_than_timing_out():
    recorder = Recorder()
    middleware = BodyLimitMiddleware(recorder.app, max_bytes=LIMIT, timeout=5.0)

    async def main() -> bool:
        task = asyncio.create_task(middleware(scope([]), chunks_then([part(b"{", True)], stall=True), recorder.send))
        await asyncio.sleep(0.05)
        task.cancel()  # e.g. the server shutting down
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False

    assert asyncio.run(main()) and recorder.sent == []


def test_a_bad_content_length_is_400():
    assert run([(b"content-length", b"many")], []).status == 400


def test_a_client_gone_mid_body_gets_nothing_and_the_app_is_not_called():
    recorder = run([], [part(b"{", True)])
    assert recorder.sent == [] and recorder.body is None


def test_get_requests_pass_untouched():
    recorder = Recorder()

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    anyio.run(BodyLimitMiddleware(recorder.app, max_bytes=LIMIT), scope([], "GET"), receive, recorder.send)
    assert recorder.status == 200


def test_a_huge_chunked_upload_to_the_live_server_is_cut_off(live_server, asgi_app):
    limit = asgi_app.state.settings.max_body_bytes
    host, port = live_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /api/trace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
        # The last chunk crosses the limit and no end chunk follows: the server must answer without waiting
        # for the rest. Nothing is sent past the crossing chunk: bytes the server never reads would make its
        # close a reset, which can swallow the answer (or break our own send).
        for _ in range(limit // 65536 + 1):
            sock.sendall(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_body_that_arrived_while_the_loop_was_busy_is_not_a_408():
    """The body is in the socket before the deadline, but the loop is blocked past it (as by another
    request's work): the loop then runs the due timer before the task that would take the body."""

    async def main() -> Recorder:
        recorder = Recorder()
        server_end, client_end = socket.socketpair()
        reader, writer = await asyncio.open_connection(sock=server_end)

        async def receive() -> dict:  # delivers what the socket holds, as uvicorn's receive does
            return part(await reader.read(100), False)

        # A deadline far above a busy machine's scheduling delays, so the body surely arrives before it.
        middleware = BodyLimitMiddleware(recorder.app, max_bytes=LIMIT, timeout=1.0)
        task = asyncio.create_task(middleware(scope([]), receive, recorder.send))
        await asyncio.sleep(0.01)  # the middleware waits for the body, its timer armed
        client_end.sendall(b"{}")  # the whole body arrives in time ...
        time.sleep(1.5)  # ... while the loop is blocked past the deadline
        await task
        writer.close()
        client_end.close()
        return recorder

    recorder = asyncio.run(main())
    assert recorder.status == 200 and recorder.body == b"{}"
