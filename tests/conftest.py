"""Shared fixtures: an in-process API client, a live server and Playwright on the system Chromium."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import Page

from tests.helpers import BASE_URL, running_server
from tests.redis_server import RedisServer, running_redis

# Servers keep a few things across restarts under $XDG_STATE_HOME (app/settings.py, state_dir): the tests' servers,
# in this process or started from it, keep them in a directory of this run's own, never in the user's.
_STATE_HOME = tempfile.mkdtemp(prefix="backprop-tests-state-")
os.environ["XDG_STATE_HOME"] = _STATE_HOME
os.environ.pop("BACKPROP_STATE_DIR", None)
atexit.register(shutil.rmtree, _STATE_HOME, ignore_errors=True)

# The machine running the tests is shared and slow at times: a per-example deadline only adds flakes.
hypothesis_settings.register_profile("backprop", deadline=None)
hypothesis_settings.load_profile("backprop")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Without these Chromium keeps trying to reach the internet, which the app must never need.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives a browser page as `e2e`, so `-m "not e2e"` skips them; run them last."""
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
    # Browser tests last, whatever order the paths were given in: Playwright's sync API leaves an event loop
    # running in this thread, and the classroom tests' asyncio.run() cannot start under it.
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server for the session (REDIS_SERVER, else /usr/bin/redis-server), on a free 127.0.0.1
    port with nothing persisted; stopped afterwards. Tests that need it empty call `flush()`."""
    try:
        with running_redis() as server:
            yield server
    except FileNotFoundError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def asgi_app() -> FastAPI:
    """One application for the whole session (the app keeps no state between requests)."""
    # Imported here so the pure core tests still collect while the web layer is broken.
    from app.main import create_app

    return create_app()


@pytest.fixture(scope="session")
def client(asgi_app: FastAPI) -> Iterator[TestClient]:
    """An in-process HTTP client for API tests (no socket, no browser); one server run for the session,
    since each starts the app's worker processes."""
    with TestClient(asgi_app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(asgi_app: FastAPI) -> Iterator[str]:
    """A real uvicorn server (app/server.py's configuration) on a free 127.0.0.1 port; yields its base URL."""
    from app.settings import Settings

    with running_server(asgi_app, Settings(log_level="warning")) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright's base URL: `page.goto("/")` opens the live server."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium); keeps --headed/--slowmo."""
    executable = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not os.access(executable, os.X_OK):
        pytest.fail(
            f"no Chromium at {executable}: install one (Debian: apt-get install chromium) "
            "or set CHROMIUM_PATH; `make test` does this for you"
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """What went wrong on `page`: console errors, uncaught exceptions, failed and 4xx/5xx requests."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.failure} {request.url}"))
    page.on("response", lambda response: _record_http_error(errors, response.status, response.url))
    return errors


def _record_http_error(errors: list[str], status: int, url: str) -> None:
    if status >= 400:
        errors.append(f"HTTP {status} {url}")
