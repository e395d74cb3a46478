"""What both benchmarks share: one uvicorn worker on a free loopback port (the Makefile skips _-files)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0  # a machine shared with other work can take that long to start a server


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes): what else ran beside a benchmark moves its figures."""
    return "load average {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The app's own server (`python -m app serve`: app/server.py's uvicorn_config), logging warnings only (no
    access log), with `env` added to the environment; returns once /healthz answers."""
    command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode} during startup")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"the server did not answer /healthz within {START_TIMEOUT_S:g} s")
