"""What watching training costs: a run in the page (chunks, each loaded and drawn) against one /api/train request.

    .venv/bin/python bench/bench_training.py [--rounds 3]

Starts the app (one uvicorn worker) on a free 127.0.0.1 port and drives the system Chromium
(CHROMIUM_PATH, default /usr/bin/chromium). For each case it times, in the same page and run, (a) from the
click on "Train" to the result line (the page trains in about ten chunks, each an /api/train request that
redraws the progress and the curve, then loads the weights reached: one /api/trace and every view) and (b) one
fetch of /api/train with all the epochs from the page. Prints medians over `--rounds` and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from playwright.sync_api import Page, expect, sync_playwright

from _server import free_port, start_server  # bench/ is on sys.path when run as a script
from bench_page import CHROMIUM_FLAGS, VIEWPORT, open_page

CASES = [("exercise", 1000), ("deep", 300), ("deep", 3000)]


def time_page_run(page: Page, base: str, preset: str, epochs: int) -> float:
    open_page(page, base, f"lang=en&preset={preset}")
    page.locator("[data-testid=train-epochs]").fill(str(epochs))
    start = time.perf_counter()
    page.locator("[data-testid=train]").click()
    expect(page.locator("#train-result")).to_contain_text(f"Trained {epochs} epochs", timeout=300_000)
    return (time.perf_counter() - start) * 1000


def time_one_request(page: Page, preset: str, epochs: int) -> float:
    return page.evaluate(
        """async ([preset, epochs]) => {
            const presets = (await (await fetch("/api/presets")).json()).presets;
            const request = presets.find((p) => p.id === preset).request;
            const start = performance.now();
            const response = await fetch("/api/train", {method: "POST", headers: {"Content-Type": "application/json"},
                body: JSON.stringify({...request, epochs, snapshots: 0})});
            await response.json();
            return performance.now() - start;
        }""",
        [preset, epochs],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    results = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                                 args=CHROMIUM_FLAGS)
            page = browser.new_context(viewport=VIEWPORT, locale="en-US").new_page()
            for preset, epochs in CASES:
                watched = [time_page_run(page, base, preset, epochs) for _ in range(args.rounds)]
                single = [time_one_request(page, preset, epochs) for _ in range(args.rounds)]
                results.append((f"{preset}, {epochs} epochs", statistics.median(watched), statistics.median(single)))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"Training as the user waits for it (medians over {args.rounds} rounds)")
    print(f"  {'case':<22} {'page, chunks':>14} {'one request':>12} {'ratio':>7}")
    for name, watched, single in results:
        print(f"  {name:<22} {watched:>11.0f} ms {single:>9.0f} ms {watched / single:>6.1f}x")


if __name__ == "__main__":
    main()
