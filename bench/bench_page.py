"""Benchmark of the explorer page in headless Chromium: step-change script time, transferred bytes, load time.

    .venv/bin/python bench/bench_page.py [--steps 60] [--loads 5]

Starts the app (one uvicorn worker) as a subprocess on a free 127.0.0.1 port and drives the system Chromium
(CHROMIUM_PATH, default /usr/bin/chromium) through Playwright's sync API, at the projector size 1280×720.

1. Script time per step change. Inside the page, for each of `--steps` step changes: wait for a frame, then
   time (performance.now()) the synchronous dispatch of an ArrowRight / ArrowLeft keydown to the page's own
   keyboard handler — the store update and every view's re-render run inside it — and the same plus a forced
   style + layout (reading offsetHeight), i.e. what the browser does before it can paint: the "+layout"
   figure, the one held to the target (a step change as the user waits for it). Walks forward to the last step, back to the first, and so on; five
   unmeasured changes warm the JIT first. Networks:
     (a) the exercise preset (2→2→2→1, n = 4), target < 16 ms;
     (b) the deepest preset (most weight layers), target < 50 ms;
     (c) 8 weight layers × 16 neurons (layers 16×9, tanh, bias on) at n = 64, loaded through the page's own
         state — the older URL hash `#req=<base64url JSON>` that static/js/store/url.js still reads — target < 50 ms.
2. Edit to updated view. For each of `--edits` in-place edits of W₁'s first cell in the step panel (first
   step): open the cell editor by a double-click, type a new value (a different one each time, so the
   server's answer memory never helps), then time from the Enter keydown to the step panel's re-render
   with the new trace (a MutationObserver on the panel) plus a forced style + layout — the API round trip
   on localhost, every view's update and layout. Two unmeasured edits warm up first. Targets: exercise
   ≤ 100 ms, 8 layers × 16 at n = 64 ≤ 250 ms. Also shown: the page's main-thread CPU time per edit (CDP
   Performance metrics in thread ticks, from opening the editor to the next edit, so it includes the data
   view's repaint that follows), which — unlike wall time — does not grow when other processes share the CPUs.
3. Load: `--loads` cold loads (a new browser context each, HTTP cache disabled through CDP) of the exercise
   page; time from navigation start to body[data-ready="true"] (a MutationObserver added as an init script
   records performance.now() when the attribute appears), and the bytes transferred for all requests
   (CDP Network.loadingFinished encodedDataLength: bodies as sent plus headers), with the request count.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import urllib.parse
import urllib.request
from typing import Any

import numpy as np
from playwright.sync_api import Browser, Page, sync_playwright

from _server import free_port, start_server  # bench/ is on sys.path when run as a script

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 720}
READY = "body[data-ready='true']"
WARMUP_CHANGES = 5
LARGEST_SHOWN = 5
TARGETS_MS = {"exercise": 16.0, "deepest preset": 50.0, "8 layers x 16, n=64": 50.0}
EDIT_TARGETS_MS = {"exercise": 100.0, "8 layers x 16, n=64": 250.0}
EDIT_WARMUP = 2

# Runs in the page: `changes` step changes through the page's keydown handler, each timed on its own.
STEP_TIMER_JS = """
async ([changes, warmup]) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
    const counter = document.querySelector("[data-testid=step-counter]");
    const position = () => counter.textContent.match(/(\\d+)\\D+(\\d+)/).slice(1).map(Number);
    let key = "ArrowRight";
    const script = [], withLayout = [];
    for (let n = 0; n < warmup + changes; n += 1) {
        const [i, total] = position();
        if (i >= total) key = "ArrowLeft";
        if (i <= 1) key = "ArrowRight";
        await frame();
        const t0 = performance.now();
        document.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
        const t1 = performance.now();
        void document.body.offsetHeight; // force style and layout of what the views changed
        const t2 = performance.now();
        if (position()[0] === i) throw new Error(`step did not change at step ${i} of ${total}`);
        if (n >= warmup) { script.push(t1 - t0); withLayout.push(t2 - t0); }
    }
    return { script, withLayout, total: position()[1] };
}
"""

# Runs in the page: `edits` in-place edits of W1[0][0], each timed from Enter to the re-rendered step panel.
EDIT_TIMER_JS = """
async ([edits, warmup]) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
    const times = [];
    for (let n = 0; n < warmup + edits; n += 1) {
        await frame();
        const cell = document.querySelector(
            '#step-panel .matrix-group.inputs td[data-matrix-id="W1"][data-row="0"][data-col="0"]');
        cell.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
        const input = document.querySelector("[data-testid=cell-editor]");
        input.value = String(0.1 + 0.001 * (n + 1));
        const content = document.querySelector("#step-panel-body .panel-content");
        const rendered = new Promise((resolve) => new MutationObserver((records, observer) => {
            observer.disconnect();
            resolve();
        }).observe(content, { childList: true }));
        const t0 = performance.now();
        input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
        await rendered;
        void document.body.offsetHeight;
        const t1 = performance.now();
        if (n >= warmup) times.push(t1 - t0);
    }
    return times;
}
"""

# Added before the page's own scripts: note when main.js marks the first render done.
READY_OBSERVER_JS = """
new MutationObserver((records, observer) => {
    if (document.body && document.body.dataset.ready === "true") {
        window.__readyAt = performance.now();
        observer.disconnect();
    }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready"] });
"""


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def wide_request() -> dict[str, Any]:
    """8 weight layers of 16 neurons (the limits' widest and deepest net), bias on, n = 64 random rows."""
    rng = np.random.default_rng(7)
    return {"layers": [16] * 9, "activations": ["tanh"] * 7 + ["identity"], "bias": True, "loss": "half_sse",
            "learning_rate": 0.05, "seed": 3, "X": rng.uniform(-1, 1, (64, 16)).round(3).tolist(),
            "y": rng.uniform(-1, 1, (64, 16)).round(3).tolist()}


def request_hash(request: dict[str, Any]) -> str:
    """The older hash url.js still reads: req = base64url (no padding) of the request's UTF-8 JSON."""
    encoded = base64.urlsafe_b64encode(json.dumps(request).encode()).decode().rstrip("=")
    return f"lang=en&req={encoded}"


def deepest_preset(base: str) -> str:
    presets = get_json(f"{base}/api/presets")["presets"]
    return max(presets, key=lambda p: len(p["request"].get("layers", [2, 2, 2, 1])))["id"]


def open_page(page: Page, base: str, hash_: str) -> None:
    page.goto("about:blank")
    page.goto(f"{base}/#{hash_}")
    page.locator(READY).wait_for(state="attached", timeout=30_000)


def time_step_changes(browser: Browser, base: str, hash_: str, changes: int) -> dict[str, Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_page(page, base, hash_)
    result = page.evaluate(STEP_TIMER_JS, [changes, WARMUP_CHANGES])
    context.close()
    if errors:
        raise SystemExit(f"the page raised errors: {errors}")
    return result


def time_edits(browser: Browser, base: str, hash_: str, edits: int) -> dict[str, Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_page(page, base, hash_)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    page.evaluate(EDIT_TIMER_JS, [0, EDIT_WARMUP])
    before = thread_seconds(cdp)
    times = page.evaluate(EDIT_TIMER_JS, [edits, 0])
    cpu_ms = (thread_seconds(cdp) - before) * 1000 / edits
    context.close()
    if errors:
        raise SystemExit(f"the page raised errors: {errors}")
    return {"times": times, "cpu_ms": cpu_ms}


def thread_seconds(cdp: Any) -> float:
    """The page's main-thread CPU time so far (CDP Performance.getMetrics, thread ticks)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return float(metrics["ThreadTime"])


def cold_load(browser: Browser, base: str) -> tuple[float, dict[str, int]]:
    """One cold load of the default page: (ms to data-ready, bytes transferred per URL path)."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.add_init_script(READY_OBSERVER_JS)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls: dict[str, str] = {}
    finished: dict[str, float] = {}
    cdp.on("Network.requestWillBeSent", lambda event: urls.__setitem__(event["requestId"], event["request"]["url"]))
    cdp.on("Network.loadingFinished",
           lambda event: finished.__setitem__(event["requestId"], event["encodedDataLength"]))
    page.goto(f"{base}/")
    page.locator(READY).wait_for(state="attached", timeout=30_000)
    page.wait_for_load_state("networkidle")
    ready_ms = page.evaluate("window.__readyAt")
    context.close()
    by_path = {urllib.parse.urlsplit(urls.get(rid, rid)).path: int(size) for rid, size in finished.items()}
    return float(ready_ms), by_path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="timed step changes per network")
    parser.add_argument("--loads", type=int, default=5, help="cold page loads")
    parser.add_argument("--edits", type=int, default=20, help="timed in-place edits per network")
    args = parser.parse_args()

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        deepest = deepest_preset(base)
        networks = {"exercise": "lang=en&preset=exercise", "deepest preset": f"lang=en&preset={deepest}",
                    "8 layers x 16, n=64": request_hash(wide_request())}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=CHROMIUM_FLAGS)
            stepping = {name: time_step_changes(browser, base, hash_, args.steps) for name, hash_ in networks.items()}
            editing = {name: time_edits(browser, base, networks[name], args.edits) for name in EDIT_TARGETS_MS}
            loads = [cold_load(browser, base) for _ in range(args.loads)]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(stepping, loads, deepest, args.steps)
    report_edits(editing)


def report_edits(editing: dict[str, dict[str, Any]]) -> None:
    print("in-place edit -> updated view, ms (Enter in the cell editor to the re-rendered panel + layout, "
          "API round trip on localhost included; cpu = the page's main-thread CPU per edit)")
    print(f"  {'network':<22}{'edits':>6}{'median':>9}{'p95':>9}{'max':>9}{'cpu':>8}{'target':>9}  verdict")
    for name, result in editing.items():
        times = result["times"]
        median = statistics.median(times)
        target = EDIT_TARGETS_MS[name]
        print(f"  {name:<22}{len(times):>6}{median:>9.1f}{percentile(times, 0.95):>9.1f}{max(times):>9.1f}"
              f"{result['cpu_ms']:>8.1f}{'<= ' + format(target, '.0f'):>9}  {verdict(median <= target)}")


def report(stepping: dict[str, dict[str, Any]], loads: list[tuple[float, dict[str, int]]], deepest: str,
           steps: int) -> None:
    print(f"script time per step change, ms ({steps} changes each, performance.now() around the keydown dispatch)")
    print(f"  {'network':<22}{'steps':>6}{'median':>9}{'p95':>9}{'max':>9}{'+layout med':>13}{'target':>9}  verdict")
    for name, result in stepping.items():
        script = result["script"]
        median = statistics.median(script)
        label = f"{name} ({deepest})" if name == "deepest preset" else name
        print(f"  {label:<22}{result['total']:>6}{median:>9.2f}{percentile(script, 0.95):>9.2f}{max(script):>9.2f}"
              f"{statistics.median(result['withLayout']):>13.2f}{'< ' + format(TARGETS_MS[name], '.0f'):>9}  "
              f"{verdict(statistics.median(result['withLayout']) < TARGETS_MS[name])}")
    ready = [load[0] for load in loads]
    transferred = [sum(load[1].values()) for load in loads]
    print(f"page load, {len(loads)} cold loads (new context, cache disabled), localhost")
    print(f"  navigation start -> body[data-ready]: median {statistics.median(ready):.0f} ms "
          f"(min {min(ready):.0f}, max {max(ready):.0f})")
    print(f"  transferred: median {statistics.median(transferred) / 1024:.1f} KiB in {len(loads[0][1])} requests "
          f"(bodies as sent + headers, all requests incl. the API calls); largest:")
    for path, size in sorted(loads[0][1].items(), key=lambda item: -item[1])[:LARGEST_SHOWN]:
        print(f"    {size / 1024:8.1f} KiB  {path}")


if __name__ == "__main__":
    main()
