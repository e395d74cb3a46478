"""Classroom test helpers: a real uvicorn server on 127.0.0.1, and `websockets` clients for it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import orjson
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.classroom.protocol import ORDERED_MESSAGES
from app.main import create_app
from app.server import uvicorn_config
from app.settings import Settings

T = TypeVar("T")
SERVER_START_TIMEOUT_S = 20.0
PROCESS_START_TIMEOUT_S = 60.0  # a `serve` process imports NumPy and starts its CPU pool: slow on a loaded machine
RECEIVE_TIMEOUT_S = 10.0
# Frames that arrive on their own schedule; `expect` skips them unless asked for.
BACKGROUND_TYPES = frozenset({"beat", "presence", "tally", "pointer"})
# Compute workers per lane of a test server: classroom tests compute nothing, and each worker warms up on a
# trace at start (two per lane on this machine by default).
CPU_WORKERS = 1


@dataclass
class Server:
    host: str  # "127.0.0.1:port"

    @property
    def http(self) -> str:
        return f"http://{self.host}"

    @property
    def ws(self) -> str:
        return f"ws://{self.host}/api/class/ws"

    def create_room(self) -> dict[str, Any]:
        response = httpx.post(f"{self.http}/api/class/rooms", json={}, trust_env=False)
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, path: str, **options: Any) -> httpx.Response:
        return httpx.get(f"{self.http}{path}", trust_env=False, **options)


@contextmanager
def running_server(port: int = 0, *, own_process: bool = False, redis_url: str = "", send_buffer: int | None = None,
                   teacher_key: str = "", **settings: int | float) -> Iterator[Server]:
    """A real uvicorn server on 127.0.0.1 with classroom settings (`max_rooms=2` → class_max_rooms), stopped
    afterwards: in a thread of this process (quick to start), or with `own_process` the CLI in a process of
    its own (`backprop-explorer serve`, for load: the clients then do not share the server's core). With
    `redis_url`, its rooms live in that Redis (several servers then serve the same classes). `send_buffer`
    shrinks the kernel's send buffer of the server's sockets (in a thread only), so a client that stops
    reading holds up the server's writes after a few KB instead of a few MB. `teacher_key`: BACKPROP_TEACHER_KEY
    (several processes of one service share one)."""
    if own_process:
        with _server_process(port, settings, redis_url, teacher_key) as server:
            yield server
        return
    server_settings = Settings(redis_url=redis_url, log_level="warning",  # type: ignore[arg-type]
                               teacher_key=teacher_key,
                               **{f"class_{name}": value for name, value in settings.items()})
    sock = socket.create_server(("127.0.0.1", port))
    if send_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)  # accepted sockets inherit it
    server_settings = dataclasses.replace(server_settings, cpu_workers=CPU_WORKERS)
    server = uvicorn.Server(uvicorn_config(server_settings, create_app(server_settings)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="classroom-server")
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the classroom test server did not start")
            time.sleep(0.01)
        yield Server(f"127.0.0.1:{sock.getsockname()[1]}")
    finally:
        server.should_exit = True
        thread.join(SERVER_START_TIMEOUT_S)
        sock.close()


@contextmanager
def running_servers(count: int, **options: Any) -> Iterator[list[Server]]:
    """`count` servers as running_server(**options) starts them, started side by side: an own process takes
    seconds to import NumPy and start its CPU pool, and those seconds overlap instead of adding up."""
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(count) as pool:
        started = [pool.submit(stack.enter_context, running_server(**options)) for _ in range(count)]
        servers = [future.result() for future in started]
        assert len({server.host for server in servers}) == count
        yield servers


@contextmanager
def _server_process(port: int, settings: dict[str, int | float], redis_url: str = "",
                    teacher_key: str = "") -> Iterator[Server]:
    env = {**os.environ, **{f"BACKPROP_CLASS_{name.upper()}": str(value) for name, value in settings.items()}}
    env["BACKPROP_REDIS_URL"] = redis_url
    if teacher_key:  # else the environment's (tests/test_nginx.py sets it there)
        env["BACKPROP_TEACHER_KEY"] = teacher_key
    env["BACKPROP_LOG_LEVEL"] = "warning"
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "BACKPROP_CPU_WORKERS": str(CPU_WORKERS)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        host = _wait_for_port(process)
        # Keep reading what the server prints, so a full pipe can never stall it.
        threading.Thread(target=process.stdout.read, daemon=True).start()  # type: ignore[union-attr]
        yield Server(host)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        assert process.stdout is not None
        process.stdout.close()


def _wait_for_port(process: subprocess.Popen[bytes]) -> str:
    """The address the server prints on its first line, once /healthz answers."""
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    match = re.search(r"http://(127\.0\.0\.1:\d+)/", line)
    if match is None:
        rest = process.stdout.read().decode() if process.poll() is not None else ""
        raise RuntimeError(f"the server did not start: {line}{rest}")
    host = match.group(1)
    deadline = time.monotonic() + PROCESS_START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{host}/healthz", trust_env=False).status_code == 200:
                return host
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not answer within {PROCESS_START_TIMEOUT_S} s")


_open_clients: list[ClientConnection] = []


def run(scenario: Coroutine[Any, Any, T]) -> T:
    """Run a client scenario; every socket it opened is closed afterwards, even when it fails."""

    async def closing() -> T:
        try:
            return await scenario
        finally:
            await asyncio.gather(*(websocket.close() for websocket in _open_clients), return_exceptions=True)
            _open_clients.clear()

    return asyncio.run(closing())


class Client:
    """One page's WebSocket: send messages, read frames by type."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.welcome: dict[str, Any] = {}
        self.snapshot: dict[str, Any] | None = None

    async def send(self, **message: Any) -> None:
        await self.websocket.send(orjson.dumps(message).decode())

    async def receive(self, timeout: float = RECEIVE_TIMEOUT_S) -> dict[str, Any]:
        return orjson.loads(await asyncio.wait_for(self.websocket.recv(), timeout))

    async def expect(self, *types: str, timeout: float = RECEIVE_TIMEOUT_S) -> dict[str, Any]:
        """The next frame of one of `types`, skipping background frames (beats, presence, …)."""
        while True:
            frame = await self.receive(timeout)
            if frame["type"] in types:
                return frame
            if frame["type"] not in BACKGROUND_TYPES:
                raise AssertionError(f"expected {types}, got {frame}")

    async def barrier(self) -> int:
        """Wait until every frame queued before now has arrived (ping → pong); the room's seq."""
        await self.send(type="ping")
        while (frame := await self.receive())["type"] != "pong":
            pass
        return frame["seq"]

    async def drain(self) -> None:
        """Read and drop frames until cancelled or closed (a page that keeps up)."""
        with contextlib.suppress(ConnectionClosed):
            async for _ in self.websocket:
                pass

    async def close(self) -> None:
        await self.websocket.close()


async def open_socket(server: Server, receive_buffer: int | None = None, *, source: str | None = None,
                      compression: str | None = None) -> ClientConnection:
    """A WebSocket to the server; `receive_buffer` shrinks the socket's buffer (a phone that reads slowly);
    `source` is the client's own address, another loopback one (127.0.0.2, …: another device on the LAN)."""
    sock = None
    if receive_buffer is not None or source is not None:
        host, port = server.host.rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        if source is not None:
            sock.bind((source, 0))
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    # No proxy from the environment and no compression: straight to 127.0.0.1, as a test must. No limit on
    # unread frames (max_queue): a test that leaves frames unread must not stall the closing handshake.
    websocket = await connect(server.ws, origin=f"http://{server.host}", proxy=None,  # type: ignore[arg-type]
                              compression=compression,
                              open_timeout=RECEIVE_TIMEOUT_S, max_size=4 * 1024 * 1024, max_queue=None, sock=sock)
    _open_clients.append(websocket)
    return websocket


async def join(server: Server, code: str, *, source: str | None = None, **hello: Any) -> Client:
    """A connection that said hello and got its welcome (fails on an error frame); a new page (no epoch in
    its hello) also gets its snapshot, kept in `client.snapshot`. `source`: as for `open_socket`."""
    client = Client(await open_socket(server, source=source))
    await client.send(type="hello", code=code, **hello)
    frame = await client.receive()
    assert frame["type"] == "welcome", frame
    client.welcome = frame
    if "epoch" not in hello:
        client.snapshot = await client.expect("snapshot")
    return client


async def presenter(server: Server, room: dict[str, Any], **hello: Any) -> Client:
    return await join(server, room["code"], role="presenter", token=room["token"], **hello)


async def refused(server: Server, *, source: str | None = None, **hello: Any) -> tuple[dict[str, Any], int | None]:
    """(the error frame, the close code) for a hello the server turns away."""
    client = Client(await open_socket(server, source=source))
    await client.send(type="hello", **hello)
    frame = await client.receive()
    try:
        await asyncio.wait_for(client.websocket.wait_closed(), RECEIVE_TIMEOUT_S)
    finally:
        await client.close()
    return frame, client.websocket.close_code


async def commands_until(client: Client, last_seq: int) -> list[dict[str, Any]]:
    """Every ordered frame (command, state, lock, question, reveal, …) up to `last_seq`."""
    frames = []
    while not frames or frames[-1]["seq"] < last_seq:
        frames.append(await client.expect(*ORDERED_MESSAGES))
    return frames


async def put_state(server: Server, room: dict[str, Any], state: Any, token: str | None = None) -> httpx.Response:
    """The presenter's upload of its shared state (PUT …/state with its token)."""
    token = room["token"] if token is None else token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.put(f"{server.http}/api/class/rooms/{room['code']}/state", json=state, headers=headers)


async def upload(server: Server, room: dict[str, Any], state: Any) -> int:
    """put_state that must succeed: the seq of its `state` frame."""
    response = await put_state(server, room, state)
    assert response.status_code == 200, response.text
    return int(response.json()["seq"])
