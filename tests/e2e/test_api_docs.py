"""The interactive API docs work offline: Swagger UI comes from our server, under the strict CSP."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_docs_render_from_our_own_assets(page: Page, page_errors: list[str], base_url: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    response = page.goto("/docs")

    assert response is not None and response.status == 200
    expect(page.get_by_text("/api/trace", exact=True)).to_be_visible(timeout=10_000)
    expect(page.get_by_text("/api/presets", exact=True)).to_be_visible()
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert [url for url in requested if not url.startswith((base_url, "data:"))] == []
    assert page_errors == []
