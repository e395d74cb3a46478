"""A real redis-server for the tests: on a free 127.0.0.1 port, in a temporary directory, nothing persisted."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_REDIS_SERVER = "/usr/bin/redis-server"
START_TIMEOUT_S = 10.0


def redis_server_path() -> str | None:
    """REDIS_SERVER when set, else Debian's /usr/bin/redis-server, else None."""
    path = os.environ.get("REDIS_SERVER") or DEFAULT_REDIS_SERVER
    return path if os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server child process; `stop` and `start` again on the same port (Redis going away)."""

    def __init__(self, executable: str, directory: str, *options: str) -> None:
        self.executable, self.directory, self.options = executable, directory, options
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.directory,
             "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning", *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode} on port {self.port}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as a crash would: no goodbye to the clients
            self.process.wait(10)
        self.process = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(16)


@contextmanager
def running_redis(*options: str) -> Iterator[RedisServer]:
    """A redis-server for as long as the block runs; `options` are more redis-server arguments."""
    executable = redis_server_path()
    if executable is None:
        raise FileNotFoundError(
            f"no redis-server at {os.environ.get('REDIS_SERVER') or DEFAULT_REDIS_SERVER}: install one "
            "(Debian: apt-get install -y redis-server; `make test` does this when root) or set REDIS_SERVER")
    directory = tempfile.mkdtemp(prefix="backprop-redis-")
    server = RedisServer(executable, directory, *options)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
