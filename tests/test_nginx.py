"""The README's reverse-proxy setup, run as written: docs/nginx.conf (Debian's nginx) in front of two server
processes sharing one Redis, all on 127.0.0.1; only the listen addresses, the upstream ports and the certificate
paths are changed, and its TLS lines switched on. A hall's students come from 60 distinct client addresses:
client sockets bound to 127.0.0.2 … 127.0.0.61 (all of 127.0.0.0/8 is loopback)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis
from websockets.asyncio.client import ClientConnection, connect

from tests.classroom.helpers import running_servers
from tests.helpers import TEACHER_HEADERS, TEACHER_KEY
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.timeout(240)

CONFIG = Path(__file__).resolve().parents[1] / "docs" / "nginx.conf"
PUBLIC_NAME = "class.example.edu"  # the README's name: resolved by nobody, every socket goes to 127.0.0.1
NGINX = os.environ.get("NGINX") or "/usr/sbin/nginx"
HALL_ADDRESSES = [f"127.0.0.{n}" for n in range(2, 62)]  # 60 client addresses, every one loopback
JOINS_PER_MINUTE = 30  # the default BACKPROP_CLASS_JOINS_PER_MINUTE
SOCKETS_PER_SECOND = 4  # under the default BACKPROP_CLASS_SOCKETS_PER_SECOND (5)


def local_config(text: str, listen_port: int, upstream_ports: list[int], tls_port: int = 18443,
                 certificate: tuple[Path, Path] = (Path("/tmp/c.pem"), Path("/tmp/c.key"))) -> str:
    """The README's configuration on 127.0.0.1:`listen_port` (and, TLS switched on, `tls_port`) in front of
    `upstream_ports`."""
    text, listens = re.subn(r"(?m)^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{listen_port};", text)
    servers = "".join(f"        server 127.0.0.1:{port};\n" for port in upstream_ports)
    text, upstreams = re.subn(r"(upstream backprop \{\n)(?:\s*server [^\n]+\n)+", rf"\g<1>{servers}", text)
    text, tls = re.subn(r"#listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;", text)
    text, certs = re.subn(r"#ssl_certificate( +)\S+;", rf"ssl_certificate\g<1>{certificate[0]};", text)
    text, keys = re.subn(r"#ssl_certificate_key( +)\S+;", rf"ssl_certificate_key\g<1>{certificate[1]};", text)
    assert (listens, upstreams, tls, certs, keys) == (1, 1, 1, 1, 1), "docs/nginx.conf no longer has the parts " \
        "this test adapts"
    return text


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for PUBLIC_NAME (openssl, one day), and its key."""
    cert, key = directory / "class.pem", directory / "class.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={PUBLIC_NAME}", "-addext", f"subjectAltName=DNS:{PUBLIC_NAME}"],
                   check=True, capture_output=True)
    return cert, key


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


@dataclass
class Hall:
    port: int
    tls_port: int
    certificate: Path
    redis: RedisServer

    @property
    def origin(self) -> str:
        return f"http://{PUBLIC_NAME}:{self.port}"

    @property
    def public_url(self) -> str:
        return f"https://{PUBLIC_NAME}:{self.tls_port}"

    def http(self, address: str = "127.0.0.1") -> httpx.Client:
        """A client whose every connection comes from `address`, to nginx's plain-HTTP port, as PUBLIC_NAME."""
        return httpx.Client(base_url=f"http://127.0.0.1:{self.port}", headers={"Host": PUBLIC_NAME}, trust_env=False,
                            transport=httpx.HTTPTransport(local_address=address))

    def forget_joins(self) -> None:
        """A fresh join budget for every address (the counters of the tests before)."""
        client = redis.Redis(host="127.0.0.1", port=self.redis.port)
        keys = client.keys("*joins*")
        if keys:
            client.delete(*keys)
        client.close()

    def create_room(self) -> dict[str, Any]:
        with self.http() as proxy:
            created = proxy.post("/api/class/rooms", json={}, headers={"Origin": self.origin, **TEACHER_HEADERS})
        assert created.status_code == 201, created.text
        return created.json()


@pytest.fixture(scope="module")
def hall(redis_server: RedisServer) -> Iterator[Hall]:
    """nginx with docs/nginx.conf (TLS on) in front of two processes on one Redis, configured as the README says:
    the public address, the teacher key they share, and the plain-HTTP origin (this port is not 80)."""
    redis_server.flush()
    port, tls_port = free_port(), free_port()
    directory = Path(tempfile.mkdtemp(prefix="backprop-tls-"))
    certificate = self_signed_certificate(directory)
    hall = Hall(port, tls_port, certificate[0], redis_server)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("BACKPROP_PUBLIC_URL", hall.public_url)
            env.setenv("BACKPROP_TEACHER_KEY", TEACHER_KEY)
            env.setenv("BACKPROP_ALLOWED_ORIGINS", hall.origin)
            with running_servers(2, own_process=True, redis_url=redis_server.url) as (a, b):
                upstreams = [int(server.host.rsplit(":", 1)[1]) for server in (a, b)]
                with running_nginx(local_config(CONFIG.read_text(), port, upstreams, tls_port, certificate), port):
                    yield hall
    finally:
        shutil.rmtree(directory, ignore_errors=True)


_opened: list[ClientConnection] = []


def in_a_thread(scenario: Any) -> Any:
    """Run a client scenario in a thread of its own (the browser tests leave an event loop in this thread); every
    socket it opened is closed afterwards."""

    async def closing() -> Any:
        try:
            return await scenario
        finally:
            await asyncio.gather(*(websocket.close() for websocket in _opened), return_exceptions=True)
            _opened.clear()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, closing()).result()


async def class_socket(hall: Hall, address: str = "127.0.0.1", *, tls: bool = False) -> ClientConnection:
    """A page's WebSocket through nginx, its connection from `address`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((address, 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", hall.tls_port if tls else hall.port))
    try:
        if tls:
            context = ssl.create_default_context(cafile=str(hall.certificate))
            websocket = await connect(f"wss://{PUBLIC_NAME}:{hall.tls_port}/api/class/ws", sock=sock, ssl=context,
                                      origin=hall.public_url, proxy=None, compression=None,  # type: ignore[arg-type]
                                      open_timeout=30, max_queue=None)
        else:
            websocket = await connect(f"ws://{PUBLIC_NAME}:{hall.port}/api/class/ws", sock=sock,
                                      origin=hall.origin, proxy=None, compression=None,  # type: ignore[arg-type]
                                      open_timeout=30, max_queue=None)
    except BaseException:
        sock.close()
        raise
    _opened.append(websocket)
    return websocket


async def hello(websocket: ClientConnection, code: str, **more: object) -> dict[str, Any]:
    """Say hello; the answer (a welcome, or an error), skipping background frames."""
    await websocket.send(orjson.dumps({"type": "hello", "code": code, **more}).decode())
    return await next_frame(websocket, "welcome", "error")


async def next_frame(websocket: ClientConnection, *kinds: str) -> dict[str, Any]:
    """The next frame of one of `kinds` (snapshots, beats, presence … skipped)."""
    while True:
        frame = orjson.loads(await asyncio.wait_for(websocket.recv(), 30))
        if frame["type"] in kinds:
            return frame


def step(n: int) -> str:
    return orjson.dumps({"type": "command", "command": {"type": "step", "to": n}, "state": {"step": n}}).decode()


def test_only_the_teacher_key_starts_a_class_through_the_proxy(hall: Hall) -> None:
    with hall.http() as proxy:  # nginx reaches the servers from 127.0.0.1: that counts for nothing
        without = proxy.post("/api/class/rooms", json={}, headers={"Origin": hall.origin})
        forged = proxy.post("/api/class/rooms", json={}, headers={"Origin": hall.origin, "X-Forwarded-For": "127.0.0.1"})
        page = proxy.get("/").text

    assert without.status_code == forged.status_code == 401
    assert 'data-class-start="key"' in page
    room = hall.create_room()
    assert room["student_urls"] == [f"{hall.public_url}/join/{room['code']}"]


def test_the_readme_nginx_configuration_serves_one_class_from_two_processes(hall: Hall) -> None:
    room = hall.create_room()

    async def scenario() -> None:
        teacher = await class_socket(hall)
        assert (await hello(teacher, room["code"], role="presenter", token=room["token"]))["type"] == "welcome"
        students = [await class_socket(hall) for _ in range(4)]  # round robin: both processes serve some
        for student in students:
            assert (await hello(student, room["code"]))["type"] == "welcome"
        await teacher.send(step(1))
        for student in students:
            assert (await next_frame(student, "command"))["command"] == {"type": "step", "to": 1}

    in_a_thread(scenario())


def test_300_class_sockets_through_nginx_are_all_welcomed(hall: Hall) -> None:
    hall.forget_joins()
    room = hall.create_room()

    async def scenario() -> None:
        teacher = await class_socket(hall)
        assert (await hello(teacher, room["code"], role="presenter", token=room["token"]))["type"] == "welcome"
        gate = asyncio.Semaphore(50)

        async def student(n: int) -> ClientConnection:
            async with gate:
                websocket = await class_socket(hall, HALL_ADDRESSES[n % len(HALL_ADDRESSES)])
                answer = await hello(websocket, room["code"])
                assert answer["type"] == "welcome", answer
                return websocket

        students = await asyncio.gather(*(student(n) for n in range(299)))  # and the teacher's: 300 sockets
        await teacher.send(step(1))
        commands = await asyncio.gather(*(next_frame(s, "command") for s in students))
        assert all(frame["command"] == {"type": "step", "to": 1} for frame in commands)

    in_a_thread(scenario())


@contextmanager
def within_one_minute(seconds_needed: float) -> Iterator[None]:
    """Start where the joins counted per minute (Redis: one counter per address and clock minute) cannot roll
    over before `seconds_needed` have passed, and check they did not."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.2)
    minute = int(time.time() // 60)
    yield
    assert int(time.time() // 60) == minute, "the scenario took longer than planned: the minute turned"


def test_60_students_from_60_addresses_join_within_a_minute_and_the_31st_from_one_address_is_refused(
        hall: Hall) -> None:
    hall.forget_joins()
    room = hall.create_room()
    crowded = HALL_ADDRESSES[0]

    async def scenario() -> None:
        students = [await class_socket(hall, address) for address in HALL_ADDRESSES]
        answers = await asyncio.gather(*(hello(student, room["code"]) for student in students))
        assert [answer["type"] for answer in answers] == ["welcome"] * 60
        for _ in range(JOINS_PER_MINUTE - 1):  # one at a time from the crowded address: its joins, not its sockets
            await asyncio.sleep(1 / SOCKETS_PER_SECOND)  # new sockets from one address: 5 a second by default
            websocket = await class_socket(hall, crowded)
            assert (await hello(websocket, room["code"]))["type"] == "welcome"
            await websocket.close()
        websocket = await class_socket(hall, crowded)
        refused = await hello(websocket, room["code"])
        assert refused["type"] == "error" and refused["code"] == "rate_limited"
        other = await class_socket(hall, HALL_ADDRESSES[1])  # the others keep their own budget
        assert (await hello(other, room["code"]))["type"] == "welcome"

    with within_one_minute(25):  # the scenario takes under 10 s on a loaded 2-core machine
        in_a_thread(scenario())


def test_a_forged_x_forwarded_for_buys_no_new_join_budget(hall: Hall) -> None:
    hall.forget_joins()
    room = hall.create_room()
    path = f"/api/class/rooms/{room['code']}"

    with within_one_minute(20), hall.http(HALL_ADDRESSES[5]) as client:
        statuses = [client.get(path, headers={"X-Forwarded-For": f"10.9.8.{n}"}).status_code
                    for n in range(JOINS_PER_MINUTE + 2)]
        with hall.http(HALL_ADDRESSES[6]) as neighbour:
            unaffected = neighbour.get(path).status_code

    assert statuses == [200] * JOINS_PER_MINUTE + [429] * 2
    assert unaffected == 200


def test_nginx_terminates_tls_and_the_class_runs_on_wss(hall: Hall) -> None:
    context = ssl.create_default_context(cafile=str(hall.certificate))
    with httpx.Client(verify=context, trust_env=False) as https:
        # PUBLIC_NAME resolves nowhere: connect to 127.0.0.1 and present the name in TLS and Host.
        page = https.get(f"https://127.0.0.1:{hall.tls_port}/", headers={"Host": PUBLIC_NAME},
                         extensions={"sni_hostname": PUBLIC_NAME})
    assert page.status_code == 200 and "data-class-start" in page.text
    room = hall.create_room()

    async def scenario() -> None:
        teacher = await class_socket(hall, tls=True)
        assert (await hello(teacher, room["code"], role="presenter", token=room["token"]))["type"] == "welcome"
        student = await class_socket(hall, HALL_ADDRESSES[9], tls=True)
        assert (await hello(student, room["code"]))["type"] == "welcome"
        await teacher.send(step(2))
        assert (await next_frame(student, "command"))["command"] == {"type": "step", "to": 2}

    in_a_thread(scenario())


def test_the_config_adapter_finds_what_it_changes() -> None:
    adapted = local_config(CONFIG.read_text(), 18080, [18001, 18002], 18443, (Path("/c/x.pem"), Path("/c/x.key")))
    assert "listen 127.0.0.1:18080;" in adapted and "listen 127.0.0.1:18443 ssl;" in adapted
    assert "ssl_certificate     /c/x.pem;" in adapted and "ssl_certificate_key /c/x.key;" in adapted
    assert "server 127.0.0.1:18001;" in adapted and "server 127.0.0.1:8003;" not in adapted
    assert "proxy_set_header Host $host;" in adapted and "proxy_set_header Upgrade $http_upgrade;" in adapted
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in adapted
    events = re.search(r"worker_connections (\d+);", adapted)
    assert events is not None and int(events.group(1)) >= 2 * 1000 * 2  # a hall of 1,000: two per class socket
