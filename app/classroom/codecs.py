"""Questions and answers as bytes and back (the Redis store keeps them as JSON)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson

from app.web.json import dumps
from app.classroom.questions import Answer, Question


def _tuples(value: Any) -> Any:
    """JSON gives lists where questions and answers hold tuples (shapes, matrices): back to tuples."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _encode(value: Question | Answer) -> bytes:
    return dumps(asdict(value))


class QuestionCodec:
    encode = staticmethod(_encode)

    @staticmethod
    def decode(raw: bytes) -> Question:
        data = orjson.loads(raw)
        data["expected"], data["options"] = _tuples(data["expected"]), tuple(data["options"])
        data["shown"] = _tuples(data.get("shown"))  # None in questions stored before it
        return Question(**data)


class AnswerCodec:
    encode = staticmethod(_encode)

    @staticmethod
    def decode(raw: bytes) -> Answer:
        data = orjson.loads(raw)
        data["value"], data["cells_right"], data["expected"] = (_tuples(data.get(name)) for name in
                                                               ("value", "cells_right", "expected"))
        data.pop("name", None)  # answers stored before names moved to the room
        return Answer(**data)
