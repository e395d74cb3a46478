"""The command line: the URL it prints, a clear message for a busy port or a bad setting."""

from __future__ import annotations

import socket

import pytest
import uvicorn

from app.cli import browser_url, class_lines, main
from app.server import GuardedHttpToolsProtocol


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


def test_serve_runs_the_apps_own_uvicorn_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    configs: list[uvicorn.Config] = []

    class RecordingServer:
        def __init__(self, config: uvicorn.Config) -> None:
            configs.append(config)

        def run(self, sockets: list[socket.socket]) -> None:
            for sock in sockets:
                sock.close()

    monkeypatch.setattr(uvicorn, "Server", RecordingServer)
    monkeypatch.setenv("BACKPROP_HEADER_TIMEOUT", "3")

    assert main(["serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning"]) == 0
    (config,) = configs
    assert issubclass(config.http, GuardedHttpToolsProtocol)
    assert config.http.limits.header_timeout == 3.0
    assert (config.log_level, config.workers) == ("warning", 1)


def test_a_loopback_server_says_how_to_open_it_to_the_hall() -> None:
    assert "make serve HOST=0.0.0.0" in class_lines("127.0.0.1", 8000)[0]


def test_a_hall_server_prints_the_student_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import cli
    from app.classroom.addresses import Interface

    monkeypatch.setattr(cli, "local_interfaces", lambda: [Interface("wlan0", "192.168.4.7"), Interface("eth0", "10.0.0.2")])

    assert class_lines("0.0.0.0", 8000) == [
        "Classroom mode: students open http://192.168.4.7:8000/join (other addresses: 10.0.0.2)"
    ]
