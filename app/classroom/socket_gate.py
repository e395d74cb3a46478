"""Which class sockets one server process opens: per client address, how many are open and how many it opened
lately (BACKPROP_CLASS_SOCKETS_PER_ADDRESS, BACKPROP_CLASS_SOCKETS_PER_SECOND).

Checked on the upgrade request itself, in the HTTP protocol (app/server.py), before a WebSocket protocol, the app
or its middleware run: a flood of handshakes costs a counter and a 403 each, not a handshake each. The address is
the one the app sees: the connecting peer, or, from a believed proxy (uvicorn's forwarded_allow_ips), the client
its X-Forwarded-For names, read by uvicorn's own `_TrustedHosts` as its ProxyHeadersMiddleware reads it (uvicorn
is pinned; tests/classroom/test_abuse_caps.py checks that both agree).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from uvicorn.middleware.proxy_headers import _TrustedHosts

from app.classroom.ratelimit import KeyedBuckets
from app.settings import Settings


class SocketGate:
    def __init__(self, settings: Settings) -> None:
        self.cap, rate = settings.class_socket_cap, settings.class_socket_rate
        self.opened = KeyedBuckets(rate, 2 * rate)  # new sockets per address, bursts of twice the rate
        self.open: Counter[str] = Counter()
        self._trusted: tuple[object, _TrustedHosts] | None = None

    def address(self, peer: tuple[str, int] | None, headers: Iterable[tuple[bytes, bytes]],
                forwarded_allow_ips: list[str] | str) -> str:
        """The client address of an upgrade request from `peer`, as the app will see it."""
        host = peer[0] if peer else "unknown"
        if self._trusted is None or self._trusted[0] != forwarded_allow_ips:
            self._trusted = (forwarded_allow_ips, _TrustedHosts(forwarded_allow_ips))
        trusted = self._trusted[1]
        if host in trusted:
            forwarded = [value for name, value in headers if name == b"x-forwarded-for"]
            if forwarded:
                client, _ = trusted.get_trusted_client_address(b", ".join(forwarded).decode("latin1"))
                host = client or host
        return host

    def admit(self, address: str) -> str | None:
        """Count a new class socket from `address`; None when it may open, else why not."""
        if self.open[address] >= self.cap:
            return (f"{self.cap} class connections are open from this address already "
                    "(BACKPROP_CLASS_SOCKETS_PER_ADDRESS)")
        if not self.opened.allow(address):
            return ("too many new class connections from this address (BACKPROP_CLASS_SOCKETS_PER_SECOND); "
                    "try again in a second")
        self.open[address] += 1
        return None

    def release(self, address: str) -> None:
        """A class socket `admit` let in has closed."""
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]
