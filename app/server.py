"""How uvicorn serves the app: one `uvicorn_config(settings)` for the CLI, the tests and bench/, and its HTTP protocol.

uvicorn's httptools protocol keeps a socket that never sends a byte open forever, takes headers of any size and
answers a full server (its `limit_concurrency`) in plain text after the headers. `GuardedHttpToolsProtocol`
closes those gaps at the connection level, before any ASGI code runs:

- a client has `header_timeout` seconds to send a request's line and headers, on a new connection and on a
  kept-alive one between requests (silent: closed; half-sent: 408);
- the request line and headers together are capped at `max_header_bytes` (431);
- at most `max_connections` are open (WebSockets included): at the cap, the oldest connection that has not sent
  a complete request is closed to make room, and only when there is none is the newcomer answered 503;
- what the HTTP parser refuses (`Content-Length: abc`, a malformed request line) is a 400;
- a class WebSocket over its client address's caps (app/classroom/socket_gate.py) is a 403, before the upgrade,
  answered after REFUSAL_DELAY_SECONDS.

Every refusal is JSON, {"detail": [{"loc", "msg", "type"}]}, like the app's own errors. WebSocket upgrades are
handed to uvicorn's `ws` protocol as before.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.classroom.protocol import WS_PATH
from app.classroom.socket_gate import SocketGate
from app.classroom.socket_protocol import paced_protocol
from app.settings import HALL_STUDENTS, Settings
from app.web.json import dumps

try:
    import resource
except ImportError:  # Windows: no RLIMIT_NOFILE to follow
    resource = None  # type: ignore[assignment]

logger = logging.getLogger("uvicorn.error")

# A hall on the LAN: HALL_STUDENTS, each with a WebSocket and up to the 6 connections a browser opens per server.
CLASS_CONNECTIONS = HALL_STUDENTS * (1 + 6)
# Descriptors kept free under the limit: log and static files, the process pool's pipes, and the sockets of
# newcomers being answered 503 at the cap.
FD_RESERVE = 128
# Newcomers over the cap that are still being answered 503; past this many more, new sockets close unanswered.
REFUSAL_ROOM = FD_RESERVE // 2
RETRY_AFTER_SECONDS = 5
# A WebSocket is pinged after this many quiet seconds and closed if the pong takes as long (a page whose
# event loop is busy for a while, e.g. a phone waking up, must not be dropped).
WS_PING_SECONDS = 20.0
# A class socket over its address's caps gets its 403 after this long, its connection unread meanwhile: a client
# that waits for the answer before it tries again (a flood's retry loop) comes back at this pace, not the loop's.
# At most HELD_REFUSALS wait at once; past that the answer is immediate.
REFUSAL_DELAY_SECONDS = 5.0
HELD_REFUSALS = 1024
# At the cap, how often (seconds) the log says so again while it stays there.
CAP_WARNING_INTERVAL = 60.0


@dataclass(frozen=True)
class ConnectionLimits:
    """What one server allows each connection (see the module docstring)."""

    max_connections: int
    header_timeout: float
    max_header_bytes: int


class ProtocolRefusal(Exception):
    """A request refused at the connection level: the status and the one error entry to answer with."""

    def __init__(self, status: int, loc: list[str], msg: str, type_: str) -> None:
        super().__init__(msg)
        self.status = status
        self.error = {"loc": loc, "msg": msg, "type": type_}


def uvicorn_config(settings: Settings, app: Any = "app.main:app") -> uvicorn.Config:
    """The uvicorn configuration every server of this app runs with (one worker, the guarded protocol).

    `app` is the ASGI app or its import string.
    """
    limits = ConnectionLimits(
        max_connections=settings.max_connections or default_max_connections(),
        header_timeout=settings.header_timeout,
        max_header_bytes=settings.max_header_bytes,
    )
    gate = SocketGate(settings)  # class sockets per client address, shared by both protocols
    # One worker on purpose: any in-memory state (e.g. classroom rooms) lives in one process.
    # WebSocket messages far over the classroom's limit are refused by uvicorn before they are buffered;
    # those just over it get the protocol's own "too_big" answer (app/classroom/protocol.py). No compression:
    # a few bytes must never inflate into megabytes to parse. Class sockets are paced before parsing, and one
    # that stops reading is closed (app/classroom/socket_protocol.py); one that reads nothing at all leaves
    # uvicorn's pings unanswered and is closed too. A proxy's X-Forwarded-For is believed from
    # `forwarded_allow_ips` only (None: uvicorn reads FORWARDED_ALLOW_IPS, else loopback).
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level, workers=1,
                          http=guarded_protocol(limits, gate), ws=paced_protocol(settings, gate),
                          ws_max_size=4 * settings.class_max_message_bytes, ws_per_message_deflate=False,
                          ws_ping_interval=WS_PING_SECONDS, ws_ping_timeout=WS_PING_SECONDS,
                          forwarded_allow_ips=settings.forwarded_allow_ips or None)


def default_max_connections() -> int:
    """The connection cap that follows the process's file-descriptor limit, leaving FD_RESERVE free.

    A soft limit too low for a class (the usual 1,024) is first raised toward CLASS_CONNECTIONS, as far as
    the hard limit allows.
    """
    if resource is None:
        return CLASS_CONNECTIONS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CLASS_CONNECTIONS + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        if raised > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft == resource.RLIM_INFINITY:
        return CLASS_CONNECTIONS
    cap = max(1, soft - FD_RESERVE)
    if cap < CLASS_CONNECTIONS:
        logger.warning("only %d connections fit under the file-descriptor limit (%d); a class of %d needs "
                       "about %d: raise it with `ulimit -n %d` before starting", cap, soft, HALL_STUDENTS,
                       CLASS_CONNECTIONS, wanted)
    return cap


def guarded_protocol(limits: ConnectionLimits, gate: SocketGate) -> type[GuardedHttpToolsProtocol]:
    """A protocol class for one server: its limits, its class sockets' gate, and its own list of connections
    waiting for a request."""
    attributes = {"limits": limits, "gate": gate, "waiting": {}, "held": set(), "cap_warned_at": float("-inf")}
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), attributes)


def refusal_bytes(refusal: ProtocolRefusal, extra_headers: Sequence[tuple[bytes, bytes]] = ()) -> bytes:
    """A complete HTTP/1.1 answer to a refusal, closing the connection."""
    body = dumps({"detail": [refusal.error]})
    headers = [*extra_headers, (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"), (b"connection", b"close")]
    if refusal.status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    status_line = f"HTTP/1.1 {refusal.status} {HTTPStatus(refusal.status).phrase}\r\n".encode()
    return status_line + head + b"\r\n" + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline, a header cap, a connection cap and JSON refusals.

    Use `guarded_protocol(limits, gate)`: the class attributes below belong to one server.
    """

    limits: ClassVar[ConnectionLimits]
    gate: ClassVar[SocketGate]  # class sockets per client address (app/classroom/socket_gate.py)
    held: ClassVar[set[GuardedHttpToolsProtocol]]  # class sockets waiting for their refusal
    # Connections that have not sent a complete request (new, or idle between requests), oldest first.
    waiting: ClassVar[dict[GuardedHttpToolsProtocol, None]]
    cap_warned_at: ClassVar[float]  # loop time of the last "at the cap" warning

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_deadline: asyncio.TimerHandle | None = None
        self.head_bytes = 0  # bytes received of the request head being read
        # Between a request's headers and the end of its body, which may go on after the answer (an early 4xx).
        self.reading_body = False
        self.over_cap = False
        self.refusal_timer: asyncio.TimerHandle | None = None

    # Connection lifetime

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self._warn_at_cap()
            if not self._close_oldest_waiting():
                self.over_cap = True  # answered 503 as soon as it sends something
                if len(self.connections) > self.limits.max_connections + REFUSAL_ROOM:
                    self._close()
                    return
        self._wait_for_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        self.held.discard(self)
        if self.refusal_timer is not None:
            self.refusal_timer.cancel()
            self.refusal_timer = None
        super().connection_lost(exc)

    def _wait_for_request(self) -> None:
        """From now on the client has `header_timeout` seconds to send a request's line and headers."""
        self.head_bytes = 0
        if not self.over_cap:
            self.waiting[self] = None
        self.head_deadline = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _stop_waiting(self) -> None:
        self.waiting.pop(self, None)
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_timed_out(self) -> None:
        self.head_deadline = None
        if self.head_bytes:
            self._refuse(ProtocolRefusal(408, ["header"], f"the request's headers did not arrive within "
                                 f"{self.limits.header_timeout:g} s", "header_timeout"))
        else:
            self._close()

    def _close_oldest_waiting(self) -> bool:
        """Make room at the cap by closing the connection that has waited longest without sending a request."""
        oldest = next(iter(self.waiting), None)
        if oldest is None:
            return False
        oldest._close()
        return True

    def _warn_at_cap(self) -> None:
        if self.loop.time() - self.cap_warned_at >= CAP_WARNING_INTERVAL:
            type(self).cap_warned_at = self.loop.time()
            logger.warning("%d connections open, the cap (BACKPROP_MAX_CONNECTIONS): closing those that have "
                           "sent no request first, else answering 503", self.limits.max_connections)

    def _close(self) -> None:
        self._stop_waiting()
        self.connections.discard(self)
        self.transport.close()

    def _refuse(self, refusal: ProtocolRefusal) -> None:
        self._stop_waiting()
        self.connections.discard(self)
        if not self.transport.is_closing():
            self.transport.write(refusal_bytes(refusal, self.server_state.default_headers))
            self.transport.close()

    # Data

    def data_received(self, data: bytes) -> None:
        """uvicorn's own data_received (see tests/test_server.py), with JSON refusals and the head-size count."""
        if self.over_cap:
            self._refuse(ProtocolRefusal(503, ["server"], f"the server is full ({self.limits.max_connections} "
                                 f"connections); try again in {RETRY_AFTER_SECONDS} s", "too_many_connections"))
            return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as error:
            cause = error.__context__
            if isinstance(cause, ProtocolRefusal):
                self._refuse(cause)
            else:
                self._refuse(ProtocolRefusal(400, ["request"], f"not a valid HTTP/1.1 request: {error}", "bad_request"))
        else:
            if self.head_deadline is not None and not self.reading_body:
                self.head_bytes += len(data)
                if self.head_bytes > self.limits.max_header_bytes:
                    self._refuse(self._head_too_large())

    def handle_websocket_upgrade(self) -> None:
        """A class socket over its address's caps is refused here, before a WebSocket protocol or the app runs."""
        if urllib.parse.unquote(httptools.parse_url(self.url).path.decode("ascii")) != WS_PATH:  # as uvicorn reads it
            super().handle_websocket_upgrade()
            return
        address = self.gate.address(self.client, self.scope["headers"], self.config.forwarded_allow_ips)
        refusal = self.gate.admit(address)
        if refusal is not None:
            self._refuse_later(ProtocolRefusal(403, ["connection"], refusal, "rate_limited"))
            return
        super().handle_websocket_upgrade()
        self.transport.get_protocol().gated = address  # the WebSocket protocol releases it when it closes

    def _refuse_later(self, refusal: ProtocolRefusal) -> None:
        """Answer `refusal` after REFUSAL_DELAY_SECONDS, reading nothing meanwhile (see HELD_REFUSALS)."""
        if len(self.held) >= HELD_REFUSALS:
            self._refuse(refusal)
            return
        self._stop_waiting()
        self.held.add(self)
        self.transport.pause_reading()
        self.refusal_timer = self.loop.call_later(REFUSAL_DELAY_SECONDS, self._refuse_held, refusal)

    def _refuse_held(self, refusal: ProtocolRefusal) -> None:
        self.refusal_timer = None
        self.held.discard(self)
        self._refuse(refusal)

    def _head_too_large(self) -> ProtocolRefusal:
        return ProtocolRefusal(431, ["header"], f"the request line and headers are over {self.limits.max_header_bytes} "
                       "bytes together; send fewer or shorter headers", "header_too_large")

    # Parser callbacks (raising here makes feed_data raise an HttpParserCallbackError whose context it is)

    def on_headers_complete(self) -> None:
        head = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if head > self.limits.max_header_bytes:
            raise self._head_too_large()
        self._stop_waiting()
        self.reading_body = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.reading_body = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        idle = not self.pipeline  # no queued request: the connection waits for the next one
        super().on_response_complete()
        if idle and not self.transport.is_closing() and self.head_deadline is None:
            self._wait_for_request()
