"""The command line: the URL it prints, a clear message for a busy port or a bad setting."""

from __future__ import annotations

import socket

import pytest

from app.cli import browser_url, class_lines, main


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://127.0.0.1:8000/"),
    ("0.0.0.0", "http://127.0.0.1:8000/"),
    ("::1", "http://[::1]:8000/"),
])
def test_browser_url(host: str, url: str) -> None:
    assert browser_url(host, 8000) == url


def test_a_busy_port_is_a_message_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]

        code = main(["serve", "--host", "127.0.0.1", "--port", str(port)])

    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_bad_setting_is_a_message(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BACKPROP_PORT", "eighty")

    code = main(["serve"])

    assert code == 2
    assert "BACKPROP_PORT must be an integer" in capsys.readouterr().err


def test_a_loopback_server_says_how_to_open_it_to_the_hall() -> None:
    assert "make serve HOST=0.0.0.0" in class_lines("127.0.0.1", 8000)[0]


def test_a_hall_server_prints_the_student_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import cli
    from app.classroom.addresses import Interface

    monkeypatch.setattr(cli, "local_interfaces", lambda: [Interface("wlan0", "192.168.4.7"), Interface("eth0", "10.0.0.2")])

    assert class_lines("0.0.0.0", 8000) == [
        "Classroom mode: students open http://192.168.4.7:8000/join (other addresses: 10.0.0.2)"
    ]
