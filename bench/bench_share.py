"""How long the explorer's share link is: every preset after 10 iterations, and the largest allowed network.

    .venv/bin/python bench/bench_share.py [--iterations 10]

Starts the app (one uvicorn worker) on a free 127.0.0.1 port and drives the system Chromium
(CHROMIUM_PATH, default /usr/bin/chromium). For each preset it opens the page, presses "Next iteration"
`--iterations` times, and reads the length of the link the page wrote (the whole URL, compressed state
included: `#share[data-length]`) and whether it fits the 32,000-character limit. Then the same for the
largest allowed network (8 weight layers × 16 neurons, bias on) with seeded weights at n = 64, at iteration
1 (the request names only the seed) and after the iterations (every weight explicit), and at n = 512 (the
row limit), which needs a state file. Also prints the size of that state file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import urllib.request
from typing import Any
from urllib.parse import quote

import numpy as np
from playwright.sync_api import Page, expect, sync_playwright

from _server import free_port, start_server  # bench/ is on sys.path when run as a script
from bench_page import CHROMIUM_FLAGS, VIEWPORT, open_page, request_hash, wide_request

MAX_URL_CHARS = 32_000


def next_iterations(page: Page, count: int) -> None:
    label = page.locator("[data-testid=iteration]")
    start = int((label.text_content() or "").split()[-1])
    for n in range(start + 1, start + count + 1):
        page.locator("[data-testid=next-iteration]").click()
        expect(label).to_have_text(re.compile(rf" {n}$"), timeout=60_000)


def link_length(page: Page) -> tuple[int, bool]:
    """The length of the link the page wrote for its current state: go to the last step, wait for the hash
    that names it (written with the whole state once stepping pauses), read #share's figures."""
    page.locator("[data-testid=step-last]").click()
    step = page.locator("#step-panel-body .panel-content").get_attribute("data-step-id") or ""
    expect(page).to_have_url(re.compile("step=" + re.escape(quote(step, safe=""))), timeout=60_000)
    share = page.locator("#share")
    return int(share.get_attribute("data-length") or 0), share.get_attribute("data-fits") == "true"


def state_file_chars(page: Page) -> int:
    page.locator("#share summary").click()
    with page.expect_download() as download:
        page.locator("[data-testid=state-save]").click()
    return len(open(download.value.path(), encoding="utf-8").read())


def rows_request(rows: int) -> dict[str, Any]:
    request = wide_request()
    rng = np.random.default_rng(11)
    request["X"] = rng.uniform(-1, 1, (rows, 16)).round(3).tolist()
    request["y"] = rng.uniform(-1, 1, (rows, 16)).round(3).tolist()
    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    rows: list[tuple[str, int, bool, str]] = []
    try:
        with urllib.request.urlopen(f"{base}/api/presets", timeout=10) as response:
            presets = [p["id"] for p in json.load(response)["presets"]]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                                 args=CHROMIUM_FLAGS)
            page = browser.new_context(viewport=VIEWPORT, locale="en-US", accept_downloads=True).new_page()
            page.set_default_timeout(60_000)
            for preset in presets:
                open_page(page, base, f"lang=en&preset={preset}")
                next_iterations(page, args.iterations)
                rows.append((f"{preset}, iteration {args.iterations + 1}", *link_length(page), ""))
            open_page(page, base, request_hash(wide_request()))
            rows.append(("8 layers x 16, n = 64, seeded, iteration 1", *link_length(page), ""))
            next_iterations(page, args.iterations)
            rows.append((f"8 layers x 16, n = 64, iteration {args.iterations + 1}", *link_length(page),
                         f"state file {state_file_chars(page):,} chars"))
            open_page(page, base, request_hash(rows_request(512)))
            next_iterations(page, 1)
            rows.append(("8 layers x 16, n = 512, iteration 2", *link_length(page), f"state file {state_file_chars(page):,} chars"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"Share link length (limit {MAX_URL_CHARS:,} characters, whole URL)")
    for name, length, fits, note in rows:
        print(f"  {name:<44} {length:>8,}  {'fits' if fits else 'too long: state file'}  {note}")


if __name__ == "__main__":
    main()
