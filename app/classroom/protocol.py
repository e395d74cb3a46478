"""The classroom protocol's messages: parsing what clients send, building what the server sends.

Every message is a JSON object with a "type". The full list, with fields, is in docs/contract.md
("Classroom protocol"). Client messages are checked for size and shape only: a presenter's command is
opaque to the server (the page's dispatch gives it meaning), except for what the server itself needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from app.classroom import questions
from app.web.json import dumps

# The classroom contract: everything both sides must agree on is defined here, once, and rendered into the
# page (`contract()`, body[data-class-protocol]; static/js/classroom/protocol.js reads it).
PROTOCOL_VERSION = 2  # a page whose bundle speaks another version reloads itself (welcome.protocol)
MAX_ID_CHARS = 64  # a command's client-side id, a command type, a question id
MAX_POINTER_BYTES = 512
MAX_COMMAND_BYTES = 1024  # a step, an option, a selection; a new network, data or weights go in the room's state
MAX_PROGRESS_BYTES = 256
SILENT_HEARTBEATS = 2  # a page that has heard nothing for two heartbeats says "reconnecting"
POINTER_PER_SECOND = 30  # the presenter's page sends at most this many pointer moves (its budget, budget.py)
POINTER_INTERVAL_SECONDS = 1 / POINTER_PER_SECOND  # pointer moves reach students as often, the latest one wins
TALLY_INTERVAL_SECONDS = 0.2  # the presenter's live tally and student count, at most 5 times a second
STATE_DEBOUNCE_SECONDS = 1.0  # the presenter uploads its state this long after a run of small commands

WS_PATH = "/api/class/ws"
ROOMS_PATH = "/api/class/rooms"
PATHS = {
    "ws": WS_PATH,
    "rooms": ROOMS_PATH,
    "room": ROOMS_PATH + "/{code}",
    "state": ROOMS_PATH + "/{code}/state",  # GET (ETag) for everyone; PUT with the presenter's token
    "results": ROOMS_PATH + "/{code}/results",  # GET with the presenter's token, also a while after the end
    "qr": ROOMS_PATH + "/{code}/qr.svg",
    "numbers": ROOMS_PATH + "/{code}/numbers",  # GET: a student's own numbers (variants mode); the presenter any's
    "students": ROOMS_PATH + "/{code}/students",  # GET by the presenter: each student's place, label and name
    "addresses": "/api/class/addresses",
    "join": "/join/{code}",
}

# Close codes (4000–4999 are the application's own; 1013 is the standard "try again later").
CLOSE_TRY_AGAIN = 1013  # the store (Redis) could not serve the join just now, e.g. its connection pool ran dry
CLOSE_TOO_SLOW = 4008
CLOSE_BAD_HELLO = 4400
CLOSE_BAD_TOKEN = 4401
CLOSE_UNKNOWN_CLASS = 4404
CLOSE_REPLACED = 4409
CLOSE_ENDED = 4410
CLOSE_RATE_LIMITED = 4429
CLOSE_ROOM_FULL = 4503
CLOSE_CODES = {"too_slow": CLOSE_TOO_SLOW, "bad_hello": CLOSE_BAD_HELLO, "bad_token": CLOSE_BAD_TOKEN,
               "unknown_class": CLOSE_UNKNOWN_CLASS, "replaced": CLOSE_REPLACED, "ended": CLOSE_ENDED,
               "rate_limited": CLOSE_RATE_LIMITED, "room_full": CLOSE_ROOM_FULL, "try_again": CLOSE_TRY_AGAIN}
# After these, reconnecting cannot help: the page says why and stops. A close for a rate (rate_limited) is not one
# of them: the page reconnects with a longer back-off (static/js/classroom/close-policy.js), its reconnect then
# costs a join (admission.closed_for_rate), so a flood cannot go on through reconnects.
FINAL_CLOSES = ("bad_token", "unknown_class", "replaced", "ended", "room_full")

# Who sends each client message ("any": presenter or student).
CLIENT_MESSAGES = {
    "hello": "any", "resync": "any", "ping": "any",
    "command": "presenter", "lock": "presenter", "projector": "presenter", "variants": "presenter", "ask": "presenter",
    "reveal": "presenter", "pointer": "presenter", "progress": "presenter", "end": "presenter",
    "answer": "student", "mode": "student", "name": "student",
}
PRESENTER_TYPES = frozenset(kind for kind, who in CLIENT_MESSAGES.items() if who == "presenter")
STUDENT_TYPES = frozenset(kind for kind, who in CLIENT_MESSAGES.items() if who == "student")
# Every frame the server sends; the ordered ones carry a seq and are kept in the room's log.
ORDERED_MESSAGES = ("command", "state", "lock", "projector", "variants", "question", "reveal", "ended")
SERVER_MESSAGES = (*ORDERED_MESSAGES, "welcome", "snapshot", "beat", "pointer", "progress", "presence", "tally",
                   "answered", "result", "paused", "resumed", "error", "ack", "pong")


def contract(settings: Any = None) -> dict[str, Any]:
    """What the page needs of this protocol, as JSON (the welcome repeats the settings that may differ)."""
    return {
        "version": PROTOCOL_VERSION,
        "paths": PATHS,
        "close_codes": CLOSE_CODES,
        "final_closes": list(FINAL_CLOSES),
        "client_messages": CLIENT_MESSAGES,
        "server_messages": list(SERVER_MESSAGES),
        "ordered_messages": list(ORDERED_MESSAGES),
        "max_command_bytes": MAX_COMMAND_BYTES,
        "pointer_interval_ms": round(POINTER_INTERVAL_SECONDS * 1000),
        "state_debounce_ms": round(STATE_DEBOUNCE_SECONDS * 1000),
        "silent_heartbeats": SILENT_HEARTBEATS,
        "heartbeat_seconds": settings.class_heartbeat_seconds if settings else None,
        "max_message_bytes": settings.class_max_message_bytes if settings else None,
        "results_bytes": settings.class_results_bytes if settings else None,
        "results_seconds": settings.class_idle_seconds if settings else None,  # kept this long after the end
        "questions": {
            "kinds": list(questions.KINDS), "signs": list(questions.SIGNS),
            "max_prompt_chars": questions.MAX_PROMPT_CHARS, "max_option_chars": questions.MAX_OPTION_CHARS,
            "max_options": questions.MAX_OPTIONS, "max_name_chars": questions.MAX_NAME_CHARS,
            "max_shape": questions.MAX_SHAPE, "max_cells": questions.MAX_CELLS,
            "max_target_bytes": questions.MAX_TARGET_BYTES,
            "verdicts": list(questions.VERDICTS), "own_kinds": list(questions.OWN_KINDS),
            "max_iteration": questions.MAX_ITERATION,
        },
    }


class ProtocolError(ValueError):
    """A message breaks a rule: `code` is the machine-readable reason, `field` where, the message in words."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.field = code, field


class Refused(ProtocolError):
    """The connection cannot go on: after the error frame it is closed with `close_code`."""

    def __init__(self, code: str, message: str, close_code: int, field: str | None = None) -> None:
        super().__init__(code, message, field)
        self.close_code = close_code


@dataclass(frozen=True)
class Hello:
    code: str
    role: str  # "presenter" or "student"
    token: str | None
    student_id: str | None
    epoch: str | None
    last_seq: int | None
    name: str | None = None  # a student's name, if the page has one (None leaves the room's as it is)


def parse_message(text: str | bytes | None, max_bytes: int) -> dict[str, Any]:
    """One client message as a dict with a string "type"; ProtocolError when it is not one."""
    if text is None:
        raise ProtocolError("bad_message", "send messages as JSON text")
    size = len(text.encode() if isinstance(text, str) else text)
    if size > max_bytes:
        raise ProtocolError(
            "too_big", f"the message is {size} bytes, over the limit of {max_bytes} (BACKPROP_CLASS_MAX_MESSAGE_BYTES)"
        )
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ProtocolError("bad_message", "the message is not valid JSON (NaN and Infinity are not JSON)") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("bad_message", 'a message must be a JSON object with a "type"', "type")
    return message


def parse_hello(message: dict[str, Any]) -> Hello:
    """The first message of every connection."""
    if message["type"] != "hello":
        raise ProtocolError("hello_expected", 'the first message must be {"type": "hello", …}', "type")
    role = message.get("role", "student")
    if role not in ("presenter", "student"):
        raise ProtocolError("bad_hello", 'role must be "presenter" or "student"', "role")
    code = message.get("code")
    if not isinstance(code, str):
        raise ProtocolError("bad_hello", "code must be the class's join code", "code")
    token = optional_text(message, "token", 128)
    if role == "presenter" and token is None:
        raise ProtocolError("bad_hello", "a presenter's hello needs the token it got when the class was created", "token")
    last_seq = message.get("last_seq")
    if last_seq is not None and (isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0):
        raise ProtocolError("bad_hello", "last_seq must be a whole number, 0 or more", "last_seq")
    try:
        name = None if message.get("name") is None else questions.parse_name(message["name"])
    except questions.QuestionError as error:
        raise ProtocolError("bad_hello", str(error), "name") from None
    return Hello(code, role, token, optional_text(message, "student_id", MAX_ID_CHARS),
                 optional_text(message, "epoch", MAX_ID_CHARS), last_seq, name)


def optional_text(message: dict[str, Any], field: str, max_chars: int) -> str | None:
    value = message.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > max_chars:
        raise ProtocolError("bad_field", f"{field} must be text of 1 to {max_chars} characters", field)
    return value


def command_id(message: dict[str, Any]) -> str | int | None:
    """The presenter's own id for a command, echoed in its ack."""
    value = message.get("id")
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return optional_text(message, "id", MAX_ID_CHARS)


def parse_command(message: dict[str, Any]) -> dict[str, Any]:
    """The command of a presenter's `command` message: shapes and size only, the meaning is the page's."""
    command = message.get("command")
    if not isinstance(command, dict):
        raise ProtocolError("bad_command", "command must be a JSON object (one of the page's dispatch commands)",
                            "command")
    kind = command.get("type")
    if not isinstance(kind, str) or not 1 <= len(kind) <= MAX_ID_CHARS:
        raise ProtocolError("bad_command", f"command.type must be text of 1 to {MAX_ID_CHARS} characters",
                            "command.type")
    size = len(dumps(command))
    if size > MAX_COMMAND_BYTES:
        raise ProtocolError("too_big", f"the command is {size} bytes, over {MAX_COMMAND_BYTES}: a new network, data "
                            "or weights go in the room's state (PUT …/state), not in a command", "command")
    return command


def parse_flag(message: dict[str, Any], field: str) -> bool:
    value = message.get(field)
    if not isinstance(value, bool):
        raise ProtocolError("bad_field", f"{field} must be true or false", field)
    return value


def parse_progress(message: dict[str, Any]) -> Any:
    """The presenter's training progress ({epoch, epochs, loss}, or null when it is over): small JSON."""
    progress = message.get("training")
    if progress is not None and not isinstance(progress, dict) or len(dumps(progress)) > MAX_PROGRESS_BYTES:
        raise ProtocolError("bad_progress", f"training must be null or an object of at most {MAX_PROGRESS_BYTES} "
                            "bytes", "training")
    return progress


def parse_pointer(message: dict[str, Any]) -> Any:
    """A pointer position: any small JSON value (null hides it)."""
    pointer = message.get("pointer")
    if len(dumps(pointer)) > MAX_POINTER_BYTES:
        raise ProtocolError("bad_pointer", f"pointer must encode to at most {MAX_POINTER_BYTES} bytes", "pointer")
    return pointer


def error_frame(code: str, message: str, field: str | None = None, **extra: Any) -> str:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message, **extra}
    if field is not None:
        frame["field"] = field
    return dumps(frame).decode()


def frame(message: dict[str, Any]) -> str:
    return dumps(message).decode()
