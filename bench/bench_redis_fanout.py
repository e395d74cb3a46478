"""Classroom fan-out across processes: 2 server processes sharing Redis against 1 process in memory, same run.

    .venv/bin/python bench/bench_redis_fanout.py              # about half a minute
    .venv/bin/python bench/bench_redis_fanout.py --students 300 --commands 60 --rounds 3
    .venv/bin/python bench/bench_redis_fanout.py --students 1000             # a hall of 1,000

Starts a redis-server on a free 127.0.0.1 port (tests/redis_server.py: REDIS_SERVER or /usr/bin/redis-server),
two app processes with BACKPROP_REDIS_URL and one without. The presenter connects to the first Redis process,
the students are spread over both; against the in-memory process everyone connects to it. Latency of a command
= sent → the last student has it (bench/bench_fanout.py's measure). Prints p50/p95/p99 for both, their ratio,
commands lost, and Redis round trips per command (every command Redis ran from the students having joined to
the end of a round, from INFO commandstats, ÷ commands: heartbeats, presence and the goodbyes included).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _server import free_port, load_average, start_server  # noqa: E402
from bench_fanout import (  # noqa: E402
    FRAME_BYTES, JOINING, Student, app_clients, measure, open_ws, page_command, percentile, welcomed,
)

from tests.redis_server import running_redis  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--commands", type=int, default=60, help="commands per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per setup, alternating")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between commands")
    return parser.parse_args()


async def spread_clients(ports: tuple[int, ...], n: int) -> tuple[Any, list[Student], Any]:
    """A room on the first process, its presenter there, students round robin over `ports`."""
    room = httpx.post(f"http://127.0.0.1:{ports[0]}/api/class/rooms", json={}, trust_env=False).json()
    teacher = await open_ws(f"ws://127.0.0.1:{ports[0]}/api/class/ws")
    await teacher.send(orjson.dumps({"type": "hello", "role": "presenter", "code": room["code"],
                                     "token": room["token"]}).decode())
    gate = asyncio.Semaphore(JOINING)

    async def student(i: int) -> Student:
        async with gate:
            websocket = await open_ws(f"ws://127.0.0.1:{ports[i % len(ports)]}/api/class/ws")
            await websocket.send(orjson.dumps({"type": "hello", "code": room["code"]}).decode())
            await welcomed(websocket)
            return Student(websocket)

    students = await asyncio.gather(*(student(i) for i in range(n)))
    CALLS_AFTER_JOINS.append(redis_calls(REDIS_PORT[0]))

    def command(i: int) -> str:
        return orjson.dumps({"type": "command", "command": page_command(i), "id": i}).decode()

    return teacher, list(students), command


REDIS_PORT: list[int] = []
CALLS_AFTER_JOINS: list[int] = []  # Redis's call count once a round's students have joined


def redis_calls(port: int) -> int:
    """Every command Redis has run (INFO commandstats), over a raw socket: no client library needed."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"INFO commandstats\r\n")
        data = b""
        while not data.endswith(b"\r\n") or data.count(b"\r\n") < 2 or len(data) < int(data[1:data.index(b"\r\n")]):
            data += sock.recv(65536)
    return sum(int(part.split(b"calls=")[1].split(b",")[0]) for part in data.split(b"\r\n") if b"calls=" in part)


def main() -> None:
    args = parse_args()
    os.environ.update({"BACKPROP_CLASS_JOINS_PER_MINUTE": "100000", "BACKPROP_CLASS_MESSAGES_PER_SECOND": "1000",
                       "BACKPROP_CLASS_MAX_ROOMS": "1000"})
    print(f"before: {load_average()}", flush=True)
    with running_redis() as redis_server:
        redis_env = {"BACKPROP_REDIS_URL": redis_server.url}
        redis_ports = (free_port(), free_port())
        memory_port = free_port()
        servers = [start_server(port, redis_env) for port in redis_ports] + [start_server(memory_port)]
        try:
            results: dict[str, list[float]] = {"redis ×2": [], "memory ×1": []}
            lost = dict.fromkeys(results, 0)
            REDIS_PORT.append(redis_server.port)
            calls = 0
            for _ in range(args.rounds):
                latencies, missing, _ = asyncio.run(measure(spread_clients, redis_ports, args.students,
                                                            args.commands, args.gap))
                calls += redis_calls(redis_server.port) - CALLS_AFTER_JOINS[-1]
                results["redis ×2"] += latencies
                lost["redis ×2"] += missing
                latencies, missing, _ = asyncio.run(measure(app_clients, memory_port, args.students,
                                                            args.commands, args.gap))
                results["memory ×1"] += latencies
                lost["memory ×1"] += missing
            total = args.rounds * args.commands
            print(f"fan-out to {args.students} students, {total} commands ({FRAME_BYTES} B to each student, the page's select) every {args.gap * 1000:g} ms "
                  f"({args.rounds} alternating rounds); latency = sent → last student has it (ms)")
            print(f"{'setup':>10} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'lost':>5}")
            for name, values in results.items():
                print(f"{name:>10} {percentile(values, 50):7.1f} {percentile(values, 95):7.1f} "
                      f"{percentile(values, 99):7.1f} {max(values):7.1f} {lost[name]:>5}")
            ratios = [percentile(results["redis ×2"], q) / percentile(results["memory ×1"], q) for q in (50, 95, 99)]
            print(f"{'ratio':>10} " + " ".join(f"{r:6.2f}×" for r in ratios) + "   (target: p99 ≤ 1.5×)")
            print(f"Redis commands per presenter command: {calls / total:.1f} (all Redis traffic from the students "
                  "having joined to the end of the round: heartbeats, presence and the goodbyes included)")
            print(f"after: {load_average()}")
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)


if __name__ == "__main__":
    main()
