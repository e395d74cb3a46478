"""Classroom mode in real Chromium over two server processes sharing one real Redis: the presenter's page on
process A, a student's page on process B (all on 127.0.0.1). The student follows every step in order, and a
Redis that dies mid-class pauses the page, which resumes and follows again once Redis is back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from conftest import DESKTOP, READY, Explorer
from playwright.sync_api import Browser, expect

from tests.classroom.helpers import Server, running_servers
from tests.redis_server import RedisServer, running_redis

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

CLASS_TIMEOUT_MS = 15_000


def page_on(browser: Browser, server: Server) -> Explorer:
    context = browser.new_context(base_url=server.http, viewport=DESKTOP, locale="en-US")
    return Explorer(context.new_page())


def expect_mode(explorer: Explorer, mode: str) -> None:
    expect(explorer.by_testid("class-mode")).to_have_attribute("data-mode", mode, timeout=CLASS_TIMEOUT_MS)


def expect_at_step(explorer: Explorer, step_id: str) -> None:
    expect(explorer.page.locator("#timeline [aria-current='step']")).to_have_attribute(
        "data-step-id", step_id, timeout=CLASS_TIMEOUT_MS)


def expect_connection(explorer: Explorer, state: str) -> None:
    expect(explorer.by_testid("class-connection")).to_have_attribute("data-state", state, timeout=CLASS_TIMEOUT_MS)


def expect_same_numbers(student: Explorer, teacher: Explorer) -> None:
    """The student's step panel shows the teacher's numbers, cell for cell."""
    numbers = teacher.page.locator("#step-panel td[data-matrix-id]").all_inner_texts()
    assert numbers
    expect(student.page.locator("#step-panel td[data-matrix-id]")).to_have_text(numbers, timeout=CLASS_TIMEOUT_MS)


def step_ids(explorer: Explorer) -> list[str]:
    ids = [mark.get_attribute("data-step-id") for mark in explorer.page.locator("#timeline button.mark").all()]
    return [step_id for step_id in ids if step_id]


@dataclass
class Hall:
    redis: RedisServer
    a: Server
    b: Server


@pytest.fixture(scope="module")
def hall() -> Iterator[Hall]:
    """Two server processes on one Redis for the module's tests (each process takes seconds to start), the Redis
    persisting every write (as the README advises for a class): a restart keeps the rooms and logs."""
    with running_redis("--appendonly", "yes", "--appendfsync", "always") as redis_server, \
            running_servers(2, own_process=True, redis_url=redis_server.url) as (a, b):
        yield Hall(redis_server, a, b)


@contextmanager
def class_over_two_processes(browser: Browser, hall: Hall) -> Iterator[tuple[Explorer, Explorer]]:
    """(the presenter's page on process A, a student's page that joined on process B), both in the class."""
    teacher, student = page_on(browser, hall.a), page_on(browser, hall.b)
    try:
        teacher.open("lang=en&preset=exercise")
        teacher.by_testid("class-start").click()
        expect_mode(teacher, "presenter")
        code = teacher.by_testid("class-code").inner_text()
        assert re.fullmatch(r"[A-Z0-9]{6}", code)
        student.page.goto(f"/join/{code}")
        student.page.locator(READY).wait_for(state="attached")
        expect_mode(student, "following")
        expect(teacher.by_testid("class-count")).to_have_attribute("data-count", "1", timeout=CLASS_TIMEOUT_MS)
        yield teacher, student
    finally:
        for explorer in (teacher, student):
            explorer.page.context.close()


def test_a_page_on_another_process_follows_every_step_in_order(browser: Browser, hall: Hall) -> None:
    with class_over_two_processes(browser, hall) as (teacher, student):
        steps = step_ids(teacher)
        assert len(steps) >= 6
        expect_at_step(student, steps[0])
        for step_id in [*steps[1:6], steps[3], steps[5]]:  # forwards, back and on again
            teacher.go_to(step_id)
            expect_at_step(student, step_id)
        student.expect_step(steps[5])
        expect_same_numbers(student, teacher)
        assert student.errors == [] and teacher.errors == []


def test_redis_killed_mid_class_pauses_the_page_which_resumes_on_the_presenters_state(browser: Browser,
                                                                                       hall: Hall) -> None:
    redis_server = hall.redis
    with class_over_two_processes(browser, hall) as (teacher, student):
        steps = step_ids(teacher)
        teacher.go_to(steps[2])
        expect_at_step(student, steps[2])
        expect_connection(student, "live")

        redis_server.stop()
        expect(student.by_testid("class-connection")).to_have_attribute(
            "data-state", re.compile("^(paused|reconnecting)$"), timeout=CLASS_TIMEOUT_MS)
        expect(student.by_testid("class-connection")).to_contain_text(re.compile("paused|reconnecting"))
        expect_mode(student, "following")

        teacher.go_to(steps[3])  # the teacher moves on while Redis is down …
        redis_server.start()
        expect_connection(student, "live")
        expect_connection(teacher, "live")
        expect_at_step(student, steps[3])  # … and the class catches up without the teacher's next click
        expect_same_numbers(student, teacher)
        teacher.go_to(steps[4])
        expect_at_step(student, steps[4])
        student.expect_step(steps[4])
        expect_same_numbers(student, teacher)
        expect_mode(student, "following")
