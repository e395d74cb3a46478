"""The server's public address, BACKPROP_PUBLIC_URL: where students reach it when that is not where it listens.

Behind `docker run -p 8080:8000`, a reverse proxy or nginx terminating TLS, the server cannot know the address
students type: it sees its container's own address, the proxy's, or plain http. Set to e.g.
`https://class.example.edu` or `http://192.168.1.20:8080`, it is what the student links and the QR code hand
out (an `https://` address gives https links, and the page then talks `wss://`), and its host and origin join
the Host and Origin allow-lists (app/cross_site.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
RULE = ("an http:// or https:// address with a host and no path, e.g. https://class.example.edu or "
        "http://192.168.1.20:8080")


@dataclass(frozen=True)
class PublicUrl:
    scheme: str
    host: str  # a name or an IP address, without brackets
    port: int  # the scheme's default when the address names none

    @property
    def origin(self) -> str:
        """'https://class.example.edu', 'http://[fd00::5]:8080': the default port left out, as browsers write it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == DEFAULT_PORTS[self.scheme] else f":{self.port}"
        return f"{self.scheme}://{host}{port}"


@lru_cache(maxsize=8)
def parse_public_url(text: str) -> PublicUrl | None:
    """The address in `text` ('' → None); ValueError naming the rule when it is not one."""
    text = text.strip()
    if not text:
        return None
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (parts.scheme.lower() not in SCHEMES or not parts.hostname or port == -1 or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username or parts.password):
        raise ValueError(f"BACKPROP_PUBLIC_URL must be {RULE}; got {text!r}")
    scheme = parts.scheme.lower()
    return PublicUrl(scheme, parts.hostname.rstrip("."), port if port is not None else DEFAULT_PORTS[scheme])
