"""Cross-site requests and DNS rebinding, refused before the app runs (a pure ASGI middleware).

Bound to 0.0.0.0 in a lecture hall, the server is reachable from every student's browser, and so from any page
those browsers have open. Three checks keep other sites out:

- the Host header must name this server: localhost, an IP address, this machine's own names, the host of
  BACKPROP_PUBLIC_URL or a name listed in BACKPROP_ALLOWED_HOSTS; anything else is a DNS-rebinding page (a
  hostile name resolved to us) → 400 (a request with no Host at all, which no browser sends, passes);
- a POST (or any unsafe method) whose Origin header is present must come from the same host:port, from
  BACKPROP_PUBLIC_URL or from an origin listed in BACKPROP_ALLOWED_ORIGINS → 403 (no Origin, as from curl, is
  fine);
- a POST body must be declared JSON (Content-Type: application/json) → 415 otherwise: a page elsewhere can send
  a "simple" text/plain or form POST without a CORS preflight, but never a JSON one. A method no route takes
  at that path gets the router's 405 (or 404) instead: nothing would read the body.

WebSocket handshakes get the Host and Origin checks too (a browser always sends Origin on them); `refusal()` is
the plain function behind all of it, for code that checks a scope itself. Redirects (Starlette's trailing-slash
ones) are made relative, so no answer echoes the Host.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.errors import error_response
from app.public_url import PublicUrl

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_MEDIA_TYPE = "application/json"
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
ANY_HOST = "*"
SHOWN_CHARS = 80  # how much of a refused header value the message quotes
# Hosts and origins already judged: a class sends the same few on every request, and judging one takes ~10 µs.
JUDGED = 1024


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key (below) on every request
class SitePolicy:
    """Which Host names this server answers to (besides localhost and IP addresses) and which other origins may POST."""

    host_names: frozenset[str]
    other_origins: frozenset[str]

    @classmethod
    def build(cls, allowed_hosts: Iterable[str] = (), allowed_origins: Iterable[str] = (),
              public_url: PublicUrl | None = None) -> SitePolicy:
        """This machine's own names plus `allowed_hosts` ("*": any); `allowed_origins` as scheme://host[:port];
        the public address's host and origin besides."""
        public_host, public_origin = ((public_url.host,), (public_url.origin,)) if public_url else ((), ())
        names = {name.lower().rstrip(".") for name in (*own_host_names(), *allowed_hosts, *public_host)}
        origins = (*allowed_origins, *public_origin)
        return cls(frozenset(names), frozenset(normalized_origin(origin) for origin in origins))


@dataclass(frozen=True)
class Refusal:
    """Why a request is turned down: its status, the header at fault, the message and the error type."""

    status: int
    header: str
    msg: str
    type: str

    def errors(self) -> list[dict[str, object]]:
        return [{"loc": ["header", self.header], "msg": self.msg, "type": self.type}]


def own_host_names() -> set[str]:
    """This machine's names as students may type them: its host name, that name's first label, and <label>.local.

    No DNS lookup (the LAN may have no DNS server); other names go in BACKPROP_ALLOWED_HOSTS.
    """
    name = socket.gethostname().lower()
    label = name.split(".", 1)[0]
    return {name, label, f"{label}.local"} - {""}


def split_host(host: str) -> tuple[str, int | None] | None:
    """'Example.org:8000' -> ('example.org', 8000); '[::1]' -> ('::1', None); None when it is not a host[:port]."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        name, colon, port_text = host.partition(":")
        if not colon:
            port_text = None
    if port_text is not None and not (port_text.isascii() and port_text.isdigit() and int(port_text) < 65_536):
        return None
    return (name.rstrip("."), int(port_text) if port_text is not None else None) if name else None


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=JUDGED)
def host_allowed(host: str, policy: SitePolicy) -> bool:
    """Whether a Host header names this server: localhost, an IP literal, one of the policy's names, or any if "*"."""
    parts = split_host(host)
    if parts is None:
        return False
    name = parts[0]
    return (name == "localhost" or name.endswith(".localhost") or is_ip_literal(name)
            or name in policy.host_names or ANY_HOST in policy.host_names)


def normalized_origin(origin: str) -> str:
    """'HTTP://Example.org:80/' -> 'http://example.org': lower case, no default port, no path."""
    parts = urlsplit(origin.strip().lower())
    try:
        port = parts.port
    except ValueError:
        return origin
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme):
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}"


@lru_cache(maxsize=JUDGED)
def origin_allowed(origin: str, host: str, policy: SitePolicy) -> bool:
    """Whether a request from `origin` to a server reached as `host` is same-site (same host:port) or allowed."""
    normalized = normalized_origin(origin)
    if normalized in policy.other_origins:
        return True
    scheme, _, netloc = normalized.partition("://")
    target = split_host(host)
    if not netloc or target is None:
        return False
    name, port = target
    if ":" in name:
        name = f"[{name}]"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        name += f":{port}"
    return netloc == name


def json_declared(content_type: str) -> bool:
    """Whether a Content-Type header declares JSON: application/json or a +json type, with any parameters.

    Neither is one a page on another site can send without the browser asking this server first (CORS).
    """
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == JSON_MEDIA_TYPE or (media_type.startswith("application/") and media_type.endswith("+json"))


def shown(value: str) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "..."


def checked_headers(scope: Scope) -> dict[bytes, str]:
    """The Host, Origin and Content-Type headers of a request, those it has (one pass over its headers)."""
    return {name: value.decode("latin-1") for name, value in scope["headers"] if name in _CHECKED}


_CHECKED = frozenset({b"host", b"origin", b"content-type"})


def refusal(scope: Scope, policy: SitePolicy) -> Refusal | None:
    """Why an HTTP request or WebSocket handshake must be refused (Host, then Origin, then Content-Type), or None."""
    headers = checked_headers(scope)
    host = headers.get(b"host")
    if host is not None and not host_allowed(host, policy):
        return Refusal(400, "host", f"this server does not answer to the host name {shown(host)}: open it by its IP "
                       "address, as localhost or by this machine's name (a server can add names with "
                       "BACKPROP_ALLOWED_HOSTS)", "host_not_allowed")
    method = scope.get("method", "GET")
    origin = headers.get(b"origin")
    checks_origin = scope["type"] == "websocket" or method not in SAFE_METHODS
    if checks_origin and origin is not None and not origin_allowed(origin, host or "", policy):
        return Refusal(403, "origin", f"requests from another site ({shown(origin)}) are refused: use the page this "
                       "server serves (a server can allow a site with BACKPROP_ALLOWED_ORIGINS)", "cross_origin")
    if scope["type"] == "http" and method in BODY_METHODS:
        content_type = headers.get(b"content-type")
        if content_type is None or not json_declared(content_type):
            got = f"got {shown(content_type)}" if content_type is not None else "none was given"
            return Refusal(415, "content-type", f"the body must be sent as JSON with the header Content-Type: "
                           f"{JSON_MEDIA_TYPE} ({got}); with curl -d, add -H 'Content-Type: {JSON_MEDIA_TYPE}'",
                           "content_type")
    return None


def relative_location(headers: list[tuple[bytes, bytes]], host: str | None) -> list[tuple[bytes, bytes]]:
    """The response headers with a Location on this server's own host made relative ('/docs', not 'http://h/docs')."""
    result = []
    for name, value in headers:
        if name.lower() == b"location":
            parts = urlsplit(value.decode("latin-1"))
            if parts.netloc and host is not None and parts.netloc.lower() == host.strip().lower():
                value = parts._replace(scheme="", netloc="").geturl().encode("latin-1") or b"/"
        result.append((name, value))
    return result


class CrossSiteGuardMiddleware:
    """Refuse foreign Host and Origin headers and undeclared POST bodies; keep redirects relative."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = (), allowed_origins: Iterable[str] = (),
                 public_url: PublicUrl | None = None, router: Router | None = None) -> None:
        self.app = app
        self.policy = SitePolicy.build(allowed_hosts, allowed_origins, public_url)
        self.router = router  # the app's routes: a body to a method no route has gets their 405/404, not a 415

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refused = refusal(scope, self.policy)
        if refused is not None and refused.status == 415 and not routed(self.router, scope):
            refused = None
        if refused is not None:
            if scope["type"] == "http":
                await error_response(refused.status, refused.errors())(scope, receive, send)
            else:
                await refuse_websocket(refused, scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_relative_redirects(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                host = checked_headers(scope).get(b"host")
                message["headers"] = relative_location(list(message.get("headers", [])), host)
            await send(message)

        await self.app(scope, receive, send_relative_redirects)


def routed(router: Router | None, scope: Scope) -> bool:
    """Whether a route of `router` takes this path with this method (True when there is no router to ask)."""
    return router is None or any(route.matches(scope)[0] is Match.FULL for route in router.routes)


async def refuse_websocket(refused: Refusal, scope: Scope, receive: Receive, send: Send) -> None:
    """Turn a handshake down: with the JSON answer when the server can send one, else a plain close (403)."""
    await receive()  # websocket.connect
    if "websocket.http.response" in (scope.get("extensions") or {}):
        response = error_response(refused.status, refused.errors())
        await send({"type": "websocket.http.response.start", "status": refused.status,
                    "headers": response.raw_headers})
        await send({"type": "websocket.http.response.body", "body": response.body})
    else:
        await send({"type": "websocket.close", "code": 1008})
