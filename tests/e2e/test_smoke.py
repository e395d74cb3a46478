"""Smoke tests of the served page: it renders in Chromium under a strict CSP with KaTeX's assets."""

from __future__ import annotations

import asyncio
import gzip
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from app.main import create_app
from tests.helpers import BASE_URL

# The CSP forbids eval, so wait through a locator: page.wait_for_function evals its predicate in the page.
READY = "body[data-ready='true']"
KATEX_CSS = "/static/vendor/katex/katex.min.css"


def test_index_renders_in_chromium_without_errors(page: Page, page_errors: list[str]) -> None:
    response = page.goto("/")

    assert response is not None and response.status == 200
    page.locator(READY).wait_for(state="attached", timeout=10_000)
    assert page_errors == []


def test_index_is_served_with_the_strict_csp(page: Page) -> None:
    response = page.goto("/")

    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_katex_stylesheet_is_loaded(page: Page) -> None:
    with page.expect_response(lambda r: KATEX_CSS in r.url) as katex_css:
        page.goto("/")

    assert katex_css.value.status == 200
    rules = page.evaluate(
        """href => [...document.styleSheets]
            .filter(sheet => sheet.href && sheet.href.includes(href))
            .reduce((count, sheet) => count + sheet.cssRules.length, 0)""",
        KATEX_CSS,
    )
    assert rules > 100  # KaTeX's stylesheet, not an empty or error body


def test_csp_blocks_inline_scripts_in_the_browser(page: Page) -> None:
    page.goto("/")
    page.locator(READY).wait_for(state="attached", timeout=10_000)

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.head.append(script);
        }"""
    )

    assert page.evaluate("window.inlineRan === undefined")


def test_static_files_have_types_and_cache_headers(client: TestClient) -> None:
    module = client.get("/static/js/main.js")
    font = client.get("/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2")
    katex_module = client.get("/static/vendor/katex/katex.mjs")

    assert module.status_code == 200
    assert module.headers["content-type"].startswith("text/javascript")
    assert module.headers["cache-control"] == "no-cache"
    assert font.status_code == 200
    assert font.headers["content-type"] == "font/woff2"
    assert font.headers["cache-control"].startswith("public, max-age=")
    assert katex_module.headers["content-type"].startswith("text/javascript")


def test_revalidation_answers_not_modified(client: TestClient) -> None:
    first = client.get("/static/css/app.css")

    again = client.get("/static/css/app.css", headers={"if-none-match": first.headers["etag"]})

    assert again.status_code == 304


def test_index_links_assets_with_a_version(client: TestClient) -> None:
    html = client.get("/").text

    assert '<script type="module" src="/static/js/main.js?v=' in html
    assert f'href="{KATEX_CSS}?v=' in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)  # no inline scripts in the page



def test_static_text_is_served_compressed(client: TestClient) -> None:
    with client.stream("GET", "/static/vendor/katex/katex.mjs", headers={"accept-encoding": "gzip"}) as response:
        wire_bytes = b"".join(response.iter_raw())
        encoding = response.headers["content-encoding"]

    assert response.status_code == 200
    assert encoding == "gzip"
    assert len(wire_bytes) < 200_000  # ~590 KB uncompressed
    assert b"export" in gzip.decompress(wire_bytes)  # a real module, not an error page


def test_static_text_is_compressed_once_per_file(monkeypatch) -> None:
    compressed: list[int] = []
    real_compress = gzip.compress

    def counting_compress(data: bytes, *args, **kwargs) -> bytes:
        compressed.append(len(data))
        return real_compress(data, *args, **kwargs)

    monkeypatch.setattr(gzip, "compress", counting_compress)
    with TestClient(create_app(), base_url=BASE_URL) as fresh:  # its own static files, nothing compressed yet
        answers = [fresh.get("/static/css/app.css", headers={"accept-encoding": "gzip, br"}) for _ in range(3)]

    assert all(a.headers["content-encoding"] == "gzip" and a.headers["vary"] == "Accept-Encoding" for a in answers)
    assert len({a.content for a in answers}) == 1 and answers[0].headers["etag"]
    assert compressed == [len(answers[0].content)]  # the client has decompressed it


def test_the_first_compression_runs_off_the_event_loop_once_for_everyone(monkeypatch) -> None:
    compressions: list[bool] = []
    real_compress = gzip.compress

    def recording_compress(data: bytes, *args, **kwargs) -> bytes:
        try:
            asyncio.get_running_loop()
            compressions.append(True)  # on the loop
        except RuntimeError:
            compressions.append(False)  # in a worker thread
        return real_compress(data, *args, **kwargs)

    async def five_students_at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as students:
            ask = lambda: students.get("/static/vendor/katex/katex.mjs", headers={"accept-encoding": "gzip"})
            return await asyncio.gather(*(ask() for _ in range(5)))

    monkeypatch.setattr(gzip, "compress", recording_compress)
    with ThreadPoolExecutor(1) as fresh_thread:  # this thread may hold the browser tests' running loop
        answers = fresh_thread.submit(asyncio.run, five_students_at_once()).result()
    assert all(a.status_code == 200 and a.headers["content-encoding"] == "gzip" for a in answers)
    assert compressions == [False]


def test_fonts_ranges_and_clients_without_gzip_get_the_file_as_it_is(client: TestClient) -> None:
    font = client.get("/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2", headers={"accept-encoding": "gzip"})
    plain = client.get("/static/css/app.css", headers={"accept-encoding": "identity"})
    part = client.get("/static/css/app.css", headers={"accept-encoding": "gzip", "range": "bytes=0-9"})

    assert "content-encoding" not in font.headers
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    assert int(plain.headers["content-length"]) == len(plain.content) > 1024
    assert part.status_code == 206 and "content-encoding" not in part.headers and len(part.content) == 10
