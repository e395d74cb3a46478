"""Exercise variants for a class: how long the page takes to prepare 300 variants (each a GET of the variant and a
POST of its trace, 6 at a time, as the Print variants dialog does) and how large the Moodle XML of 200 is.

Runs the app's own server on a free 127.0.0.1 port and a headless Chromium (CHROMIUM_PATH or /usr/bin/chromium)
that drives the page's dialog: 200 variants (the dialog's maximum) then 100 more, each batch timed by the page
itself (data-prepare-ms), cold (nothing remembered) and again warm (the server's answer memory). The XML size is
the page's own export of the first 200. Also the core alone: ms per variant_request + compute_trace.

    .venv/bin/python bench/bench_variants.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

from _server import free_port, start_server  # bench/ is on sys.path when run as a script

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from app.core.variants import trace_of, variant_request  # noqa: E402


def core_ms(count: int = 300) -> float:
    """Median ms of variant_request + its trace over `count` variants (fresh numbers each)."""
    times = []
    for n in range(10_001, 10_001 + count):
        start = time.perf_counter()
        trace_of(variant_request("exercise", n))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def prepare(page, count: int, first: int, moodle: bool = False) -> tuple[int, int]:
    """(ms the page took to prepare `count` variants from `first`, bytes of the Moodle XML or 0)."""
    page.evaluate("() => { window.print = () => {}; }")
    page.locator("[data-testid=print-variants]").click()
    page.locator("[data-testid=variants-count]").fill(str(count))
    page.locator("[data-testid=variants-from]").fill(str(first))
    dialog = page.locator("[data-testid=variants-dialog]")
    if moodle:
        with page.expect_download(timeout=600_000):
            page.locator("[data-testid=export-moodle]").click()
    else:
        page.locator("[data-testid=variants-markdown]").click()
        page.wait_for_selector("[data-testid=variants-dialog][data-prepare-ms]", timeout=600_000)
    size = int(dialog.get_attribute("data-moodle-bytes") or 0) if moodle else 0
    ms = int(dialog.get_attribute("data-prepare-ms"))
    page.locator("[data-testid=variants-close]").click()
    return ms, size


def main() -> None:
    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
            for label in ("cold", "warm"):
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/#lang=en&preset=exercise")
                page.locator("body[data-ready='true']").wait_for(state="attached", timeout=60_000)
                first_ms, size = prepare(page, 200, 1, moodle=True)
                page.goto("about:blank")
                page.goto(f"http://127.0.0.1:{port}/#lang=en&preset=exercise")
                page.locator("body[data-ready='true']").wait_for(state="attached", timeout=60_000)
                rest_ms, _ = prepare(page, 100, 201)
                print(f"{label}: 300 variants prepared by the page in {(first_ms + rest_ms) / 1000:.1f} s "
                      f"(200 in {first_ms / 1000:.1f} s + 100 in {rest_ms / 1000:.1f} s); Moodle XML of 200: "
                      f"{size / 1024:.0f} KiB ({size} bytes)")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"core: variant_request + trace, median {core_ms():.2f} ms per variant")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
