"""Benchmark under abuse: small requests' latency while others misbehave, and two trainings at once.

    python bench/bench_abuse.py [--rounds 3] [--seconds 6] [--train-rounds 2]

One uvicorn worker on a free 127.0.0.1 port (bench/_server.py), started with the usual soft limit of
1,024 file descriptors (--server-fd-limit). A probe sends small requests one after another on fresh
connections, alternating `GET /healthz` and a `POST /api/trace` at n = 4 (every body different, so the
answer memory never helps), and reports the p50 and p99 of each:

- quiet: nothing else runs;
- (a) 3 clients send worst-case bodies in a loop: just under the 2 MiB body limit, ~700,000 bad cells
  (`{"y":[0],"X":[["","",…]]}`);
- (b) 10 maximum trainings (at the training budget, 8 layers × 16 neurons, 512 rows) sent at once; the
  phase lasts until all are answered;
- (c) 1,000 sockets are opened and send nothing.

Each abuse figure is printed as a ratio to the quiet one of the same round; medians over the rounds.
Targets: p99 under abuse ≤ 5× the quiet p99 in (a) and (c), ≤ 10× in (b).
Then two maximum trainings at once against one after the other (different bodies, so nothing is replayed).
Target: at once ≤ 0.65× the serial time.

Loads run in a separate process, so the probe's own timing does not share a GIL with them. Everything is
bounded: each phase by --seconds (or by its ten trainings), each request by a timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import resource
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _server import free_port, start_server  # noqa: E402  (bench/ is on sys.path when run as a script)
from app.web.body_limit import MAX_BODY_BYTES  # noqa: E402
from app.core import LIMITS, make_spec, train_work  # noqa: E402

HOST = "127.0.0.1"
TARGETS = {"a": 5.0, "b": 10.0, "c": 5.0}
TRAINS_TARGET = 0.65
MIN_SAMPLES = 20  # a p99 of fewer probes is no p99: such a phase counts as missed
PROBE_TIMEOUT_S = 20.0
LOAD_TIMEOUT_S = 300.0  # a maximum training on a busy shared machine took up to 35 s
PROBE_PAUSE_S = 0.02
BAD_BODY_CLIENTS = 3
MAX_TRAININGS = 10
IDLE_SOCKETS = 1000


# ---- request bodies ----------------------------------------------------------------------------------

def worst_body(limit: int = MAX_BODY_BYTES) -> bytes:
    """`{"y":[0],"X":[["","",…]]}` as long as fits under the body limit: one bad cell per three bytes."""
    head, tail = b'{"y":[0],"X":[[', b"]]}"
    cells = (limit - 1 - len(head) - len(tail) + 1) // 3
    return head + b",".join([b'""'] * cells) + tail


def max_training(seed: int) -> bytes:
    """A training at the budget: the widest, deepest network, the most rows, as many epochs as fit."""
    layers = [2] + [LIMITS.max_width] * (LIMITS.max_layers - 1) + [1]
    rows = LIMITS.max_rows
    epochs = min(LIMITS.max_epochs, LIMITS.train_budget // train_work(make_spec(layers=tuple(layers)), rows, 1))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(rows, 2)).round(4)
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    return json.dumps({"layers": layers, "X": X.tolist(), "y": y.tolist(), "epochs": epochs, "seed": seed}).encode()


def small_trace(index: int) -> bytes:
    """The exercise at n = 4; X[0][0] moves by 1e-6 per body, so no two bodies are the same."""
    X = [[index * 1e-6, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    return json.dumps({"X": X, "y": [0, 1, 1, 0]}).encode()


def request(port: int, method: str, path: str, body: bytes | None, timeout: float) -> int:
    """One request on a fresh connection; the status (the answer read in full), 0 when it failed."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json", "Connection": "close"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


# ---- loads (in their own process) ---------------------------------------------------------------------

def bad_bodies(port: int, ready: Any, stop: Any) -> None:
    body = worst_body()

    def client() -> None:
        while not stop.is_set():
            if request(port, "POST", "/api/trace", body, LOAD_TIMEOUT_S) == 0:
                time.sleep(0.1)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(BAD_BODY_CLIENTS)]
    for thread in threads:
        thread.start()
    ready.set()
    for thread in threads:
        thread.join(LOAD_TIMEOUT_S)


def max_trainings(port: int, ready: Any, stop: Any) -> None:
    bodies = [max_training(seed) for seed in range(100, 100 + MAX_TRAININGS)]
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda b=b: statuses.append(request(port, "POST", "/api/train", b,
                                                                             LOAD_TIMEOUT_S)), daemon=True)
               for b in bodies]
    for thread in threads:
        thread.start()
    ready.set()
    for thread in threads:
        thread.join(LOAD_TIMEOUT_S)
    if statuses.count(200) != MAX_TRAININGS:
        print(f"    (b): of {MAX_TRAININGS} trainings, statuses {sorted(statuses)}", flush=True)


def idle_sockets(port: int, ready: Any, stop: Any) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < IDLE_SOCKETS + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, IDLE_SOCKETS + 100), hard))
    sockets = []
    for _ in range(IDLE_SOCKETS):
        try:
            sockets.append(socket.create_connection((HOST, port), timeout=5))
        except OSError:
            break
    ready.set()
    stop.wait(LOAD_TIMEOUT_S)
    still_open = sum(1 for sock in sockets if _still_open(sock))
    print(f"    (c): {len(sockets)} sockets opened, {still_open} still open at the end", flush=True)
    for sock in sockets:
        sock.close()


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


LOADS: dict[str, tuple[str, Callable[[int, Any, Any], None]]] = {
    "a": (f"{BAD_BODY_CLIENTS} clients sending worst-case bodies", bad_bodies),
    "b": (f"{MAX_TRAININGS} maximum trainings", max_trainings),
    "c": (f"{IDLE_SOCKETS:,} idle sockets", idle_sockets),
}


# ---- the probe ----------------------------------------------------------------------------------------

@dataclass
class Latencies:
    """Seconds per answered request, by kind; a failed one (an error status, a timeout, a refused
    connection) counts as infinitely slow."""

    healthz: list[float] = field(default_factory=list)
    trace: list[float] = field(default_factory=list)
    failed: int = 0

    def p(self, kind: str, q: float) -> float:
        values = sorted(getattr(self, kind))
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


class Probe:
    def __init__(self, port: int) -> None:
        self.port = port
        self.sent = 0

    def run(self, until: Callable[[], bool]) -> Latencies:
        """Alternate /healthz and an n = 4 trace, one at a time, until `until()` says stop."""
        seen = Latencies()
        while not until():
            self.sent += 1
            kind = "healthz" if self.sent % 2 else "trace"
            started = time.perf_counter()
            if kind == "healthz":
                status = request(self.port, "GET", "/healthz", None, PROBE_TIMEOUT_S)
            else:
                status = request(self.port, "POST", "/api/trace", small_trace(self.sent), PROBE_TIMEOUT_S)
            if status != 200:  # counted as slower than any answer: a refused or lost request is worse
                seen.failed += 1
            getattr(seen, kind).append(time.perf_counter() - started if status == 200 else float("inf"))
            time.sleep(PROBE_PAUSE_S)
        return seen


def phase(probe: Probe, seconds: float, load: str | None) -> Latencies:
    """Probe for `seconds` with the load running (or until load (b) is done)."""
    if load is None:
        stop_at = time.monotonic() + seconds
        return probe.run(lambda: time.monotonic() > stop_at)
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=LOADS[load][1], args=(probe.port, ready, stop), daemon=True)
    process.start()
    ready.wait(LOAD_TIMEOUT_S)
    stop_at = time.monotonic() + (LOAD_TIMEOUT_S if load == "b" else seconds)
    seen = probe.run(lambda: time.monotonic() > stop_at or not process.is_alive())
    stop.set()
    process.join(LOAD_TIMEOUT_S)
    if process.is_alive():
        process.terminate()
    return seen


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.1f} ms"


def bench_latency(port: int, rounds: int, seconds: float, loads: str) -> dict[str, list[float]]:
    """Per round: quiet, then each of `loads`; returns the p99 ratios per (load, kind)."""
    probe = Probe(port)
    ratios: dict[str, list[float]] = {}
    for number in range(1, rounds + 1):
        print(f"round {number}/{rounds}", flush=True)
        quiet = phase(probe, seconds, None)
        print(f"  quiet{'':37}" + "  ".join(f"{kind} p50 {ms(quiet.p(kind, 0.5))} p99 {ms(quiet.p(kind, 0.99))}"
                                               for kind in ("healthz", "trace")), flush=True)
        for load in loads:
            title = LOADS[load][0]
            seen = phase(probe, seconds, load)
            line = []
            for kind in ("healthz", "trace"):
                samples = len(getattr(seen, kind))
                ratio = seen.p(kind, 0.99) / quiet.p(kind, 0.99) if samples >= MIN_SAMPLES else float("inf")
                ratios.setdefault(f"{load} {kind}", []).append(ratio)
                line.append(f"{kind} p50 {ms(seen.p(kind, 0.5))} p99 {ms(seen.p(kind, 0.99))} ({ratio:5.1f}×, "
                            f"{samples:3} probes)")
            failed = f"  failed: {seen.failed}" if seen.failed else ""
            print(f"  ({load}) {title:38}" + "  ".join(line) + failed, flush=True)
    return ratios


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU time so far of a process and its descendants alive now (Linux /proc)."""
    processes: dict[int, tuple[int, int]] = {}  # pid: (parent, clock ticks)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # it has just exited
                continue
            processes[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree = {root}
    while True:
        children = {pid for pid, (parent, _) in processes.items() if parent in tree} - tree
        if not children:
            break
        tree |= children
    ticks = sum(processes[pid][1] for pid in tree if pid in processes)
    return ticks / os.sysconf("SC_CLK_TCK")


def bench_trainings(port: int, server_pid: int, rounds: int) -> list[float]:
    """Two maximum trainings at once against one after the other; the ratio per round.

    Also printed: the CPUs the server and its workers kept busy meanwhile (CPU seconds ÷ wall seconds),
    which tells a machine that had no second core to give from trainings that did not run in parallel."""
    ratios = []
    seed = 1000
    for _ in range(rounds):
        bodies = [max_training(seed := seed + 1) for _ in range(4)]
        cpu, started = tree_cpu_seconds(server_pid), time.perf_counter()
        for body in bodies[:2]:
            status = request(port, "POST", "/api/train", body, LOAD_TIMEOUT_S)
            assert status == 200, f"a training answered {status}"
        serial = time.perf_counter() - started
        serial_cores = (tree_cpu_seconds(server_pid) - cpu) / serial
        cpu = tree_cpu_seconds(server_pid)
        statuses: list[int] = []
        threads = [threading.Thread(target=lambda b=b: statuses.append(request(port, "POST", "/api/train", b,
                                                                                 LOAD_TIMEOUT_S)))
                   for b in bodies[2:]]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(LOAD_TIMEOUT_S)
        together = time.perf_counter() - started
        together_cores = (tree_cpu_seconds(server_pid) - cpu) / together
        assert statuses == [200, 200], f"two trainings at once answered {statuses}"
        ratios.append(together / serial)
        print(f"  two maximum trainings: one after the other {serial:5.2f} s ({serial_cores:.2f} CPUs busy), "
              f"at once {together:5.2f} s ({together_cores:.2f} CPUs busy): {together / serial:.2f}×", flush=True)
    return ratios


def start_limited_server(port: int, fd_limit: int) -> Any:
    """start_server with a soft limit on file descriptors, inherited by the server process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(fd_limit, hard), hard))
    try:
        return start_server(port)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of quiet + (a) + (b) + (c) (default 3)")
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds per quiet, (a) and (c) phase (default 6)")
    parser.add_argument("--train-rounds", type=int, default=2, help="rounds of the two-trainings test (default 2)")
    parser.add_argument("--loads", default="abc", help="which abuse phases to run, e.g. b (default abc)")
    parser.add_argument("--server-fd-limit", type=int, default=1024,
                        help="the server's soft limit on file descriptors (default 1024, the usual one)")
    args = parser.parse_args()

    print(f"load average of the machine before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)", flush=True)
    port = free_port()
    server = start_limited_server(port, args.server_fd_limit)
    try:
        ratios = bench_latency(port, args.rounds, args.seconds, args.loads)
        print("two maximum trainings", flush=True)
        trainings = bench_trainings(port, server.pid, args.train_rounds)
    finally:
        server.terminate()
        server.wait(30)

    print("\nmedians over the rounds (p99 under the load ÷ quiet p99):")
    for key, values in ratios.items():
        load = key.split()[0]
        median = statistics.median(values)
        print(f"  ({key:10}) {median:6.1f}×  target ≤ {TARGETS[load]:g}×  {'ok' if median <= TARGETS[load] else 'MISSED'}")
    print(f"load average of the machine after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if trainings:
        median = statistics.median(trainings)
        print(f"  two trainings at once ÷ one after the other: {median:.2f}  target ≤ {TRAINS_TARGET}  "
              f"{'ok' if median <= TRAINS_TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
