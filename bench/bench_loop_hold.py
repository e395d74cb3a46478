"""How long one request holds the event loop, for the worst bodies a client can send (in-process).

Each body goes through the whole application (body limit, checks, parsing, validation, errors, the
answer) as one ASGI call, while a heartbeat task on the same loop notes every gap between its turns;
the longest gap is the request's loop hold. A gap counts only the CPU time this process spent in it, so
time the machine gave to other processes is not charged to the request; work in worker threads counts
(it may hold the GIL). Every figure is the median of --repeats runs, printed under the same measure for
GET /healthz. Target: every row under ~50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core import LIMITS  # noqa: E402
from app.main import create_app  # noqa: E402

LIMIT = 2 * 1024 * 1024 - 64  # just under the default byte limit
WIDTH = LIMITS.max_width


def filled(prefix: bytes, item: bytes, suffix: bytes) -> bytes:
    """prefix + item,item,… + suffix, as many items as fit under the byte limit."""
    count = (LIMIT - len(prefix) - len(suffix)) // (len(item) + 1)
    return prefix + b",".join([item] * count) + suffix


def rows(count: int, cell: bytes) -> bytes:
    return b",".join([b"[" + b",".join([cell] * WIDTH) + b"]"] * count)


DEEPEST = b'"layers":[' + b",".join([str(WIDTH).encode()] * (LIMITS.max_layers + 1)) + b"]"
# (name, path, body): beyond every budget first, then the worst that fit one and must be parsed.
BODIES: list[tuple[str, str, Callable[[], bytes]]] = [
    ('700k bad cells ""', "/api/trace", lambda: filled(b'{"y":[0],"X":[[', b'""', b"]]}")),
    ("700k bad cells {}", "/api/trace", lambda: filled(b'{"y":[0],"X":[', b"{}", b"]}")),
    ("524k NaN cells", "/api/predict", lambda: filled(b'{"X":[[', b"NaN", b"]]}")),
    ("349k rows [0,0]", "/api/trace", lambda: filled(b'{"y":[0],"X":[', b"[0,0]", b"]}")),
    ("524k bad layers", "/api/trace", lambda: filled(b'{"X":[[0,0]],"y":[0],"layers":[', b'"a"', b"]}")),
    ("2M-deep nesting", "/api/trace", lambda: b'{"X":' + b"[" * (LIMIT - 10)),
    ("200k keys", "/api/predict", lambda: filled(b"{", b'"k":0', b"}")),
    ("2 MB loss name", "/api/trace", lambda: b'{"X":[[0,0]],"y":[0],"loss":"' + b"a" * (LIMIT - 40) + b'"}'),
    ("2 MB whitespace", "/api/trace", lambda: b" " * (LIMIT - 30) + b'{"X":[[0,0]],"y":[0]}'),
    ("budget: 4096x16 bad cells", "/api/predict", lambda: b'{"X":[' + rows(4096, b'""') + b"]}"),
    ("budget: 4096x16 long strings", "/api/predict", lambda: b'{"X":[' + rows(4096, b'"' + b"x" * 24 + b'"') + b"]}"),
    ("budget: 65k NaN in one row", "/api/predict", lambda: b'{"X":[[' + b",".join([b"NaN"] * 65_000) + b"]]}"),
    ("budget: 65k 25-digit integers", "/api/predict", lambda: b'{"X":[[' + b",".join([b"1" * 25] * 65_000) + b"]]}"),
    ("budget: flat y of 18.5k NaN", "/api/trace", lambda: b'{"X":[[0,0]],"y":[' + b",".join([b"NaN"] * 18_500) + b"]}"),
    ("budget: 20 unknown 90 KB keys", "/api/trace",
     lambda: b"{" + b",".join(b'"k%d":"%s"' % (i, b"x" * 90_000) for i in range(20)) + b"}"),
    ("largest predict, 8x16 network", "/api/predict",
     lambda: b"{" + DEEPEST + b',"X":[' + rows(LIMITS.max_predict_rows, b"-0.12345678901234567") + b"]}"),
    ("largest trace, 8x16 network", "/api/trace",
     lambda: b"{" + DEEPEST + b',"X":[' + rows(LIMITS.max_rows, b"-0.12345678901234567") + b'],"y":['
     + rows(LIMITS.max_rows, b"0.5") + b"]}"),
]


async def call(app, method: str, path: str, body: bytes) -> tuple[int, int]:
    """One request through the ASGI app; (status, answer bytes)."""
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers, "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 1), "root_path": "", "asgi": {"version": "3.0"}}
    delivered = False
    answer = {"status": 0, "size": 0}

    async def receive() -> dict:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["size"] += len(message.get("body", b""))

    await app(scope, receive, send)
    return answer["status"], answer["size"]


async def loop_hold(app, method: str, path: str, body: bytes) -> tuple[float, int, int]:
    """(longest gap between heartbeat turns in ms, status, answer bytes) for one request."""
    gaps: list[float] = []
    running = True

    async def heartbeat() -> None:
        last_wall, last_cpu = time.perf_counter(), time.process_time()
        while running:
            await asyncio.sleep(0)
            wall, cpu = time.perf_counter(), time.process_time()
            gaps.append(min(wall - last_wall, cpu - last_cpu))
            last_wall, last_cpu = wall, cpu

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    status, size = await call(app, method, path, body)
    running = False
    await beating
    return 1000 * max(gaps), status, size


async def main(repeats: int) -> None:
    app = create_app()
    await call(app, "POST", "/api/trace", b'{"X":[[0,0]],"y":[0]}')  # warm the routes
    floor = statistics.median([(await loop_hold(app, "GET", "/healthz", b""))[0] for _ in range(repeats * 3)])
    print(f"{'body':32s} {'endpoint':13s} {'MB':>5s} {'hold ms':>8s}  status  answer")
    print(f"{'(GET /healthz: the floor)':32s} {'/healthz':13s} {0:5.2f} {floor:8.1f}")
    for name, path, make in BODIES:
        body = make()
        runs = [await loop_hold(app, "POST", path, body) for _ in range(repeats)]
        hold = statistics.median(run[0] for run in runs)
        _, status, size = runs[-1]
        print(f"{name:32s} {path:13s} {len(body) / 1e6:5.2f} {hold:8.1f}  {status}     {size:,} B")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per body; the median is printed")
    asyncio.run(main(parser.parse_args().repeats))
