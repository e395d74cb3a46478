"""Settings come from BACKPROP_* variables; an unusable value names the variable and the rule."""

from __future__ import annotations

import os

import pytest

from app.settings import Settings
from app.web.body_limit import MAX_BODY_BYTES


def test_defaults_without_variables() -> None:
    settings = Settings.from_env({})

    assert (settings.host, settings.port, settings.max_body_bytes) == ("127.0.0.1", 8000, MAX_BODY_BYTES)


def test_variables_override_the_defaults() -> None:
    settings = Settings.from_env({"BACKPROP_HOST": "0.0.0.0", "BACKPROP_PORT": "9000", "BACKPROP_LOG_LEVEL": "DEBUG",
                                  "BACKPROP_MAX_BODY_BYTES": "1000"})

    assert (settings.host, settings.port, settings.log_level, settings.max_body_bytes) == ("0.0.0.0", 9000, "debug", 1000)


def test_connection_and_cross_site_variables() -> None:
    settings = Settings.from_env({
        "BACKPROP_HEADER_TIMEOUT": "2.5", "BACKPROP_MAX_HEADER_BYTES": "8192", "BACKPROP_MAX_CONNECTIONS": "500",
        "BACKPROP_ALLOWED_HOSTS": "explorer.school.example, ,lab.local",
        "BACKPROP_ALLOWED_ORIGINS": "https://lms.example",
    })

    assert (settings.header_timeout, settings.max_header_bytes, settings.max_connections) == (2.5, 8192, 500)
    assert settings.allowed_hosts == ("explorer.school.example", "lab.local")
    assert settings.allowed_origins == ("https://lms.example",)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BACKPROP_PORT", "eighty", "BACKPROP_PORT must be an integer, got 'eighty'"),
    ("BACKPROP_HEADER_TIMEOUT", "soon", "BACKPROP_HEADER_TIMEOUT must be a number, got 'soon'"),
    ("BACKPROP_HEADER_TIMEOUT", "0", "BACKPROP_HEADER_TIMEOUT must be at least 0.1, got 0.0"),
    ("BACKPROP_HEADER_TIMEOUT", "nan", "BACKPROP_HEADER_TIMEOUT must be a finite number, got nan"),
    ("BACKPROP_MAX_CONNECTIONS", "-1", "BACKPROP_MAX_CONNECTIONS must be at least 0, got -1"),
    ("BACKPROP_PORT", "70000", "BACKPROP_PORT must be at least 0 and at most 65535, got 70000"),
    ("BACKPROP_MAX_BODY_BYTES", "0", "BACKPROP_MAX_BODY_BYTES must be at least 1, got 0"),
])
def test_a_bad_value_names_the_variable_and_the_rule(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        Settings.from_env({name: value})

    assert str(error.value) == message


def test_the_workers_default_to_this_process_share_of_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})

    assert Settings.from_env({}).cpu_workers == 8
    assert Settings.from_env({"WEB_CONCURRENCY": "3"}).cpu_workers == 2  # 8 CPUs ÷ 3 server processes
    assert Settings.from_env({"WEB_CONCURRENCY": "16"}).cpu_workers == 1
    assert Settings.from_env({"BACKPROP_CPU_WORKERS": "3", "BACKPROP_CPU_QUEUE": "0"}).cpu_workers == 3
    assert Settings.from_env({"BACKPROP_CPU_QUEUE": "5"}).cpu_queue == 5


def test_classroom_limits_come_from_backprop_class_variables() -> None:
    settings = Settings.from_env({"BACKPROP_CLASS_MAX_STUDENTS": "50", "BACKPROP_CLASS_HEARTBEAT_SECONDS": "2.5"})

    assert (settings.class_max_students, settings.class_heartbeat_seconds) == (50, 2.5)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BACKPROP_CLASS_MAX_ROOMS", "0", "BACKPROP_CLASS_MAX_ROOMS must be at least 1, got 0"),
    ("BACKPROP_CLASS_HEARTBEAT_SECONDS", "nan", "BACKPROP_CLASS_HEARTBEAT_SECONDS must be a finite number, got nan"),
    ("BACKPROP_CLASS_HEARTBEAT_SECONDS", "soon", "BACKPROP_CLASS_HEARTBEAT_SECONDS must be a number, got 'soon'"),
])
def test_a_bad_classroom_value_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({name: value})


def test_a_short_teacher_key_is_refused() -> None:
    with pytest.raises(ValueError) as error:
        Settings.from_env({"BACKPROP_TEACHER_KEY": "secret"})

    assert str(error.value).startswith("BACKPROP_TEACHER_KEY must be at least 16 characters")
    assert Settings.from_env({"BACKPROP_TEACHER_KEY": " " + "k" * 16 + " "}).teacher_key == "k" * 16


def test_the_state_directory_follows_xdg_state_home_and_can_be_set_or_turned_off() -> None:
    assert Settings.from_env({"XDG_STATE_HOME": "/srv/state"}).state_dir == "/srv/state/backprop-explorer"
    assert Settings.from_env({}).state_dir == os.path.expanduser("~/.local/state/backprop-explorer")
    assert Settings.from_env({"BACKPROP_STATE_DIR": "/var/lib/bp"}).state_dir == "/var/lib/bp"
    assert Settings.from_env({"BACKPROP_STATE_DIR": ""}).state_dir == ""
