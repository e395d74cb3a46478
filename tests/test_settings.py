"""Settings come from BACKPROP_* variables; an unusable value names the variable and the rule."""

from __future__ import annotations

import pytest

from app.api.limits import MAX_BODY_BYTES
from app.settings import Settings


def test_defaults_without_variables() -> None:
    settings = Settings.from_env({})

    assert (settings.host, settings.port, settings.max_body_bytes) == ("127.0.0.1", 8000, MAX_BODY_BYTES)


def test_variables_override_the_defaults() -> None:
    settings = Settings.from_env({"BACKPROP_HOST": "0.0.0.0", "BACKPROP_PORT": "9000", "BACKPROP_LOG_LEVEL": "DEBUG",
                                  "BACKPROP_MAX_BODY_BYTES": "1000"})

    assert (settings.host, settings.port, settings.log_level, settings.max_body_bytes) == ("0.0.0.0", 9000, "debug", 1000)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BACKPROP_PORT", "eighty", "BACKPROP_PORT must be an integer, got 'eighty'"),
    ("BACKPROP_PORT", "70000", "BACKPROP_PORT must be at least 0 and at most 65535, got 70000"),
    ("BACKPROP_MAX_BODY_BYTES", "0", "BACKPROP_MAX_BODY_BYTES must be at least 1, got 0"),
])
def test_a_bad_value_names_the_variable_and_the_rule(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        Settings.from_env({name: value})

    assert str(error.value) == message


def test_classroom_limits_come_from_backprop_class_variables() -> None:
    settings = Settings.from_env({"BACKPROP_CLASS_MAX_STUDENTS": "50", "BACKPROP_CLASS_HEARTBEAT_SECONDS": "2.5"})

    assert (settings.class_max_students, settings.class_heartbeat_seconds) == (50, 2.5)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BACKPROP_CLASS_MAX_ROOMS", "0", "BACKPROP_CLASS_MAX_ROOMS must be at least 1, got 0"),
    ("BACKPROP_CLASS_HEARTBEAT_SECONDS", "nan", "BACKPROP_CLASS_HEARTBEAT_SECONDS must be a finite number of at least 1"),
    ("BACKPROP_CLASS_HEARTBEAT_SECONDS", "soon", "BACKPROP_CLASS_HEARTBEAT_SECONDS must be a number, got 'soon'"),
])
def test_a_bad_classroom_value_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({name: value})
