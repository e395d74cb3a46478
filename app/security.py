"""Security headers on every response, as a pure ASGI middleware (no per-request task or body copy)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The page loads only our own scripts, never inline ones. KaTeX writes inline style attributes, so
# styles may be inline; fonts and images come from us (data: for KaTeX's and the browser's small images).
PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# FastAPI's /docs and /redoc pages are built from an inline script and assets on jsDelivr; they get a
# policy that lets them work (online) while the app's own pages keep the strict one.
DOCS_PATHS = ("/docs", "/redoc")
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_PAGE_HEADERS = [(b"content-security-policy", PAGE_CSP.encode()), *_COMMON_HEADERS]
_DOCS_HEADERS = [(b"content-security-policy", DOCS_CSP.encode()), *_COMMON_HEADERS]


class SecurityHeadersMiddleware:
    """Add the Content-Security-Policy, nosniff and Referrer-Policy headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _DOCS_HEADERS if scope["path"].startswith(DOCS_PATHS) else _PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
