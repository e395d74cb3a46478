"""Runtime settings, read once from the environment (BACKPROP_* variables)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from app.public_url import parse_public_url
from app.web.body_limit import MAX_BODY_BYTES

ENV_PREFIX = "BACKPROP_"
# The largest class one server process is sized for by default: the student cap, and the connection cap
# (app/server.py) that follows it.
HALL_STUDENTS = 1000
N = TypeVar("N", int, float)
TEACHER_KEY_MIN_CHARS = 16


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


def default_state_dir(environ: Mapping[str, str] = os.environ) -> str:
    """Where the server keeps what must outlive it: $XDG_STATE_HOME/backprop-explorer, by default
    ~/.local/state/backprop-explorer (the XDG base directory specification's place for state)."""
    base = environ.get("XDG_STATE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "backprop-explorer")


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
    # The page loads the bundle setup built (static/bundle/) while it matches its sources; 0: every module on its
    # own, as in the source tree (debugging, and bench/bench_cold_load.py's "before").
    bundle: bool = True
    # Classroom mode (app/classroom/): each limit is answered with a message naming it when hit.
    class_max_rooms: int = 20
    class_max_students: int = HALL_STUDENTS  # per room
    class_max_message_bytes: int = 256 * 1024  # one WebSocket message; a 512-row request is ~40 KB
    class_messages_per_second: int = 20  # per connection, with bursts of twice that
    # Per client address: join attempts a minute, and students in one room (a reconnect is not a join).
    class_joins_per_minute: int = 30
    class_log_size: int = 500  # commands kept for catch-up; older ones are served as a snapshot
    class_idle_seconds: int = 1800  # a room without its presenter for this long expires
    class_heartbeat_seconds: float = 5.0
    class_queue_size: int = 256  # frames waiting per connection before it gets a snapshot instead
    # No client drowns the class (app/classroom/budget.py, app/classroom/socket_protocol.py). Every frame a
    # socket sends (pings and malformed ones too) is counted before it is parsed, per socket and per client
    # address; past either rate the server stops reading that socket until the rate allows (no frame is lost).
    class_frames_per_second: int = 60  # per socket: the presenter's 30 pointer moves and 20 messages fit
    # (a frame counts once per 4 KiB: a socket reads about 240 KB a second at most)
    class_address_frames_per_second: int = 200  # per client address, all its sockets together
    class_resyncs_per_minute: int = 6  # per socket (bursts of 3): each may cost a snapshot
    class_questions_per_minute: int = 30  # per presenter socket (bursts of 10): asks and reveals
    # Class sockets per client address (0: four times BACKPROP_CLASS_JOINS_PER_MINUTE); a student's page keeps one.
    class_sockets_per_address: int = 0
    # New class sockets a client address may open a second, with bursts of twice that (0: one for every six
    # BACKPROP_CLASS_JOINS_PER_MINUTE, 5 by default): a flood of handshakes is refused (403) before it is served.
    class_sockets_per_second: int = 0
    class_hello_timeout_seconds: float = 5.0  # a class socket that has not said hello by then is closed
    class_presenters_per_room: int = 4  # presenter sockets (a reload, a second screen); a new one replaces the oldest
    class_questions_kept: int = 20  # per room, the latest; older questions and their answers are forgotten
    class_room_bytes: int = 32 * 1024 * 1024  # a room's command log and state; the oldest commands go first
    class_results_bytes: int = 4 * 1024 * 1024  # a room's results log (one record per answer); the oldest go first
    class_send_timeout_seconds: float = 10.0  # a socket that takes no frame for this long is closed
    # Rooms in Redis (app/classroom/redis_store.py), e.g. redis://127.0.0.1:6379/0, so several server processes
    # serve the same classes; empty: rooms live in this one process.
    redis_url: str = ""
    # The few things the server keeps across a restart (app/classroom/issued.py: the join codes it issued lately,
    # so that an old code is told "ended", not "no such class"); empty: nothing is written.
    state_dir: str = field(default_factory=default_state_dir)
    # Connections (app/server.py): seconds a client has to send a request's headers, on a new or an idle
    # kept-alive connection; the size cap on the request line and headers together (larger: 431); and the
    # cap on open connections (over it: 503), 0 meaning "as many as the file-descriptor limit allows".
    header_timeout: float = 10.0
    max_header_bytes: int = 16 * 1024
    max_connections: int = 0
    # Cross-site checks (app/cross_site.py): Host names to answer besides localhost, IP addresses and this
    # machine's own names ("*" for any), and other sites' origins allowed to POST here.
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    # Where students reach this server when that is not where it listens (a container's published port, a
    # proxy, TLS): the links, the QR code and the Host and Origin allow-lists follow it (app/public_url.py).
    public_url: str = ""
    # Who may start a class (app/classroom/teacher.py): a request with this key, or one from this machine
    # without a proxy in between. `serve` makes one up at start when none is set; several processes must share one.
    teacher_key: str = ""
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's forwarded_allow_ips); empty:
    # the FORWARDED_ALLOW_IPS variable, else loopback (127.0.0.1, ::1).
    forwarded_allow_ips: str = ""
    # Worker processes per lane of heavy computations (app/api/cpu.py); default: this process's share of
    # the CPUs (the CPUs ÷ WEB_CONCURRENCY, the number of server processes), at least 1.
    cpu_workers: int = field(default_factory=default_workers)
    # Computations that may wait per lane for a worker; one more is answered 503 with Retry-After.
    cpu_queue: int = 32

    @property
    def class_socket_cap(self) -> int:
        """Class sockets one client address may hold open (BACKPROP_CLASS_SOCKETS_PER_ADDRESS, 0: derived)."""
        return self.class_sockets_per_address or 4 * self.class_joins_per_minute

    @property
    def class_socket_rate(self) -> float:
        """New class sockets one client address may open a second (BACKPROP_CLASS_SOCKETS_PER_SECOND, 0: derived)."""
        return self.class_sockets_per_second or max(1.0, self.class_joins_per_minute / 6)

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
            bundle=bool(_int_from_env(environ, "BUNDLE", int(defaults.bundle), minimum=0, maximum=1)),
            answer_cache_bytes=_int_from_env(environ, "ANSWER_CACHE_BYTES", defaults.answer_cache_bytes, minimum=0),
            **_classroom_from_env(environ, defaults),
            redis_url=environ.get(ENV_PREFIX + "REDIS_URL", defaults.redis_url).strip(),
            state_dir=environ.get(ENV_PREFIX + "STATE_DIR", default_state_dir(environ)).strip(),
            header_timeout=_float_from_env(environ, "HEADER_TIMEOUT", defaults.header_timeout, minimum=0.1),
            max_header_bytes=_int_from_env(environ, "MAX_HEADER_BYTES", defaults.max_header_bytes, minimum=1024),
            max_connections=_int_from_env(environ, "MAX_CONNECTIONS", defaults.max_connections, minimum=0),
            allowed_hosts=_list_from_env(environ, "ALLOWED_HOSTS"),
            allowed_origins=_list_from_env(environ, "ALLOWED_ORIGINS"),
            public_url=_public_url_from_env(environ),
            teacher_key=_teacher_key_from_env(environ),
            forwarded_allow_ips=environ.get(ENV_PREFIX + "FORWARDED_ALLOW_IPS", "").strip(),
            cpu_workers=_int_from_env(environ, "CPU_WORKERS", default_workers(environ), minimum=1),
            cpu_queue=_int_from_env(environ, "CPU_QUEUE", defaults.cpu_queue, minimum=0),
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
    "class_frames_per_second": 1,
    "class_address_frames_per_second": 1,
    "class_resyncs_per_minute": 1,
    "class_questions_per_minute": 1,
    "class_sockets_per_address": 0,
    "class_sockets_per_second": 0,
    "class_hello_timeout_seconds": 0.5,
    "class_presenters_per_room": 1,
    "class_questions_kept": 1,
    "class_room_bytes": 1024 * 1024,
    "class_results_bytes": 64 * 1024,
    "class_send_timeout_seconds": 1,
}


def _classroom_from_env(environ: Mapping[str, str], defaults: Settings) -> dict[str, int | float]:
    values: dict[str, int | float] = {}
    for field, minimum in _CLASSROOM_MINIMUMS.items():
        default = getattr(defaults, field)
        read = _float_from_env if isinstance(default, float) else _int_from_env
        values[field] = read(environ, field.upper(), default, minimum=minimum)
    return values


def _public_url_from_env(environ: Mapping[str, str]) -> str:
    """BACKPROP_PUBLIC_URL as an origin ('https://class.example.edu'), '' when unset; ValueError when unusable."""
    public = parse_public_url(environ.get(ENV_PREFIX + "PUBLIC_URL", ""))
    return public.origin if public is not None else ""


def _teacher_key_from_env(environ: Mapping[str, str]) -> str:
    key = environ.get(ENV_PREFIX + "TEACHER_KEY", "").strip()
    if key and len(key) < TEACHER_KEY_MIN_CHARS:
        raise ValueError(f"{ENV_PREFIX}TEACHER_KEY must be at least {TEACHER_KEY_MIN_CHARS} characters (anyone who "
                         f"guesses it can start classes), got {len(key)}; `python -c 'import secrets; "
                         "print(secrets.token_urlsafe(32))'` makes a good one")
    return key


def _int_from_env(
    environ: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    """Read one integer variable, naming the variable and the rule when the value is unusable."""
    return _number_from_env(environ, name, default, int, "an integer", minimum=minimum, maximum=maximum)


def _float_from_env(environ: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    """Read one number variable (seconds, say), naming the variable and the rule when the value is unusable."""
    value = _number_from_env(environ, name, default, float, "a number", minimum=minimum)
    if not math.isfinite(value):
        raise ValueError(f"{ENV_PREFIX + name} must be a finite number, got {value}")
    return value


def _list_from_env(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Read a comma-separated list variable ("a.example, b.example"); empty items are dropped."""
    raw = environ.get(ENV_PREFIX + name, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _number_from_env(
    environ: Mapping[str, str], name: str, default: N, parse: type[N], kind: str,
    *, minimum: N, maximum: N | None = None,
) -> N:
    key = ENV_PREFIX + name
    raw = environ.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ValueError(f"{key} must be {kind}, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{key} must be at least {minimum}{upper}, got {value}")
    return value
