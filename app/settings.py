"""Runtime settings, read once from the environment (BACKPROP_* variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from app.api.limits import MAX_BODY_BYTES

ENV_PREFIX = "BACKPROP_"


@dataclass(frozen=True)
class Settings:
    """Everything the server can be configured with; each field has a BACKPROP_<NAME> variable."""

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # Requests with a larger body are refused with 413 before they are parsed.
    max_body_bytes: int = MAX_BODY_BYTES
    # Memory for remembered answers (app/api/answers.py): a request sent again is replayed. 0 turns it off.
    answer_cache_bytes: int = 32 * 1024 * 1024
    # Cache lifetime of the vendored, versioned assets under /static/vendor/ (our own files revalidate).
    vendor_max_age: int = 86_400
    # Classroom mode (app/classroom/): each limit is answered with a message naming it when hit.
    class_max_rooms: int = 20
    class_max_students: int = 400  # per room
    class_max_message_bytes: int = 256 * 1024  # one WebSocket message; a 512-row request is ~40 KB
    class_messages_per_second: int = 20  # per connection, with bursts of twice that
    class_joins_per_minute: int = 30  # per client address; a reconnect with a known student id is not a join
    class_log_size: int = 500  # commands kept for catch-up; older ones are served as a snapshot
    class_idle_seconds: int = 1800  # a room without its presenter for this long expires
    class_heartbeat_seconds: float = 5.0
    class_queue_size: int = 256  # frames waiting per connection before it gets a snapshot instead

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Build settings from BACKPROP_HOST, BACKPROP_PORT, … falling back to the defaults above."""
        defaults = cls()
        return cls(
            host=environ.get(ENV_PREFIX + "HOST", defaults.host),
            port=_int_from_env(environ, "PORT", defaults.port, minimum=0, maximum=65_535),
            log_level=environ.get(ENV_PREFIX + "LOG_LEVEL", defaults.log_level).lower(),
            max_body_bytes=_int_from_env(environ, "MAX_BODY_BYTES", defaults.max_body_bytes, minimum=1),
            vendor_max_age=_int_from_env(environ, "VENDOR_MAX_AGE", defaults.vendor_max_age, minimum=0),
            answer_cache_bytes=_int_from_env(environ, "ANSWER_CACHE_BYTES", defaults.answer_cache_bytes, minimum=0),
            **_classroom_from_env(environ, defaults),
        )


# BACKPROP_CLASS_<NAME> → class_<name>, with the smallest value that keeps a class usable.
_CLASSROOM_MINIMUMS = {
    "class_max_rooms": 1,
    "class_max_students": 1,
    "class_max_message_bytes": 1024,
    "class_messages_per_second": 1,
    "class_joins_per_minute": 1,
    "class_log_size": 10,
    "class_idle_seconds": 1,
    "class_heartbeat_seconds": 1,
    "class_queue_size": 8,
}


def _classroom_from_env(environ: Mapping[str, str], defaults: Settings) -> dict[str, int | float]:
    values: dict[str, int | float] = {}
    for field, minimum in _CLASSROOM_MINIMUMS.items():
        default = getattr(defaults, field)
        read = _float_from_env if isinstance(default, float) else _int_from_env
        values[field] = read(environ, field.upper(), default, minimum=minimum)
    return values


def _float_from_env(environ: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    """Read one number variable (e.g. seconds), naming the variable and the rule when the value is unusable."""
    key = ENV_PREFIX + name
    raw = environ.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{key} must be a number, got {raw!r}") from None
    if not value >= minimum or value == float("inf"):
        raise ValueError(f"{key} must be a finite number of at least {minimum:g}, got {raw}")
    return value


def _int_from_env(
    environ: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    """Read one integer variable, naming the variable and the rule when the value is unusable."""
    key = ENV_PREFIX + name
    raw = environ.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{key} must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{key} must be at least {minimum}{upper}, got {value}")
    return value
