"""The README's reverse-proxy setup, run as written: docs/nginx.conf (Debian's nginx) in front of two server
processes sharing one Redis, all on 127.0.0.1; only the listen address and the upstream ports are changed."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from tests.classroom.helpers import run, running_server
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.timeout(90)

CONFIG = Path(__file__).resolve().parents[1] / "docs" / "nginx.conf"
PUBLIC_NAME = "class.example.edu"  # the README's name: resolved by nobody, every socket goes to 127.0.0.1
NGINX = os.environ.get("NGINX") or "/usr/sbin/nginx"


def local_config(text: str, listen_port: int, upstream_ports: list[int]) -> str:
    """The README's configuration, listening on 127.0.0.1:`listen_port` in front of `upstream_ports`."""
    text, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen_port};", text)
    servers = "".join(f"        server 127.0.0.1:{port};\n" for port in upstream_ports)
    text, upstreams = re.subn(r"(upstream backprop \{\n)(?:\s*server [^\n]+\n)+", rf"\g<1>{servers}", text)
    assert listens == 1 and upstreams == 1, "docs/nginx.conf no longer has the parts this test adapts"
    return text


@contextmanager
def running_nginx(config: str, port: int) -> Iterator[None]:
    """nginx as a foreground child process with its own prefix (pid, temp files, logs) in a temporary directory."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"no nginx at {NGINX}: install it (Debian: apt-get install -y nginx; `make test` does this "
                    "when root) or set NGINX")
    prefix = Path(tempfile.mkdtemp(prefix="backprop-nginx-"))
    (prefix / "logs").mkdir()
    (prefix / "nginx.conf").write_text(config)
    directives = (f"daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;")
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", directives],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not listen within 10 s") from None
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()  # type: ignore[union-attr]
        shutil.rmtree(prefix, ignore_errors=True)


def test_the_readme_nginx_configuration_serves_one_class_from_two_processes(
        redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    redis_server.flush()
    port = free_port()
    origin = f"http://{PUBLIC_NAME}:{port}"
    # As the README says: the public name allowed, and the origin too since this port is not 80.
    monkeypatch.setenv("BACKPROP_ALLOWED_HOSTS", PUBLIC_NAME)
    monkeypatch.setenv("BACKPROP_ALLOWED_ORIGINS", origin)
    with running_server(own_process=True, redis_url=redis_server.url) as a, \
            running_server(own_process=True, redis_url=redis_server.url) as b:
        upstreams = [int(server.host.rsplit(":", 1)[1]) for server in (a, b)]
        with running_nginx(local_config(CONFIG.read_text(), port, upstreams), port):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": PUBLIC_NAME},
                              trust_env=False) as proxy:
                assert proxy.get("/healthz").status_code == 200
                created = proxy.post("/api/class/rooms", json={}, headers={"Origin": origin})
            assert created.status_code == 201, created.text
            room = created.json()
            # In a thread of its own: the browser tests before this one leave an event loop in this thread.
            with ThreadPoolExecutor(1) as thread:
                thread.submit(run, _class_through_the_proxy(port, origin, room)).result()


async def _class_through_the_proxy(port: int, origin: str, room: dict[str, str]) -> None:
    """Presenter and students on WebSockets through nginx (round robin: both processes serve some of them)."""

    async def page(**hello: object) -> object:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setblocking(False)
        websocket = await connect(f"ws://{PUBLIC_NAME}:{port}/api/class/ws", sock=sock, origin=origin,  # type: ignore[arg-type]
                                  proxy=None, compression=None, open_timeout=10)
        await websocket.send(orjson.dumps({"type": "hello", "code": room["code"], **hello}).decode())
        return websocket

    async def frames_until(websocket: object, kind: str) -> dict[str, object]:
        while True:
            frame = orjson.loads(await asyncio.wait_for(websocket.recv(), 10))  # type: ignore[attr-defined]
            if frame["type"] == kind:
                return frame

    teacher = await page(role="presenter", token=room["token"])
    students = [await page() for _ in range(4)]
    for websocket in (teacher, *students):
        await frames_until(websocket, "welcome")
    await teacher.send(orjson.dumps({"type": "command", "command": {"type": "step", "to": 1},  # type: ignore[attr-defined]
                                     "state": {"step": 1}}).decode())
    for student in students:
        assert (await frames_until(student, "command"))["command"] == {"type": "step", "to": 1}
    for websocket in (teacher, *students):
        await websocket.close()  # type: ignore[attr-defined]


def test_the_config_adapter_finds_what_it_changes() -> None:
    adapted = local_config(CONFIG.read_text(), 18080, [18001, 18002])
    assert "listen 127.0.0.1:18080;" in adapted
    assert "server 127.0.0.1:18001;" in adapted and "server 127.0.0.1:8003;" not in adapted
    assert "proxy_set_header Host $host;" in adapted and "proxy_set_header Upgrade $http_upgrade;" in adapted
