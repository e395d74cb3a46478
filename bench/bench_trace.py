"""Benchmark of the trace: the core against plain NumPy, and /api/trace against /healthz over HTTP.

    python bench/bench_trace.py [--duration 4] [--rounds 5] [--connections 16] [--skip-http]

1. Core: µs per `compute_trace` for the exercise's network (2→2→2→1, sigmoid, sigmoid, identity) at n = 4
   and n = 512, median of many timed batches, next to a minimal inline NumPy forward + backward + update of
   the same network timed in the same run. Target: trace ≤ 2× the inline version.
2. HTTP: one uvicorn worker started here on a free 127.0.0.1 port; requests per second of /healthz and of
   /api/trace at n = 4 and n = 64, under wrk (Debian's `wrk`, POST body through bench/wrk_post.lua) or,
   without wrk, a bounded asyncio load generator. Targets: /api/trace ≥ 50% of /healthz at n = 4 and ≥ 35%
   at n = 64. Every request's body differs (X[0][0] moves by 1e-6 per body, same work), so the server's
   memory of answers (app/api/answers.py) never helps; a fourth run repeats one body at n = 4, as a class
   opening the same preset does, to show what that memory gives. Rounds interleave the targets so a
   neighbour's load hits them alike; medians are shown. Also shown: the server's CPU time per request (from
   /proc), which other load on the machine barely moves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _server import free_port, start_server  # noqa: E402  (bench/ is on sys.path when run as a script)
from app.api.answers import SEEN_LIMIT  # noqa: E402
from app.core import check_data, compute_trace, make_spec  # noqa: E402

CORE_TARGET = 2.0
HTTP_TARGETS = {4: 0.50, 64: 0.35}
LEARNING_RATE = 0.1


# ---- 1. the core against inline NumPy ----------------------------------------------------------------

def exercise_data(n: int) -> tuple[list[list[float]], list[list[float]]]:
    """XOR for n = 4; otherwise n random points in the unit square labelled by XOR of their halves."""
    if n == 4:
        return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [[0.0], [1.0], [1.0], [0.0]]
    rng = np.random.default_rng(1)
    X = rng.uniform(0.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0.5) != (X[:, 1] > 0.5)).astype(float).reshape(-1, 1)
    return X.tolist(), y.tolist()


def inline_numpy(W1: np.ndarray, W2: np.ndarray, W3: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple:
    """The same network by hand: forward, half-SSE loss, backward in the exercise's order, one update."""
    H1 = X.dot(W1)
    O1 = 1.0 / (1.0 + np.exp(-H1))
    H2 = O1.dot(W2)
    O2 = 1.0 / (1.0 + np.exp(-H2))
    y_hat = O2.dot(W3)
    r = y_hat - y
    loss = 0.5 * float(np.vdot(r, r))
    d = r
    dW3 = O2.T.dot(d)
    d = d.dot(W3.T) * (O2 * (1.0 - O2))
    dW2 = O1.T.dot(d)
    d = d.dot(W2.T) * (O1 * (1.0 - O1))
    dW1 = X.T.dot(d)
    return loss, W1 - LEARNING_RATE * dW1, W2 - LEARNING_RATE * dW2, W3 - LEARNING_RATE * dW3


def paired_medians_us(calls: list[Callable[[], object]], batch: int, batches: int) -> list[float]:
    """Median µs per call of each function, timing their batches in turn so that load from elsewhere on
    the machine falls on all of them alike (after one warm-up batch each)."""
    for call in calls:
        for _ in range(batch):
            call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(batches):
        for call, times in zip(calls, samples, strict=True):
            start = time.perf_counter()
            for _ in range(batch):
                call()
            times.append((time.perf_counter() - start) / batch * 1e6)
    return [statistics.median(times) for times in samples]


def bench_core() -> list[tuple[int, float, float]]:
    """(n, µs per compute_trace, µs per inline NumPy pass) for n = 4 and 512."""
    spec = make_spec(learning_rate=LEARNING_RATE)
    rows = []
    for n, batch, batches in ((4, 100, 100), (512, 40, 100)):
        X, y = check_data(spec, *exercise_data(n))
        W1, W2, W3 = spec.weights
        with np.errstate(all="ignore"):
            trace_us, inline_us = paired_medians_us(
                [partial(compute_trace, spec, X, y), partial(inline_numpy, W1, W2, W3, X, y)], batch, batches
            )
        rows.append((n, trace_us, inline_us))
    return rows


# ---- 2. HTTP throughput ------------------------------------------------------------------------------

# Sent in turn: more bodies than the answer memory notes first sightings of (app/api/answers.py), so a body
# has been forgotten by the time it comes round again: every one is computed, none is kept.
DISTINCT_BODIES = 2 * SEEN_LIMIT


def trace_bodies(n: int, count: int) -> list[bytes]:
    """`count` request bodies for the exercise at n rows, each with X[0][0] moved by another 1e-6."""
    X, y = exercise_data(n)
    bodies = []
    for k in range(count):
        X[0][0] = round(k * 1e-6, 6)
        bodies.append(json.dumps({"X": X, "y": y}, separators=(",", ":")).encode())
    return bodies


def check_answers(base: str, bodies: dict[str, tuple[int, list[bytes]]]) -> None:
    """Refuse to time error answers: every /api/trace body kind must get a 200 with a trace in it."""
    for n, kind_bodies in bodies.values():
        request = urllib.request.Request(
            f"{base}/api/trace", data=kind_bodies[-1], headers={"Content-Type": "application/json"}
        )
        answer = json.loads(urllib.request.urlopen(request, timeout=10).read())
        if len(answer["forward"]["y_hat"]) != n:
            raise SystemExit(f"/api/trace at n = {n} answered without the expected y_hat")


def wrk_rate(url: str, body_file: Path | None, duration: float, connections: int) -> tuple[float, int]:
    """(requests per second, requests) that wrk reaches; fails loudly on non-2xx answers or socket errors."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    env = dict(os.environ)
    if body_file is not None:
        command += ["-s", str(ROOT / "bench" / "wrk_post.lua")]
        env["BENCH_BODY_FILE"] = str(body_file)
    output = subprocess.run([*command, url], capture_output=True, text=True, env=env, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw failed requests on {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, int(re.search(r"(\d+) requests in", output).group(1))


async def _python_connection(host: str, port: int, requests: list[bytes], first: int, stop_at: float) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    try:
        while time.monotonic() < stop_at:
            writer.write(requests[(first + done) % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"the load generator got {head.splitlines()[0]!r}")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
    return done


def _raw_request(host_port: str, path: str, body: bytes | None) -> bytes:
    method = "POST" if body is not None else "GET"
    head = f"{method} /{path} HTTP/1.1\r\nHost: {host_port}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body or b"")


def python_rate(url: str, bodies: list[bytes] | None, duration: float, connections: int) -> tuple[float, int]:
    """A bounded keep-alive load generator: `connections` clients in one asyncio loop for `duration` s,
    sending the bodies in turn (a GET when there are none)."""
    host_port, path = url.removeprefix("http://").split("/", 1)
    host, port = host_port.split(":")
    requests = [_raw_request(host_port, path, body) for body in bodies] if bodies else [_raw_request(host_port, path, None)]
    spread = max(1, len(requests) // connections)  # clients start at different bodies

    async def run() -> int:
        stop_at = time.monotonic() + duration
        clients = (_python_connection(host, int(port), requests, i * spread, stop_at) for i in range(connections))
        counts = await asyncio.gather(*clients)
        return sum(counts)

    start = time.monotonic()
    total = asyncio.run(run())
    return total / (time.monotonic() - start), total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to price a request in CPU, not wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


REPEATED = "trace n=4, one body repeated"


def bench_http(duration: float, rounds: int, connections: int) -> dict[str, tuple[list[float], float]]:
    """Per target ('healthz', 'trace n=4', 'trace n=64', REPEATED): requests per second in each round and
    the median server CPU µs per request, which is what a request costs the server whatever else runs."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    distinct = {n: trace_bodies(n, DISTINCT_BODIES) for n in HTTP_TARGETS}
    bodies = {f"trace n={n}": (n, distinct[n]) for n in HTTP_TARGETS}
    bodies[REPEATED] = (4, distinct[4][:1])
    use_wrk = shutil.which("wrk") is not None
    print(f"load generator: {'wrk' if use_wrk else 'python asyncio (wrk not found)'}, "
          f"{connections} connections, {duration:g} s per run, {rounds} round(s)")
    server = start_server(port)
    rates: dict[str, list[float]] = {"healthz": [], **{name: [] for name in bodies}}
    cpu_us: dict[str, list[float]] = {name: [] for name in rates}
    try:
        check_answers(base, bodies)
        with tempfile.TemporaryDirectory() as tmp:
            files = {name: Path(tmp) / f"bodies_{index}.jsonl" for index, name in enumerate(bodies)}
            for name, path in files.items():
                path.write_bytes(b"\n".join(bodies[name][1]) + b"\n")
            targets = [("healthz", f"{base}/healthz", None, None)] + [
                (name, f"{base}/api/trace", files[name], bodies[name][1]) for name in bodies
            ]
            for _ in range(rounds):
                for name, url, body_file, target_bodies in targets:
                    cpu_before = cpu_seconds(server.pid)
                    if use_wrk:
                        rate, count = wrk_rate(url, body_file, duration, connections)
                    else:
                        rate, count = python_rate(url, target_bodies, duration, connections)
                    rates[name].append(rate)
                    cpu_us[name].append((cpu_seconds(server.pid) - cpu_before) / count * 1e6)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {name: (rates[name], statistics.median(cpu_us[name])) for name in rates}


# ---- report ------------------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per HTTP run (default 4)")
    parser.add_argument("--rounds", type=int, default=5, help="HTTP rounds over the four targets (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--skip-http", action="store_true", help="only the core benchmark")
    args = parser.parse_args()

    print("core: compute_trace vs inline NumPy forward + backward + update, exercise network")
    for n, trace_us, inline_us in bench_core():
        ratio = trace_us / inline_us
        print(f"  n = {n:>3}: compute_trace {trace_us:8.1f} µs   inline NumPy {inline_us:8.1f} µs   "
              f"ratio {ratio:4.2f}× (target ≤ {CORE_TARGET:g}×: {verdict(ratio <= CORE_TARGET)})")
    if args.skip_http:
        return
    print("http: one uvicorn worker on 127.0.0.1")
    results = bench_http(args.duration, args.rounds, args.connections)
    health_rates, health_cpu = results["healthz"]
    health = statistics.median(health_rates)
    print(f"  /healthz            {health:8.0f} req/s   server CPU {health_cpu:6.0f} µs/request")
    for n, target in HTTP_TARGETS.items():
        rates, cpu = results[f"trace n={n}"]
        ratio = statistics.median(rates) / health
        print(f"  /api/trace n = {n:>3} {statistics.median(rates):8.0f} req/s   server CPU {cpu:6.0f} µs/request   "
              f"{ratio:5.1%} of /healthz's req/s (target ≥ {target:.0%}: {verdict(ratio >= target)}); "
              f"by CPU per request {health_cpu / cpu:5.1%}; {round_spread(rates, health_rates)}   (every body different)")
    rates, cpu = results[REPEATED]
    print(f"  /api/trace n =   4 {statistics.median(rates):8.0f} req/s   server CPU {cpu:6.0f} µs/request   "
          f"{statistics.median(rates) / health:5.1%} of /healthz's req/s with one body repeated (a class on one "
          f"preset: answered from memory; no target)")


def round_spread(rates: list[float], health_rates: list[float]) -> str:
    """The lowest and highest ratio to /healthz within one round: how much the machine moved the figures."""
    ratios = [rate / health for rate, health in zip(rates, health_rates, strict=True)]
    return f"rounds {min(ratios):.0%}–{max(ratios):.0%}"


if __name__ == "__main__":
    main()
