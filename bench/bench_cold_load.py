"""Server CPU per cold page load: a lecture hall opening the explorer at once, bundled vs unbundled.

    .venv/bin/python bench/bench_cold_load.py [--loads 15] [--warmup 2]

Starts two servers of the app (one uvicorn worker each, `python -m app serve`) on free 127.0.0.1 ports: one
as shipped (the page's ES modules bundled at setup, scripts/setup-assets.sh) and one with BACKPROP_BUNDLE=0
(every module its own request, as before the bundle). Then, taking turns between the two, `--loads` cold loads
of the page each in the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium): a new browser context
(empty HTTP cache) per load, navigation to body[data-ready="true"] and network idle, so every request a cold
load makes is in. `--warmup` loads per server go first, unmeasured: the teacher's own first look, which fills
the servers' in-memory caches (compressed files, remembered answers).

Server CPU per load: the CPU time (ns, /proc/<pid>/task/<tid>/schedstat) of every thread of the server process
and of its worker processes, read before and after each load. Printed: medians per load of server CPU,
requests and bytes transferred (CDP encodedDataLength: bodies as sent plus headers), the requests by kind, and
what a hall of 1,000 cold loads would cost one core at the median. Target: <= 10 ms of server CPU per cold load,
so 1,000 cold loads <= 10 s of one core. The machine's load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import urllib.parse
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from _server import free_port, load_average, start_server  # bench/ is on sys.path when run as a script

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 720}
READY = "body[data-ready='true']"
TARGET_MS = 10.0
HALL = 1000  # students opening the page at once (app/settings.py's HALL_STUDENTS)
# After network idle: the server may still be closing connections and logging.
SETTLE_S = 0.2


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (the compute pool's workers), from /proc's children lists."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def cpu_ns(pid: int) -> int:
    """CPU time so far of every live thread of the process tree (schedstat's first field: ns on a CPU)."""
    total = 0
    for process in process_tree(pid):
        for task in Path(f"/proc/{process}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total


def request_kind(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.endswith((".woff2", ".woff", ".ttf")):
        return "font"
    if path.endswith((".js", ".mjs")):
        return "script"
    if path.endswith(".css"):
        return "css"
    return "page" if path == "/" else "other"


def cold_load(browser: Browser, base: str, server_pid: int) -> dict[str, Any]:
    """One cold load: server CPU (ms), requests by kind and bytes transferred."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: dict[str, float] = {}
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    cdp.on("Network.requestWillBeSent", lambda event: urls.__setitem__(event["requestId"], event["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda event: sizes.__setitem__(event["requestId"], event["encodedDataLength"]))
    before = cpu_ns(server_pid)
    page.goto(f"{base}/")
    page.locator(READY).wait_for(state="attached", timeout=120_000)  # a busy shared machine
    page.wait_for_load_state("networkidle")
    time.sleep(SETTLE_S)
    after = cpu_ns(server_pid)
    context.close()
    if errors:
        raise SystemExit(f"the page raised errors: {errors}")
    kinds: dict[str, int] = {}
    for url in urls.values():
        kind = request_kind(urllib.parse.urlsplit(url).path)
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"cpu_ms": (after - before) / 1e6, "requests": len(urls), "bytes": sum(sizes.values()), "kinds": kinds,
            "paths": sorted(urllib.parse.urlsplit(url).path for url in urls.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=15, help="measured cold loads per mode")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured cold loads per mode first")
    parser.add_argument("--show-paths", action="store_true", help="list the requests of one load per mode")
    args = parser.parse_args()

    print(f"before: {load_average()}", flush=True)
    modes = {"unbundled (before)": {"BACKPROP_BUNDLE": "0"}, "bundled (after)": {}}
    servers = {}
    try:
        for name, env in modes.items():
            port = free_port()
            servers[name] = (start_server(port, env), f"http://127.0.0.1:{port}")
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in modes}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=CHROMIUM_FLAGS)
            for round_ in range(args.warmup + args.loads):
                for name, (server, base) in servers.items():  # taking turns: both see the same machine load
                    load = cold_load(browser, base, server.pid)
                    if round_ >= args.warmup:
                        results[name].append(load)
            browser.close()
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(timeout=10)
    report(results, args.show_paths)
    print(f"after: {load_average()}")


def report(results: dict[str, list[dict[str, Any]]], show_paths: bool) -> None:
    loads = len(next(iter(results.values())))
    print(f"cold page loads: {loads} per mode, taking turns, each in a new browser context (empty cache), "
          "after the warm-up loads; medians per load")
    print(f"  {'mode':<20}{'server CPU ms':>14}{'requests':>10}{'KiB':>8}  requests by kind"
          f"{'':<28}{HALL} loads, s of one core")
    medians = {}
    for name, runs in results.items():
        cpu = statistics.median(run["cpu_ms"] for run in runs)
        requests = statistics.median(run["requests"] for run in runs)
        kib = statistics.median(run["bytes"] for run in runs) / 1024
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(runs[0]["kinds"].items()))
        medians[name] = cpu
        print(f"  {name:<20}{cpu:>14.2f}{requests:>10.0f}{kib:>8.0f}  {kinds:<44}{cpu * HALL / 1000:>8.2f}")
    before, after = medians.values()
    print(f"  ratio bundled / unbundled server CPU: {after / before:.2f}; "
          f"target <= {TARGET_MS:.0f} ms per cold load: {'ok' if after <= TARGET_MS else 'MISSED'}")
    for name, runs in results.items():
        cpu = sorted(run["cpu_ms"] for run in runs)
        print(f"  {name}: server CPU ms min {cpu[0]:.2f}, max {cpu[-1]:.2f}")
        if show_paths:
            print("    " + "\n    ".join(runs[0]["paths"]))


if __name__ == "__main__":
    main()
