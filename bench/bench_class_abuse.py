"""Benchmark under classroom abuse: one healthy student's command latency while one client misbehaves.

    .venv/bin/python bench/bench_class_abuse.py [--seconds 6] [--only ping resync]

One server (`python -m app serve`, app/server.py's uvicorn_config, every BACKPROP_CLASS_* at its default) on a
free 127.0.0.1 port. A healthy presenter (the teacher's laptop, 127.0.0.1) and student (another device,
127.0.0.2) share a room; the presenter sends a small command every 100 ms and, as its page does, uploads the
room's shared state every `state_every` commands (the welcome says how many); each command's latency is the time
until the student has it. Each phase runs for --seconds while one misbehaving client, in a process of its
own, connects from other loopback addresses (127.0.0.3 and up: other devices on the LAN) and does one thing:

- ping: 10 student sockets send `ping` as fast as they can (reconnecting when closed);
- big: 3 student sockets send valid 250 KB messages (a `ping` with padding) as fast as they can;
- malformed: 10 student sockets send invalid JSON;
- resync: 30 student sockets send `resync` from seq 0;
- answer: 10 student sockets answer the current question over and over;
- questions: a presenter of another room asks 20 questions at once, every second;
- pointer: a presenter of another room, with 20 students, moves its pointer as fast as it can;
- silent: 1,000 WebSockets (from 10 addresses) that never say hello, reopened when closed;
- fakes: one address joins 400 students to the healthy room, retrying when refused;
- bomb: compressed frames — skipped when the server does not negotiate compression (it never does).

Prints, per phase, p50 and p95 of the healthy student's latency, their ratio to the quiet phase and the
commands it lost. Target: ≤ 3× quiet at p50, ≤ 10× at p95, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import resource
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, WebSocketException

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import free_port, start_server  # noqa: E402  (bench/ is on sys.path when run as a script)

HOST = "127.0.0.1"
HEALTHY_STUDENT = "127.0.0.2"  # a device of its own, as every student's on a LAN
TARGETS = (3.0, 10.0)  # p50, p95 ratios to quiet
COMMAND_GAP_S = 0.1
GRACE_S = 2.0  # after a phase, for the last commands to arrive
PHASES = ("ping", "big", "malformed", "resync", "answer", "questions", "pointer", "silent", "fakes", "bomb")
QUESTION = {"kind": "shape", "expected": [3, 2], "prompt": "Shape of O1?"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each phase")
    parser.add_argument("--only", nargs="+", choices=PHASES, help="run only these abuse phases")
    return parser.parse_args()


# ---- clients ------------------------------------------------------------------------------------------

async def open_ws(port: int, source: str = HOST, compression: str | None = None) -> ClientConnection:
    """A WebSocket to the server from `source` (a loopback address standing for a device)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (HOST, port))
    return await connect(f"ws://{HOST}:{port}/api/class/ws", origin=f"http://{HOST}:{port}", proxy=None,
                         compression=compression, sock=sock, max_size=None, max_queue=None, open_timeout=30)


async def hello(websocket: ClientConnection, **fields: Any) -> dict[str, Any]:
    await websocket.send(orjson.dumps({"type": "hello", **fields}).decode())
    return orjson.loads(await websocket.recv())


async def drain(websocket: ClientConnection) -> None:
    with contextlib.suppress(WebSocketException, OSError):
        async for _ in websocket:
            pass


def create_room(port: int) -> dict[str, Any]:
    return httpx.post(f"http://{HOST}:{port}/api/class/rooms", json={}, trust_env=False).json()


# ---- the misbehaving client (its own process) ---------------------------------------------------------

async def flood_as_student(port: int, code: str, source: str, message: str, stop: asyncio.Event) -> None:
    """One student socket sending `message` as fast as the server takes it; reconnects when closed."""
    student_id = None
    while not stop.is_set():
        try:
            websocket = await open_ws(port, source)
            welcome = await hello(websocket, code=code, **({"student_id": student_id} if student_id else {}))
            if welcome.get("type") != "welcome":
                await websocket.close()
                await asyncio.sleep(1)
                continue
            student_id = welcome.get("student_id")
            reader = asyncio.create_task(drain(websocket))
            with contextlib.suppress(WebSocketException, OSError):
                while not stop.is_set():
                    await websocket.send(message)
            reader.cancel()
            await websocket.close()
        except (WebSocketException, InvalidHandshake, OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.2)


async def questions_at_once(port: int, stop: asyncio.Event) -> None:
    room = create_room(port)
    websocket = await open_ws(port, "127.0.0.6")
    await hello(websocket, code=room["code"], role="presenter", token=room["token"])
    reader = asyncio.create_task(drain(websocket))
    asks = [orjson.dumps({"type": "ask", "id": n, "question": QUESTION}).decode() for n in range(20)]
    while not stop.is_set():
        for ask in asks:
            await websocket.send(ask)
        await asyncio.sleep(1)
    reader.cancel()


async def pointer_flood(port: int, stop: asyncio.Event) -> None:
    room = create_room(port)
    students = [await open_ws(port, f"127.0.2.{n + 1}") for n in range(20)]  # its class: 20 devices
    for student in students:
        await hello(student, code=room["code"])
    readers = [asyncio.create_task(drain(student)) for student in students]
    websocket = await open_ws(port, "127.0.0.6")
    await hello(websocket, code=room["code"], role="presenter", token=room["token"])
    readers.append(asyncio.create_task(drain(websocket)))
    n = 0
    with contextlib.suppress(WebSocketException, OSError):
        while not stop.is_set():
            n += 1
            await websocket.send(orjson.dumps({"type": "pointer", "pointer": {"cell": [n % 4, n % 2]}}).decode())
    for reader in readers:
        reader.cancel()


async def silent_sockets(port: int, stop: asyncio.Event) -> None:
    async def one(source: str) -> None:
        while not stop.is_set():
            try:
                websocket = await open_ws(port, source)
                await drain(websocket)  # until the server closes it (no hello)
            except (WebSocketException, InvalidHandshake, OSError, asyncio.TimeoutError):
                await asyncio.sleep(1)

    tasks = [asyncio.create_task(one(f"127.0.1.{n // 100 + 1}")) for n in range(1000)]
    await stop.wait()
    for task in tasks:
        task.cancel()


async def fake_students(port: int, code: str, stop: asyncio.Event) -> None:
    seated: list[ClientConnection] = []
    while not stop.is_set() and len(seated) < 400:
        try:
            websocket = await open_ws(port, "127.0.0.8")
            if (await hello(websocket, code=code)).get("type") == "welcome":
                seated.append(websocket)
                asyncio.create_task(drain(websocket))
            else:
                await websocket.close()
        except (WebSocketException, InvalidHandshake, OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.05)
    await stop.wait()


async def abuse(kind: str, port: int, code: str, seconds: float) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    if kind in ("ping", "big", "malformed", "resync", "answer"):
        message = {
            "ping": '{"type": "ping"}',
            "big": orjson.dumps({"type": "ping", "pad": "x" * 250_000}).decode(),
            "malformed": "{not json",
            "resync": '{"type": "resync", "last_seq": 0}',
            "answer": '{"type": "answer", "question_id": "q1", "answer": [3, 2]}',
        }[kind]
        sockets = {"big": 3, "resync": 30}.get(kind, 10)
        await asyncio.gather(*(flood_as_student(port, code, f"127.0.0.{3 + n // 10}", message, stop)
                               for n in range(sockets)))
    elif kind == "questions":
        await questions_at_once(port, stop)
    elif kind == "pointer":
        await pointer_flood(port, stop)
    elif kind == "silent":
        await silent_sockets(port, stop)
    elif kind == "fakes":
        await fake_students(port, code, stop)


def run_abuse(kind: str, port: int, code: str, seconds: float) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with contextlib.suppress(Exception):
        asyncio.run(asyncio.wait_for(abuse(kind, port, code, seconds), seconds + 10))


# ---- the healthy class --------------------------------------------------------------------------------

class PresenterPage:
    """The teacher's page across every phase (each phase is a reload): it uploads the room's shared state every
    `state_every` small commands, as static/js/classroom/presenter.js does. Without the uploads the room's log
    no longer reaches back to a state after BACKPROP_CLASS_LOG_SIZE commands and the server refuses every
    further command (`state_required`, docs/contract.md): the whole run sends about 540."""

    def __init__(self, port: int, room: dict[str, Any]) -> None:
        self.port, self.room = port, room
        self.state_every = 100  # until a welcome says
        self.since_upload = 0
        self.uploads = 0

    async def open(self) -> ClientConnection:
        websocket = await open_ws(self.port)
        welcome = await hello(websocket, code=self.room["code"], role="presenter", token=self.room["token"])
        if welcome.get("type") != "welcome":
            print(f"    (the healthy presenter was refused: {welcome})", flush=True)
        self.state_every = welcome.get("state_every", self.state_every)
        return websocket

    async def upload(self) -> None:
        async with httpx.AsyncClient(trust_env=False) as client:
            answer = await client.put(f"http://{HOST}:{self.port}/api/class/rooms/{self.room['code']}/state",
                                      json={"bench": self.uploads},
                                      headers={"Authorization": f"Bearer {self.room['token']}"})
        if answer.status_code != 200:
            print(f"    (the state upload was refused: {answer.status_code} {answer.text[:200]})", flush=True)
        self.since_upload = 0
        self.uploads += 1


async def healthy_phase(port: int, page: PresenterPage, seconds: float) -> tuple[list[float], int, int]:
    """(latencies in s, commands sent, commands lost) for one phase of commands every COMMAND_GAP_S."""
    room = page.room
    teacher = await page.open()
    student = await open_ws(port, HEALTHY_STUDENT)
    welcome = await hello(student, code=room["code"])
    if welcome.get("type") != "welcome":
        print(f"    (the healthy student was refused: {welcome})", flush=True)
    sent_at: dict[int, float] = {}
    got_at: dict[int, float] = {}
    unacked: set[int] = set()
    refusals: list[str] = []

    async def listen() -> None:
        with contextlib.suppress(WebSocketException, OSError):
            async for text in student:
                frame = orjson.loads(text)
                if frame.get("type") == "command":
                    got_at[frame["command"]["to"]] = time.perf_counter()

    async def teacher_hears() -> None:
        with contextlib.suppress(WebSocketException, OSError):
            async for text in teacher:
                frame = orjson.loads(text)
                if frame.get("type") in ("ack", "error"):
                    unacked.discard(frame.get("id"))
                if frame.get("type") == "error":
                    refusals.append(frame.get("code", "?"))

    async def all_acked() -> None:
        """The page uploads once every command before the upload is in the log."""
        deadline = time.perf_counter() + 5
        while unacked and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)

    listener = asyncio.create_task(listen())
    teacher_reader = asyncio.create_task(teacher_hears())
    base = int(time.time() * 1000) % 1_000_000_000 * 1000
    n = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        n += 1
        sent_at[base + n] = time.perf_counter()
        unacked.add(n)
        await teacher.send(orjson.dumps({"type": "command", "id": n,
                                         "command": {"type": "step", "to": base + n}}).decode())
        page.since_upload += 1
        if page.since_upload >= page.state_every:
            await all_acked()
            await page.upload()
        await asyncio.sleep(COMMAND_GAP_S)
    await asyncio.sleep(GRACE_S)
    listener.cancel()
    teacher_reader.cancel()
    if refusals:
        print(f"    (the server refused {len(refusals)} of the presenter's messages: {sorted(set(refusals))})",
              flush=True)
    if student.close_code is not None:
        print(f"    (the healthy student's socket was closed: {student.close_code} {student.close_reason})", flush=True)
    await teacher.close()
    await student.close()
    latencies = [got_at[key] - sent for key, sent in sent_at.items() if key in got_at]
    return latencies, len(sent_at), len(sent_at) - len(latencies)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def compression_offered(port: int) -> bool:
    websocket = await open_ws(port, compression="deflate")
    negotiated = bool(websocket.protocol.extensions)
    await websocket.close()
    return negotiated


def main() -> int:
    args = parse_args()
    port = free_port()
    server = start_server(port)
    failed = False
    try:
        room = create_room(port)
        teacher_setup = asyncio.run(setup_question(port, room))
        print(f"bench_class_abuse: {args.seconds:g} s per phase, load average {os.getloadavg()[0]:.1f}; "
              f"{teacher_setup}", flush=True)
        page = PresenterPage(port, room)
        quiet, sent, lost = asyncio.run(healthy_phase(port, page, args.seconds))
        q50, q95 = percentile(quiet, 0.5), percentile(quiet, 0.95)
        print(f"{'quiet':<10} p50 {q50 * 1000:7.2f} ms  p95 {q95 * 1000:7.2f} ms  lost {lost}/{sent}", flush=True)
        for kind in args.only or PHASES:
            if kind == "bomb":
                if asyncio.run(compression_offered(port)):
                    print("bomb       compression is negotiated: NOT measured", flush=True)
                    failed = True
                else:
                    print("bomb       skipped: the server never negotiates compression", flush=True)
                continue
            process = multiprocessing.get_context("spawn").Process(
                target=run_abuse, args=(kind, port, room["code"], args.seconds + 2), daemon=True)
            process.start()
            time.sleep(1.5)  # the abuse gets going before the measurement starts
            latencies, sent, lost = asyncio.run(healthy_phase(port, page, args.seconds))
            process.join(args.seconds + 20)
            if process.is_alive():
                process.terminate()
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            ok = p50 <= TARGETS[0] * q50 and p95 <= TARGETS[1] * q95 and lost == 0
            failed |= not ok
            print(f"{kind:<10} p50 {p50 * 1000:7.2f} ms ({p50 / q50:5.1f}×)  p95 {p95 * 1000:7.2f} ms "
                  f"({p95 / q95:5.1f}×)  lost {lost}/{sent}  {'ok' if ok else 'MISSED'}", flush=True)
            time.sleep(2)  # sockets of the phase close
        print(f"load average after: {os.getloadavg()[0]:.1f}; the presenter uploaded its state {page.uploads} times",
              flush=True)
    finally:
        server.terminate()
        server.wait(10)
    return 1 if failed else 0


async def setup_question(port: int, room: dict[str, Any]) -> str:
    """The healthy room's current question (what the answer spam answers)."""
    teacher = await open_ws(port)
    await hello(teacher, code=room["code"], role="presenter", token=room["token"])
    await teacher.send(orjson.dumps({"type": "ask", "id": "q", "question": QUESTION}).decode())
    while (frame := orjson.loads(await teacher.recv()))["type"] not in ("ack", "error"):
        pass
    await teacher.close()
    return f"question {frame.get('question_id')} asked"


if __name__ == "__main__":
    raise SystemExit(main())
