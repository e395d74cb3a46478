"""The teacher key in real Chromium: a page on the network offers "Join a class"; the teacher link's page moves
the key out of its address at once, starts a class with it, and shares no link that carries it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import READY, Explorer
from playwright.sync_api import Browser, expect

from app.main import create_app
from app.settings import Settings
from tests.helpers import TEACHER_KEY, running_server

pytestmark = pytest.mark.e2e
# The browser runs on the server's machine: a forwarded header makes its requests count as from the network.
FROM_THE_NETWORK = {"X-Forwarded-For": "192.168.4.31"}


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[str]:
    settings = Settings(teacher_key=TEACHER_KEY, log_level="warning", cpu_workers=1)
    with running_server(create_app(settings), settings) as url:
        yield url


def network_page(browser: Browser, base_url: str) -> Explorer:
    context = browser.new_context(base_url=base_url, extra_http_headers=FROM_THE_NETWORK)
    return Explorer(context.new_page())


def test_a_page_on_the_network_offers_to_join_a_class(browser: Browser, keyed_server: str) -> None:
    student = network_page(browser, keyed_server)
    try:
        student.open("lang=en")
        button = student.by_testid("class-start")
        expect(button).to_have_text("Join a class")

        button.click()

        expect(student.by_testid("join-code")).to_be_visible()
        assert student.errors == []  # no refused POST: the page never tried to start a class
    finally:
        student.page.context.close()


def test_the_teacher_link_moves_the_key_out_of_the_address_and_starts_a_class(
        browser: Browser, keyed_server: str) -> None:
    teacher = network_page(browser, keyed_server)
    try:
        teacher.page.goto(f"/?key={TEACHER_KEY}#lang=en")
        teacher.page.locator(READY).wait_for(state="attached")

        assert TEACHER_KEY not in teacher.page.url
        assert teacher.page.evaluate("() => sessionStorage.getItem('backprop.teacherKey')") == TEACHER_KEY
        button = teacher.by_testid("class-start")
        expect(button).to_have_text("Start a class")

        button.click()

        expect(teacher.by_testid("class-mode")).to_have_attribute("data-mode", "presenter", timeout=15_000)
        assert TEACHER_KEY not in teacher.page.url
        assert TEACHER_KEY not in (teacher.by_testid("share-link").input_value() or "")
        assert teacher.errors == []
    finally:
        teacher.page.context.close()
