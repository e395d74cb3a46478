"""What tests in every folder share: the address they talk to and a real server to talk to."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

# The address every test talks to: the Host checks (app/cross_site.py) refuse TestClient's "testserver".
BASE_URL = "http://127.0.0.1"
# A teacher key for apps under test (app/classroom/teacher.py): TestClient's requests come from "testclient",
# not from this machine's loopback, so starting a class needs the key, as it would from the network.
TEACHER_KEY = "test-teacher-key-0123456789abcdef"
TEACHER_HEADERS = {"Authorization": f"Bearer {TEACHER_KEY}"}
SERVER_START_TIMEOUT_S = 10.0


@contextmanager
def running_server(app: Any, settings: Any) -> Iterator[str]:
    """Run `app` under uvicorn_config(settings) on a free 127.0.0.1 port in a daemon thread; yields its base URL."""
    # Imported here so the pure core tests still collect while the web layer is broken.
    from app.server import uvicorn_config

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(settings, app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="live-server")
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield f"{BASE_URL}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_TIMEOUT_S)
        sock.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Block until uvicorn accepts connections; fail with a clear message if it dies or hangs."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the live test server exited during startup (see the log above)")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the live test server did not start within {SERVER_START_TIMEOUT_S} s")
        time.sleep(0.01)
