"""A cap on request bodies, as a pure ASGI middleware.

The body is read here, before any route sees it: a declared Content-Length over the limit is refused at
once without reading a byte, a body that streams past the limit (chunked, or longer than announced) is
refused as soon as it crosses it, and a client that stops sending mid-body gets 408 after a timeout. So a
huge or lying request can neither fill memory nor hold a worker; the route then takes the buffered body
(`buffered_body`), which is also replayed through `receive` for any code that reads it the usual way.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.json import dumps

MAX_BODY_BYTES = 2 * 1024 * 1024  # 2 MiB: a 512 × 16 matrix of long floats is about 0.2 MB
# Where the buffered body waits in the ASGI scope for the route (`buffered_body`).
BODY_SCOPE_KEY = "backprop.body"
BODY_TIMEOUT_SECONDS = 10.0
# How late the body timer may run before the loop counts as having been busy (see _read_body_in_time).
LATE_TIMER_GRACE = 0.05
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class BodyRefused(Exception):
    """The body breaks a rule (here: its size or timing; app/api/bodies.py: its bytes); `status`, `type` and
    `msg` make the {"detail": [...]} answer."""

    def __init__(self, status: int, type_: str, msg: str) -> None:
        super().__init__(msg)
        self.status, self.type, self.msg = status, type_, msg

    def detail(self) -> list[dict[str, object]]:
        return [{"loc": ["body"], "msg": self.msg, "type": self.type}]


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                raise BodyRefused(400, "content_length", "the Content-Length header is not a number") from None
    return None


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413 (and stalled uploads with 408), before the app runs."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, timeout: float = BODY_TIMEOUT_SECONDS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        try:
            declared = _declared_length(scope)
            if declared is not None and declared > self.max_bytes:
                raise self._too_large()
            body = await self._read_body_in_time(receive)
        except BodyRefused as rejected:
            await _reject(send, rejected)
            return
        if body is None:  # the client went away mid-body: nobody to answer
            return
        scope[BODY_SCOPE_KEY] = body
        await self.app(scope, _replay(body, receive), send)

    async def _read_body_in_time(self, receive: Receive) -> bytes | None:
        """_read_body, or BodyRefused 408 when the body has not arrived after `timeout` seconds.

        One loop timer that cancels this task, rather than asyncio.timeout: the same effect at a third of
        its cost, which every POST pays (about 3 µs). A timer that runs late means the loop was busy: the
        body may be waiting in the socket for the loop to deliver it, so it is given LATE_TIMER_GRACE more
        and the timer checks again (only a timer that runs on time refuses the body).
        """
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        expired = False

        def expire(when: float) -> None:
            nonlocal expired, timer
            now = loop.time()
            if now - when > LATE_TIMER_GRACE:
                timer = loop.call_at(now + LATE_TIMER_GRACE, expire, now + LATE_TIMER_GRACE)
                return
            expired = True
            task.cancel()

        deadline = loop.time() + self.timeout
        timer = loop.call_at(deadline, expire, deadline)
        try:
            return await self._read_body(receive)
        except asyncio.CancelledError:
            if not expired or task.uncancel() > 0:  # cancelled by someone else too: let it go on
                raise
            late = f"the request body did not arrive within {self.timeout:g} s"
            raise BodyRefused(408, "body_timeout", late) from None
        finally:
            timer.cancel()

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self) -> BodyRefused:
        return BodyRefused(
            413, "body_too_large", f"the request body is larger than the limit of {self.max_bytes} bytes"
        )


async def buffered_body(request: Request) -> bytes:
    """The request body as this middleware buffered it, else read from the request.

    Taking the bytes from the scope saves streaming them through `receive` a second time, which costs a
    small request about as much as validating it.
    """
    body = request.scope.get(BODY_SCOPE_KEY)
    return body if body is not None else await request.body()


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the buffered body once, then passes through (disconnect events)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reject(send: Send, rejected: BodyRefused) -> None:
    content = dumps({"detail": rejected.detail()})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
        # The unread rest of the body would be taken for the next request: close this connection.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": rejected.status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
