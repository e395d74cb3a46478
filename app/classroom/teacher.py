"""Who may start a class: the teacher, never any page on the network.

A request may start one (POST /api/class/rooms) when it carries the teacher key as `Authorization: Bearer <key>`
(compared in constant time), or when it comes straight from the server's own machine: a loopback peer with no
proxy in between. Behind a proxy every request arrives from the proxy's address, often loopback, so there
(BACKPROP_PUBLIC_URL set, or forwarded headers on the request) loopback counts for nothing and only the key
opens the door. `serve` prints the key as a teacher link `/?key=…` at start (a new one each run) unless
BACKPROP_TEACHER_KEY gives it (several processes must share one); static/js/classroom/teacher-key.js moves it
from the link into the tab's sessionStorage. Each start is logged with its time, address and code, never the key or a token.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from datetime import datetime, timezone

from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.web.errors import error_response
from app.settings import Settings

logger = logging.getLogger("uvicorn.error")

KEY_QUERY = "key"  # the teacher link: /?key=<key>
# Headers a proxy adds: their presence means the peer address is the proxy's, not the client's.
FORWARDED_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto",
                               b"x-real-ip"})
UNAUTHORIZED = {401: {"description": "Only the teacher starts a class: send `Authorization: Bearer <teacher key>` "
                                     "(the key of the teacher link `serve` prints), or ask from the server's own "
                                     "machine without a proxy in between."}}


def new_teacher_key() -> str:
    """A key nobody guesses: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def teacher_link(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/?{KEY_QUERY}={key}"


def bearer_key(connection: HTTPConnection) -> str | None:
    """The key in an `Authorization: Bearer <key>` header, else None."""
    scheme, _, key = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


def holds_key(connection: HTTPConnection, settings: Settings) -> bool:
    key = bearer_key(connection)
    return bool(settings.teacher_key) and key is not None and hmac.compare_digest(
        key.encode(), settings.teacher_key.encode())


def behind_proxy(connection: HTTPConnection, settings: Settings) -> bool:
    return bool(settings.public_url) or any(name in FORWARDED_HEADERS for name, _ in connection.scope["headers"])


def on_this_machine(connection: HTTPConnection, settings: Settings) -> bool:
    """A direct connection from the server's own machine: a loopback peer, and no proxy in between."""
    if behind_proxy(connection, settings) or connection.client is None:
        return False
    try:
        address = ipaddress.ip_address(connection.client.host)
    except ValueError:
        return False  # not an address (TestClient's "testclient")
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return (mapped or address).is_loopback


def may_start(connection: HTTPConnection, settings: Settings) -> bool:
    return holds_key(connection, settings) or on_this_machine(connection, settings)


def start_refusal(connection: HTTPConnection, settings: Settings) -> Response | None:
    """None when this request may start a class, else the 401 that says how to."""
    if may_start(connection, settings):
        return None
    wrong = bearer_key(connection) is not None
    msg = ("this teacher key is not the server's: open the teacher link `serve` printed again" if wrong else
           "only the teacher starts a class: open the teacher link `serve` printed (…/?key=…), or this page on "
           "the server's own machine; students join with the class code")
    response = error_response(401, [dict(loc=["header", "authorization"], msg=msg, type="teacher_key")])
    response.headers["WWW-Authenticate"] = 'Bearer realm="backprop-explorer"'
    return response


def log_start(connection: HTTPConnection, settings: Settings, code: str) -> None:
    """One line per class started: when, from where, how, and its code (never the key or a token)."""
    address = connection.client.host if connection.client else "unknown"
    how = "teacher key" if holds_key(connection, settings) else "this machine"
    logger.info("class %s started at %s from %s (%s)", code, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                address, how)
