"""Classroom fan-out: time from the presenter's command to the last student's receipt, against a bare broadcast.

    .venv/bin/python bench/bench_fanout.py                    # about a minute
    .venv/bin/python bench/bench_fanout.py --sizes 30 300 --commands 40
    .venv/bin/python bench/bench_fanout.py --sizes 300 1000              # a hall of 1,000 on one process

Starts two servers on 127.0.0.1: the app (one uvicorn worker, the real classroom protocol) and a bare
uvicorn + websockets broadcast (one bounded queue and sender task per socket, nothing else). For each N,
N students and one presenter connect to each in turn (all clients in this one asyncio process, each a
`LightSocket`: a minimal WebSocket client, so the load generator costs less than the server); the
presenter sends `--commands` commands of the size the page sends (its `select`), one every `--gap` seconds, and each command's
latency is the time until the last of the N students has it. Prints p50/p95/p99 of that per server, the
ratio, lost commands (must be 0), and the app's memory per connected student (RSS before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ROOT, free_port, load_average, start_server  # noqa: E402

# The frames of the real size the page sends: its largest small command is a `select` of a cell (a step or an
# option is smaller); `n` numbers it for the measurement. Larger changes go in the room's state, over HTTP.
def page_command(i: int) -> dict[str, Any]:
    return {"type": "select", "target": {"matrix": "dL/dW2", "row": 1, "col": 0}, "n": i}


JOINING = 50  # students joining at once

FRAME_BYTES = len(orjson.dumps({"type": "command", "command": page_command(99), "seq": 999}))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100, 300], help="students per run")
    parser.add_argument("--commands", type=int, default=60, help="commands per run")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between commands")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)  # internal: run the bare broadcast
    return parser.parse_args()


# ---- the bare broadcast (runs in its own process) -------------------------------------------------------

def run_bare_server(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    queues: set[asyncio.Queue[str]] = set()

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=256)

        async def sender() -> None:
            while True:
                await websocket.send_text(await queue.get())

        task = asyncio.create_task(sender())
        queues.add(queue)
        try:
            while True:
                text = await websocket.receive_text()
                for other in list(queues):  # the sender's own queue too, as the app echoes to its presenter
                    if not other.full():
                        other.put_nowait(text)
        except Exception:  # noqa: BLE001 - the socket closed
            pass
        finally:
            queues.discard(queue)
            task.cancel()

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def start_bare_server() -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port)], cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            asyncio.run(_probe(f"ws://127.0.0.1:{port}/ws"))
            return process, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the bare server did not start")


async def _probe(url: str) -> None:
    async with connect(url, proxy=None, compression=None):  # type: ignore[arg-type]
        pass


# ---- clients ---------------------------------------------------------------------------------------------

class LightSocket(asyncio.Protocol):
    """A student's WebSocket that does only what one here needs: the handshake, the text frames the server sends
    (unfragmented, unmasked: RFC 6455 §5), pongs and the close. Every student of a run lives in this one process,
    sharing one core: the `websockets` client cost ~30 ms of it per command to 1,000 students (more than the
    server's whole fan-out), so its own queueing, not the server, set the latency; this costs a few µs a frame.
    Frames the script sends are framed (masked) by `websockets.frames`."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.first: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()  # the first text message
        self.on_text: Any = None  # called with each text message's payload (bytes) as it arrives

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status, self.buffer = bytes(self.buffer[:end]), self.buffer[end + 4:]
            if not status.startswith(b"HTTP/1.1 101"):
                self.upgraded.set_exception(OSError(f"handshake refused: {status[:80]!r}"))
                return
            self.upgraded.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buffer = self.buffer
        start = 0
        while len(buffer) - start >= 2:
            opcode, length, head = buffer[start] & 0x0F, buffer[start + 1] & 0x7F, 2
            if length == 126:
                length, head = int.from_bytes(buffer[start + 2:start + 4], "big"), 4
            elif length == 127:
                length, head = int.from_bytes(buffer[start + 2:start + 10], "big"), 10
            if len(buffer) - start < head + length:
                break
            payload = bytes(buffer[start + head:start + head + length])
            start += head + length
            if opcode == Opcode.TEXT and not self.first.done():
                self.first.set_result(payload)
            if opcode == Opcode.TEXT and self.on_text is not None:
                self.on_text(payload)
            elif opcode == Opcode.PING:
                self._write(Opcode.PONG, payload)
            elif opcode == Opcode.CLOSE:
                self._write(Opcode.CLOSE, payload[:2])
                self.transport.close()  # type: ignore[union-attr]
        del buffer[:start]

    def _write(self, opcode: Opcode, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(Frame(opcode, payload).serialize(mask=True, extensions=[]))

    def connection_lost(self, exc: Exception | None) -> None:
        for pending in (self.upgraded, self.first):
            if not pending.done():
                pending.set_exception(exc or OSError("closed before it was answered"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def send(self, text: str) -> None:
        self._write(Opcode.TEXT, text.encode())

    async def close(self) -> None:
        self._write(Opcode.CLOSE, (1000).to_bytes(2, "big"))
        if self.transport is not None:
            self.transport.close()


async def open_ws(url: str) -> LightSocket:
    """A LightSocket to `url` (ws://host:port/path), its handshake done (Origin: the server's own page)."""
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    _, websocket = await asyncio.get_running_loop().create_connection(LightSocket, host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    websocket.transport.write(  # type: ignore[union-attr]
        f"GET {address.path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}:{port}\r\n\r\n".encode())
    await asyncio.wait_for(websocket.upgraded, 30)
    return websocket


async def welcomed(websocket: LightSocket) -> None:
    """Wait for a student's welcome: at most JOINING students join at once, as a hall's do over a few seconds
    (1,000 hellos in flight at once ran each process's Redis pool dry)."""
    first = orjson.loads(await asyncio.wait_for(websocket.first, 30))
    if first.get("type") != "welcome":
        raise SystemExit(f"a student was refused: {first}")


class Student:
    def __init__(self, websocket: LightSocket) -> None:
        self.websocket = websocket
        self.received: dict[int, float] = {}

    def heard(self, payload: bytes) -> None:
        message = orjson.loads(payload)
        if message.get("type") == "command":
            self.received[message["command"]["n"]] = time.perf_counter()

    async def listen(self) -> None:
        """Note each command's arrival until the socket closes."""
        self.websocket.on_text = self.heard
        await self.websocket.closed


async def app_clients(port: int, n: int) -> tuple[LightSocket, list[Student], Any]:
    import httpx

    room = httpx.post(f"http://127.0.0.1:{port}/api/class/rooms", json={}, trust_env=False).json()
    url = f"ws://127.0.0.1:{port}/api/class/ws"
    teacher = await open_ws(url)
    await teacher.send(orjson.dumps({"type": "hello", "role": "presenter", "code": room["code"],
                                     "token": room["token"]}).decode())
    gate = asyncio.Semaphore(JOINING)

    async def student() -> Student:
        async with gate:
            websocket = await open_ws(url)
            await websocket.send(orjson.dumps({"type": "hello", "code": room["code"]}).decode())
            await welcomed(websocket)
            return Student(websocket)

    students = await asyncio.gather(*(student() for _ in range(n)))

    def command(i: int) -> str:
        return orjson.dumps({"type": "command", "command": page_command(i), "id": i}).decode()

    return teacher, list(students), command


async def bare_clients(port: int, n: int) -> tuple[LightSocket, list[Student], Any]:
    url = f"ws://127.0.0.1:{port}/ws"
    teacher = await open_ws(url)
    gate = asyncio.Semaphore(JOINING)

    async def student() -> Student:
        async with gate:
            return Student(await open_ws(url))

    students = await asyncio.gather(*(student() for _ in range(n)))

    def command(i: int) -> str:  # what the app sends its students, built by the presenter here
        return orjson.dumps({"type": "command", "command": page_command(i), "seq": i}).decode()

    return teacher, list(students), command


async def measure(clients: Any, port: Any, n: int, commands: int, gap: float,
                  pids: tuple[int, ...] = ()) -> tuple[list[float], int, float]:
    """(latency of each command to its last student in ms, commands lost, CPU ms the server processes `pids`
    spent per command from the first command to the last student's receipt)."""
    teacher, students, command = await clients(port, n)
    listeners = [asyncio.create_task(s.listen()) for s in students]
    drain = asyncio.create_task(Student(teacher).listen())
    await asyncio.sleep(1.0)  # let the joins settle
    cpu_before = sum(cpu_ms(pid) for pid in pids)
    sent: dict[int, float] = {}
    for i in range(commands):
        sent[i] = time.perf_counter()
        await teacher.send(command(i))
        await asyncio.sleep(gap)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(len(s.received) < commands for s in students):
        await asyncio.sleep(0.05)
    cpu_per_command = (sum(cpu_ms(pid) for pid in pids) - cpu_before) / commands
    lost = sum(commands - len(s.received) for s in students)
    latencies = [
        (max(s.received[i] for s in students if i in s.received) - sent[i]) * 1000
        for i in range(commands) if any(i in s.received for s in students)
    ]
    await asyncio.gather(*(s.websocket.close() for s in students), teacher.close(), return_exceptions=True)
    for task in (*listeners, drain):
        task.cancel()
    return latencies, lost, cpu_per_command


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used, in ms (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def memory_per_student(port: int, pid: int, n: int) -> float:
    """KiB of server RSS per connected student (N connected and idle, measured after they settle)."""
    before = rss_kib(pid)
    teacher, students, _ = await app_clients(port, n)
    listeners = [asyncio.create_task(s.listen()) for s in students]
    await asyncio.sleep(1.5)
    after = rss_kib(pid)
    await asyncio.gather(*(s.websocket.close() for s in students), teacher.close(), return_exceptions=True)
    for task in listeners:
        task.cancel()
    return (after - before) / n


def main() -> None:
    args = parse_args()
    if args.bare_server:
        run_bare_server(args.bare_server)
        return
    # Every student here connects from 127.0.0.1: a hall behind one address, so its join rate (and the seats and
    # sockets that follow it) is raised as README's "A hall behind one address (NAT)" tells such a hall to; the
    # address's frame rate is the default (it grows with the address's sockets).
    os.environ.update({"BACKPROP_CLASS_JOINS_PER_MINUTE": "100000", "BACKPROP_CLASS_MESSAGES_PER_SECOND": "1000",
                       "BACKPROP_CLASS_MAX_ROOMS": "1000"})
    print(f"before: {load_average()}", flush=True)
    app_port = free_port()
    app_server = start_server(app_port)
    bare_server, bare_port = start_bare_server()
    try:
        # First, while the server's heap is fresh: later runs leave freed memory that new sockets reuse.
        per_student = asyncio.run(memory_per_student(app_port, app_server.pid, max(args.sizes)))
        print(f"app memory per connected student: {per_student:.1f} KiB (RSS, {max(args.sizes)} students)")
        print(f"fan-out, {args.commands} commands every {args.gap * 1000:g} ms, {FRAME_BYTES} B to each student (the "
              "page's largest small command, a select); latency = command sent → "
              "last student has it (ms)")
        print("(cpu/cmd: the server process's CPU ms per command over the command phase: what the fan-out costs a core)")
        print(f"{'N':>4} {'server':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'lost':>5} {'cpu/cmd':>8}")
        for n in args.sizes:
            results = {}
            for name, clients, port, pid in (("app", app_clients, app_port, app_server.pid),
                                             ("bare", bare_clients, bare_port, bare_server.pid)):
                latencies, lost, cpu = asyncio.run(measure(clients, port, n, args.commands, args.gap, (pid,)))
                results[name] = latencies
                print(f"{n:>4} {name:>6} {percentile(latencies, 50):7.1f} {percentile(latencies, 95):7.1f} "
                      f"{percentile(latencies, 99):7.1f} {max(latencies):7.1f} {lost:>5} {cpu:8.1f}", flush=True)
            ratios = [percentile(results["app"], q) / max(percentile(results["bare"], q), 1e-9) for q in (50, 95, 99)]
            print(f"{n:>4} {'ratio':>6} " + " ".join(f"{r:6.2f}×" for r in ratios), flush=True)
        print("targets at N = 300 and N = 1,000 (a hall): app p95 ≤ 60 ms, p99 ≤ 100 ms, 0 lost")
        print(f"after: {load_average()}")
    finally:
        for process in (app_server, bare_server):
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
