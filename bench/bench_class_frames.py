"""The largest frame a student is sent while the teacher trains the largest network (issue 13).

A class of 3 students in real Chromium follows a presenter who loads the 8 × 16 network (8 weight layers of
width 16) at 512 rows and trains it 10,000 epochs, then steps. Every WebSocket frame a student's page
receives is measured; the target is ≤ 1 KiB for every frame (the loss history and the training curve come
once, over HTTP, as the room's state). Prints the largest frame per type, the state's size, whether every
student ended on the teacher's iteration, step and numbers, and the load average.

    .venv/bin/python bench/bench_class_frames.py [--epochs 10000] [--students 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import urllib.request
from collections import defaultdict

from playwright.sync_api import expect, sync_playwright

from _server import free_port, start_server

READY = "body[data-ready='true']"
PAGE_STORE = 'const { store } = await import(document.querySelector("script[type=module]").src);'


def largest_request(rows: int = 512) -> dict:
    rng = random.Random(0)
    X = [[round(rng.uniform(-1, 1), 6), round(rng.uniform(-1, 1), 6)] for _ in range(rows)]
    y = [[round(a * b + 0.5 * a, 6)] for a, b in X]
    return {"layers": [2, *[16] * 7, 1], "activations": ["tanh"] * 7 + ["identity"], "bias": True,
            "loss": "half_sse", "learning_rate": 0.01, "seed": 0, "init": "xavier_uniform", "X": X, "y": y}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--students", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    sizes: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)

    def watch(ws) -> None:  # type: ignore[no-untyped-def]
        def frame(payload: str | bytes) -> None:
            kind = json.loads(payload).get("type", "?")
            sizes[kind] = max(sizes[kind], len(payload.encode() if isinstance(payload, str) else payload))
            counts[kind] += 1
        ws.on("framereceived", frame)

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
            teacher = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800}).new_page()
            teacher.goto("/?lang=en&preset=exercise")
            teacher.locator(READY).wait_for(state="attached")
            teacher.get_by_test_id("class-start").click()
            code = teacher.get_by_test_id("class-code").inner_text()
            students = []
            for _ in range(args.students):
                page = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800}).new_page()
                page.on("websocket", watch)
                page.goto(f"/join/{code}")
                page.locator(READY).wait_for(state="attached")
                students.append(page)
            teacher.evaluate("async (request) => { " + PAGE_STORE + " await store.dispatch({type: 'load', request}); }",
                             largest_request())
            started = time.monotonic()
            teacher.get_by_test_id("train-epochs").fill(str(args.epochs))
            teacher.get_by_test_id("train").click()
            expect(teacher.get_by_test_id("train-cancel")).to_be_visible(timeout=60_000)
            expect(teacher.get_by_test_id("train-cancel")).to_be_hidden(timeout=3_600_000)
            trained = time.monotonic() - started
            teacher.locator("#timeline [data-step-id='fwd:H1']").click()
            iteration = teacher.get_by_test_id("iteration").inner_text()
            cells = teacher.locator("#step-panel td[data-matrix-id]").all_inner_texts()
            followed = 0
            for page in students:
                expect(page.get_by_test_id("iteration")).to_have_text(iteration, timeout=60_000)
                expect(page.locator("#step-panel")).to_have_attribute("data-step-id", "fwd:H1", timeout=60_000)
                followed += page.locator("#step-panel td[data-matrix-id]").all_inner_texts() == cells
            state = urllib.request.urlopen(f"{base}/api/class/rooms/{code}/state").read()
            browser.close()
    finally:
        server.terminate()
        server.wait(10)

    largest = max(sizes.values())
    print(f"class of {args.students}: the 8 x 16 network at 512 rows, {args.epochs} epochs trained in {trained:.0f} s")
    print(f"students on the teacher's iteration, step and numbers: {followed} of {args.students}")
    print(f"largest frame sent to a student: {largest} bytes (target <= 1024) "
          f"{'OK' if largest <= 1024 else 'OVER'}")
    for kind in sorted(sizes, key=lambda k: -sizes[k]):
        print(f"  {kind:10s} largest {sizes[kind]:6d} bytes, {counts[kind]:6d} frames")
    print(f"the room's state (GET …/state, once per student per upload): {len(state)} bytes")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
