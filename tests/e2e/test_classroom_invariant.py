"""The class's invariant: whatever the presenter does (every shared command type, trainings and edits included),
and whatever happens to the students (reloads, late joins, a dropped connection), every page ends on the
presenter's shared state — every field but each student's own. On one server, and on two server processes sharing
one redis-server (two `serve` subprocesses on their own 127.0.0.1 ports with the same teacher key: the presenter on
the first, students on both)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from conftest import DESKTOP, READY, Explorer
from playwright.sync_api import Browser, BrowserContext, expect

from tests.classroom.helpers import running_servers
from tests.helpers import TEACHER_KEY
from tests.redis_server import RedisServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ACTIONS = 14  # per sequence: enough for every kind, short enough for make test
SHARED_JS = """async () => {
    const { store } = await import(document.querySelector("script[type=module]").src);
    const { sharedState } = await import("/static/js/store/shared-view.js");
    return JSON.stringify(sharedState(store.get()));
}"""
DISPATCH_JS = """async (command) => {
    const { store } = await import(document.querySelector("script[type=module]").src);
    await store.dispatch(command);
}"""
STEPS_JS = """async () => {
    const { store } = await import(document.querySelector("script[type=module]").src);
    return store.get().trace.steps.map((step) => step.id);
}"""


def open_page(browser: Browser, url: str, path: str) -> tuple[BrowserContext, Explorer]:
    context = browser.new_context(base_url=url, viewport=DESKTOP, locale="en-US")
    page = Explorer(context.new_page())
    page.page.goto(path)
    page.page.locator(READY).wait_for(state="attached")
    return context, page


def shared(page: Explorer) -> dict[str, Any]:
    import json

    return json.loads(page.page.evaluate(SHARED_JS))


def presenter_action(kind: str, teacher: Explorer, rng: random.Random) -> None:
    if kind == "step":
        teacher.page.evaluate(DISPATCH_JS, {"type": "step", "stepId": rng.choice(teacher.page.evaluate(STEPS_JS))})
    elif kind == "options":
        teacher.page.evaluate(DISPATCH_JS, {"type": "options", "options": {
            "decimals": rng.randint(1, 6), "mergeD": rng.random() < 0.5, "predictFirst": rng.random() < 0.5}})
    elif kind == "select":
        teacher.page.evaluate(DISPATCH_JS, {"type": "select", "target": {"matrix": "W1", "row": 0, "col": rng.randint(0, 1)}})
    elif kind == "next":
        teacher.by_testid("next-iteration").click()
    elif kind == "preset":
        teacher.by_testid("preset").select_option(rng.choice(["exercise", "xor"]))
    elif kind == "train":
        teacher.by_testid("train-epochs").fill(str(rng.randint(5, 40)))
        teacher.by_testid("train").click()
        expect(teacher.by_testid("train-cancel")).to_be_hidden(timeout=60_000)
    elif kind == "edit":  # the editor's Apply: a load of a changed request that starts anew
        teacher.page.evaluate("""async (rate) => {
            const { store } = await import(document.querySelector("script[type=module]").src);
            await store.dispatch({ type: "load", request: { ...store.get().request, learning_rate: rate } });
        }""", rng.choice([0.05, 0.2, 0.5]))
    teacher.page.wait_for_timeout(50)


def run_sequence(browser: Browser, urls: list[str], seed: int, teacher_query: str = "") -> None:
    rng = random.Random(seed)
    with ExitStack() as stack:
        def page(url: str, path: str) -> Explorer:
            context, explorer = open_page(browser, url, path)
            stack.callback(context.close)
            return explorer

        teacher = page(urls[0], f"/?{teacher_query}lang=en&preset=exercise")
        teacher.by_testid("class-start").click()
        expect(teacher.by_testid("class-mode")).to_have_attribute("data-mode", "presenter")
        code = teacher.by_testid("class-code").inner_text()
        students = [page(urls[n % len(urls)], f"/join/{code}") for n in range(2)]
        kinds = ["step", "options", "select", "next", "preset", "train", "edit"]
        plan = kinds + [rng.choice(kinds + ["reload", "late", "drop"]) for _ in range(ACTIONS - len(kinds))]
        rng.shuffle(plan)
        for kind in plan:
            if kind == "reload":
                rng.choice(students).page.reload()
            elif kind == "late":
                students.append(page(urls[len(students) % len(urls)], f"/join/{code}"))
            elif kind == "drop":  # the Wi-Fi goes for a moment
                student = rng.choice(students)
                student.page.context.set_offline(True)
                student.page.wait_for_timeout(300)
                student.page.context.set_offline(False)
            else:
                presenter_action(kind, teacher, rng)
        want = shared(teacher)
        for student in students:
            expect(student.by_testid("class-mode")).to_have_attribute("data-mode", "following", timeout=30_000)
            for _ in range(150):
                if shared(student) == want:
                    break
                student.page.wait_for_timeout(200)
            assert shared(student) == want, (plan, seed)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_page_ends_on_the_presenters_shared_state_on_one_server(browser: Browser, base_url: str,
                                                                      seed: int) -> None:
    run_sequence(browser, [base_url], seed)


@pytest.fixture(scope="module")
def two_processes(redis_server: RedisServer) -> Iterator[list[str]]:
    """Two `backprop-explorer serve` processes (real uvicorn, each its own event loop and memory) on one Redis,
    started side by side (each takes seconds to import and start its CPU pool)."""
    redis_server.flush()
    with running_servers(2, own_process=True, redis_url=redis_server.url, teacher_key=TEACHER_KEY) as servers:
        yield [server.http for server in servers]


def test_every_page_ends_on_the_presenters_shared_state_on_two_processes_with_redis(
        browser: Browser, two_processes: list[str]) -> None:
    run_sequence(browser, two_processes, 3, teacher_query=f"key={TEACHER_KEY}&")
