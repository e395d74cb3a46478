"""Runtime settings, read once from the environment (BACKPROP_* variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.api.limits import MAX_BODY_BYTES

ENV_PREFIX = "BACKPROP_"


def default_workers(environ: Mapping[str, str] = os.environ) -> int:
    """This process's share of the CPUs: the ones it may run on ÷ the server processes, at least 1.

    The number of server processes is WEB_CONCURRENCY, which uvicorn and gunicorn read for their worker count.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        processes = max(1, int(environ.get("WEB_CONCURRENCY", "1")))
    except ValueError:
        processes = 1
    return max(1, cpus // processes)


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
    # Worker processes per lane of heavy computations (app/api/cpu.py); default: this process's share of
    # the CPUs (the CPUs ÷ WEB_CONCURRENCY, the number of server processes), at least 1.
    cpu_workers: int = field(default_factory=default_workers)
    # Computations that may wait per lane for a worker; one more is answered 503 with Retry-After.
    cpu_queue: int = 32

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
            cpu_workers=_int_from_env(environ, "CPU_WORKERS", default_workers(environ), minimum=1),
            cpu_queue=_int_from_env(environ, "CPU_QUEUE", defaults.cpu_queue, minimum=0),
        )


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
