"""Shared helpers for the explorer's browser tests: one page per test module, the API's answers, DOM readers.

A module-scoped page keeps the e2e run short on a 2-core machine (a cold page load with KaTeX costs about
a second); every test starts by putting the page into the state it needs, so the tests do not depend on
their order. The page's CSP forbids eval: waits go through locators and `expect`, never wait_for_function.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Locator, Page, Response, expect

READY = "body[data-ready='true']"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
MINUS = "\u2212"
LOAD_TIMEOUT_MS = 15_000


def shown_number(text: str) -> float:
    """A number as the page prints it ("−0,413", "0.413") as a float."""
    return float(text.strip().replace(MINUS, "-").replace(",", "."))


def decimals_of(text: str) -> int:
    """How many digits follow the decimal separator in a printed number."""
    match = re.search(r"[.,](\d+)$", text.strip())
    return len(match.group(1)) if match else 0


def close_at(shown: float, exact: float, decimals: int) -> bool:
    """Whether `shown` is `exact` rounded to `decimals` places (half a unit of the last digit, no more)."""
    return abs(shown - exact) <= 0.5 * 10.0**-decimals + 1e-9


def _as_matrix(value: Any) -> list[list[Any]]:
    if not isinstance(value, list):
        return [[value]]  # the loss
    if value and not isinstance(value[0], list):
        return [value]  # a bias vector is one row
    return value


def resolve_matrix(trace: dict[str, Any], matrix_id: str) -> list[list[Any]]:
    """The value of a matrix id in an /api/trace answer, by the table in docs/contract.md ("Matrix ids")."""
    forward, backward = trace["forward"], trace["backward"]
    fixed = {"X": forward["X"], "y": forward["y"], "y_hat": forward["y_hat"], "L": forward["loss"]}
    if matrix_id in fixed:
        return _as_matrix(fixed[matrix_id])
    if match := re.fullmatch(r"([WbHO])(\d+)(_new)?", matrix_id):
        letter, k, new = match.group(1), int(match.group(2)) - 1, match.group(3)
        sources = {"W": trace["updated"]["W"] if new else trace["spec"]["weights"],
                   "b": trace["updated"]["b"] if new else trace["spec"]["biases"],
                   "H": forward["H"], "O": forward["O"]}
        return _as_matrix(sources[letter][k])
    if match := re.fullmatch(r"f'\(H(\d+)\)", matrix_id):
        return _as_matrix(backward["fprime"][int(match.group(1)) - 1])
    if match := re.fullmatch(r"dL/d([Wb])(\d+)", matrix_id):
        return _as_matrix(backward["dW" if match.group(1) == "W" else "db"][int(match.group(2)) - 1])
    node = matrix_id.removeprefix("dL/d")
    stages = [stage["value"] for stage in backward["d"] if stage["node"] == node]
    if not matrix_id.startswith("dL/d") or not stages:
        raise KeyError(f"matrix id {matrix_id!r} is not in the trace")
    return _as_matrix(stages[-1])  # two sub-steps naming one node: the later one is the finished value


class Api:
    """The API the page talks to, read directly (in-process) to compare the page against."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def presets(self) -> dict[str, dict[str, Any]]:
        """Presets by id."""
        response = self.client.get("/api/presets")
        assert response.status_code == 200, response.text
        return {preset["id"]: preset for preset in response.json()["presets"]}

    def trace(self, request: dict[str, Any]) -> dict[str, Any]:
        """The /api/trace answer for `request` (the same body the page posts)."""
        response = self.client.post("/api/trace", json=request)
        assert response.status_code == 200, response.text
        return response.json()

    def preset_trace(self, preset_id: str) -> dict[str, Any]:
        """The trace of a preset's own request."""
        return self.trace(self.presets()[preset_id]["request"])


class Explorer:
    """The explorer page in a browser tab, with readers for what it shows. `errors` collects what went wrong."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("requestfailed", lambda req: self.errors.append(f"request failed: {req.failure} {req.url}"))
        page.on("response", self._record_http_error)

    def _record_http_error(self, response: Response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} {response.url}")

    def by_testid(self, testid: str) -> Locator:
        return self.page.locator(f"[data-testid='{testid}']")

    def open(self, hash_: str = "") -> None:
        """Load the page (optionally with a URL hash such as "preset=deep&step=fwd:H1") and wait for the first render."""
        self.page.goto(f"/{'#' + hash_ if hash_ else ''}")
        self.page.locator(READY).wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)

    def fresh(self, hash_: str = "lang=en&preset=exercise") -> None:
        """A clean start: reload (hash changes alone do not reload) and forget the errors seen so far."""
        self.page.goto("about:blank")
        self.errors.clear()
        self.open(hash_)

    def panel(self) -> Locator:
        """The step panel's content (carries data-step-id and data-phase)."""
        return self.page.locator("#step-panel-body .panel-content")

    def expect_step(self, step_id: str) -> None:
        expect(self.panel()).to_have_attribute("data-step-id", step_id)

    def expect_counter(self, text: str) -> None:
        expect(self.by_testid("step-counter")).to_have_text(text)

    def mark(self, step_id: str) -> Locator:
        return self.page.locator(f"#timeline button.mark[data-step-id='{step_id}']")

    def go_to(self, step_id: str) -> None:
        """Jump to a step by clicking its timeline mark."""
        self.mark(step_id).click()
        self.expect_step(step_id)

    def blur(self) -> None:
        """Move focus off controls so keys reach the page's keyboard handler (Space on a button is the button's)."""
        self.page.evaluate("() => document.activeElement && document.activeElement.blur()")

    def table_texts(self, matrix_id: str, scope: str = "#step-panel") -> list[list[str]]:
        """The cell texts of the table showing `matrix_id`, row by row (data-row / data-col order)."""
        return self.page.evaluate(
            """([scope, id]) => {
                const table = document.querySelector(`${scope} table[data-matrix-id="${CSS.escape(id)}"]`);
                if (!table) return null;
                const rows = [];
                for (const td of table.querySelectorAll("td[data-matrix-id]")) {
                    const r = Number(td.dataset.row), c = Number(td.dataset.col);
                    (rows[r] ??= [])[c] = td.textContent;
                }
                return rows;
            }""",
            [scope, matrix_id],
        )

    def snapshot(self) -> dict[str, Any]:
        """What the page shows for the current step, read in one round trip."""
        return self.page.evaluate(
            """() => {
                const panel = document.querySelector("#step-panel-body .panel-content");
                const ids = (selector, key) => [...document.querySelectorAll(selector)].map((el) => el.dataset[key]);
                return {
                    stepId: panel?.dataset.stepId ?? null,
                    phase: panel?.dataset.phase ?? null,
                    counter: document.querySelector("[data-testid=step-counter]").textContent,
                    current: ids("#timeline .mark[aria-current=step]", "stepId"),
                    activeNodes: ids("#matrix-graph .mg-node.is-active", "nodeId"),
                    activeEdges: ids("#matrix-graph .mg-edge.is-active", "edgeId"),
                    shapes: document.querySelector("[data-testid=shapes]")?.textContent ?? null,
                    inputs: ids("#step-panel .matrix-group.inputs table[data-matrix-id]", "matrixId"),
                    result: ids("#step-panel .matrix-group.result table[data-matrix-id]", "matrixId"),
                    filled: ids("#matrix-graph .mg-node.is-filled", "nodeId"),
                    activeWeightLayers: ids("#neuron-view .nv-layer-edges.is-active", "layer"),
                };
            }"""
        )

    def tex_source(self, testid: str) -> str:
        """The LaTeX source KaTeX typeset into [data-testid=testid] (its MathML annotation)."""
        annotation = self.page.locator(f"[data-testid='{testid}'] annotation[encoding='application/x-tex']")
        return annotation.first.text_content() or ""

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot of the current state into test-artifacts/ (kept on every run)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"explorer-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def download_text(explorer: Explorer, testid: str, tmp_path: Path) -> tuple[str, str]:
    """Click an export button; the downloaded file's name and text (UTF-8, a BOM dropped)."""
    with explorer.page.expect_download() as download:
        explorer.by_testid(testid).click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    return target.name, target.read_text(encoding="utf-8-sig")


@pytest.fixture(scope="module")
def api(client: TestClient) -> Api:
    """The in-process API client (the session's: a server run of its own per module would start its worker
    processes again)."""
    return Api(client)


@pytest.fixture(scope="module")
def explorer(browser: Browser, base_url: str) -> Iterator[Explorer]:
    """One desktop-sized tab (1280×800, English browser) shared by the tests of a module."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Explorer(page)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the item, so the fixture below knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _screenshot_shared_page_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """pytest-playwright only captures its own `page`; capture the shared explorer tab when a test fails."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed or "explorer" not in request.fixturenames:
        return
    explorer: Explorer = request.getfixturevalue("explorer")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid)[-120:]
    ARTIFACTS.mkdir(exist_ok=True)
    explorer.page.screenshot(path=str(ARTIFACTS / f"failed-{safe}.png"), full_page=True)


# --- accessibility: axe-core (a dev dependency from npm, installed by scripts/setup-assets.sh) -------------

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page: Page, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, those of the given impacts, each with its rule id,
    impact and the failing nodes' selectors. The page needs a context made with bypass_csp=True: the
    script goes in as an inline <script>, which the page's CSP (rightly) forbids."""
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [" ".join(map(str, n["target"])) for n in v["nodes"]][:5]}
        for v in results if v["impact"] in impacts
    ]


@pytest.fixture(scope="module")
def axe_context(browser: Browser, base_url: str) -> Iterator[Any]:
    """A browser context that lets axe-core's script in (bypass_csp); new pages from it via new_page()."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US", bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context
    context.close()
