"""The command line: the URL it prints, a clear message for a busy port or a bad setting."""

from __future__ import annotations

import re
import socket

import pytest
import uvicorn

from app.cli import browser_url, class_lines, main
from app.server import GuardedHttpToolsProtocol
from tests.helpers import TEACHER_KEY


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


def recorded_serve(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> uvicorn.Config:
    """The uvicorn configuration `main(argv)` serves with (no server runs)."""
    configs: list[uvicorn.Config] = []

    class RecordingServer:
        def __init__(self, config: uvicorn.Config) -> None:
            configs.append(config)

        def run(self, sockets: list[socket.socket]) -> None:
            for sock in sockets:
                sock.close()

    monkeypatch.setattr(uvicorn, "Server", RecordingServer)
    assert main(["serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning", *argv]) == 0
    return configs[0]


def test_serve_prints_a_teacher_link_with_a_new_key_the_app_accepts(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("BACKPROP_TEACHER_KEY", raising=False)
    first = recorded_serve(monkeypatch, []).app.state.settings.teacher_key
    out = capsys.readouterr().out
    second = recorded_serve(monkeypatch, []).app.state.settings.teacher_key

    assert re.search(rf"Teacher link .*: http://127\.0\.0\.1:\d+/\?key={re.escape(first)}\n", out)
    assert len(first) >= 43 and first != second


def test_a_key_from_the_environment_is_used_and_not_printed(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BACKPROP_TEACHER_KEY", TEACHER_KEY)
    monkeypatch.setenv("BACKPROP_PUBLIC_URL", "https://class.example.edu")

    config = recorded_serve(monkeypatch, [])
    out = capsys.readouterr().out

    assert config.app.state.settings.teacher_key == TEACHER_KEY and TEACHER_KEY not in out
    assert "https://class.example.edu/?key=<BACKPROP_TEACHER_KEY>" in out


def test_several_workers_need_a_shared_teacher_key(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BACKPROP_REDIS_URL", "redis://127.0.0.1:1/0")  # never reached: refused before
    monkeypatch.delenv("BACKPROP_TEACHER_KEY", raising=False)

    assert main(["serve", "--workers", "2", "--port", "0"]) == 2
    assert "--workers 2 needs BACKPROP_TEACHER_KEY" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "env", "expected"), [
    ([], {}, "127.0.0.1,::1"),  # uvicorn's own default (FORWARDED_ALLOW_IPS unset): loopback
    (["--forwarded-allow-ips", "10.0.0.5,10.1.0.0/16"], {}, "10.0.0.5,10.1.0.0/16"),
    ([], {"BACKPROP_FORWARDED_ALLOW_IPS": "10.0.0.5"}, "10.0.0.5"),
])
def test_the_proxies_believed_are_an_option(monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str],
                                            expected: str) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    config = recorded_serve(monkeypatch, argv)

    assert config.forwarded_allow_ips == expected
