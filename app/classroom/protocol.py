"""The classroom protocol's messages: parsing what clients send, building what the server sends.

Every message is a JSON object with a "type". The full list, with fields, is in docs/contract.md
("Classroom protocol"). Client messages are checked for size and shape only: a presenter's command is
opaque to the server (the page's dispatch gives it meaning), except for what the server itself needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from app.web.json import dumps

PROTOCOL_VERSION = 1
MAX_ID_CHARS = 64  # a command's client-side id, a command type, a question id
MAX_POINTER_BYTES = 512
INLINE_COMMAND_BYTES = 16 * 1024  # larger command bodies are fetched over HTTP (GET …/commands/{seq})
HELLO_HEARTBEATS = 2  # a connection that has not said hello within two heartbeats is closed

# Close codes (4000–4999 are the application's own).
CLOSE_TOO_SLOW = 4008
CLOSE_BAD_HELLO = 4400
CLOSE_BAD_TOKEN = 4401
CLOSE_UNKNOWN_CLASS = 4404
CLOSE_REPLACED = 4409
CLOSE_ENDED = 4410
CLOSE_RATE_LIMITED = 4429
CLOSE_ROOM_FULL = 4503

PRESENTER_TYPES = frozenset({"command", "ask", "reveal", "pointer", "end"})
STUDENT_TYPES = frozenset({"answer", "mode"})


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
    return Hello(code, role, token, optional_text(message, "student_id", MAX_ID_CHARS),
                 optional_text(message, "epoch", MAX_ID_CHARS), last_seq)


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


def parse_command(message: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(command, state or None) from a presenter's `command` message: shapes only, the meaning is the page's."""
    command = message.get("command")
    if not isinstance(command, dict):
        raise ProtocolError("bad_command", "command must be a JSON object (one of the page's dispatch commands)",
                            "command")
    kind = command.get("type")
    if not isinstance(kind, str) or not 1 <= len(kind) <= MAX_ID_CHARS:
        raise ProtocolError("bad_command", f"command.type must be text of 1 to {MAX_ID_CHARS} characters",
                            "command.type")
    state = message.get("state")
    if state is not None and not isinstance(state, dict):
        raise ProtocolError("bad_command", "state must be a JSON object (the page's whole state) or absent", "state")
    return command, state


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
