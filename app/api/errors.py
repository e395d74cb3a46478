"""Client mistakes → 4xx answers whose messages name the field and the rule.

Every error keeps FastAPI's shape, {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}, but the
messages are rewritten to read as sentences ("X[2][1] is NaN: …"), the offending input is not echoed back
(it may be NaN, which JSON cannot carry, or megabytes long), and at most MAX_ERRORS are listed.
"""

from __future__ import annotations

import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from app.api.encoding import dumps, json_response
from app.api.limits import BodyLimitMiddleware
from app.api.schemas import PredictRequest, TraceRequest, TrainRequest
from app.core import SpecError

MAX_ERRORS = 20
_INDEX = re.compile(r"\[(\d+)\]")
# The fields each body accepts, named when a request has an unknown one.
BODY_MODELS = {"/api/trace": TraceRequest, "/api/train": TrainRequest, "/api/predict": PredictRequest}


def body_fields(path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(allowed, required) field names of the body a path takes; empty for other paths."""
    model = BODY_MODELS.get(path)
    if model is None:
        return (), ()
    fields = model.model_fields
    return tuple(fields), tuple(name for name, field in fields.items() if field.is_required())


def install(app: FastAPI) -> None:
    """Register the API's error handlers and its request-body limit (from app.state.settings) on the app."""
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(SpecError, spec_error_handler)
    app.add_middleware(BodyLimitMiddleware, max_bytes=app.state.settings.max_body_bytes)


def error_response(status_code: int, errors: list[dict[str, Any]]) -> Response:
    """The {"detail": [...]} answer; shortened to MAX_ERRORS entries plus one saying how many were left out."""
    shown = errors[:MAX_ERRORS]
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        shown.append({"loc": ["body"], "msg": f"… and {more} more errors like these", "type": "too_many_errors"})
    return json_response(dumps({"detail": shown}), status_code=status_code)


async def validation_error_handler(request: Request, exc: RequestValidationError) -> Response:
    """422 with a readable message per pydantic error."""
    fields, required = body_fields(request.url.path)
    return error_response(422, [readable(error, fields, required) for error in exc.errors()])


async def spec_error_handler(request: Request, exc: SpecError) -> Response:
    """422 for the core's spec and shape rules; the field "weights[1]" becomes loc ["body", "weights", 1].
    A named rule travels in ctx ({"rule": "width_range", "value": 17, "min": 1, "max": 16}) for clients that
    word their messages themselves (the page does, in its language)."""
    error: dict[str, Any] = {"loc": ["body", *field_loc(exc.field)], "msg": str(exc), "type": "spec_error"}
    if exc.rule:
        error["ctx"] = {"rule": exc.rule, **exc.params}
    return error_response(422, [error])


def field_loc(field: str) -> list[str | int]:
    """'weights[1][0]' -> ['weights', 1, 0]; 'X' -> ['X']."""
    name = field.split("[", 1)[0]
    return [name, *(int(i) for i in _INDEX.findall(field[len(name):]))]


def path(loc: tuple[Any, ...]) -> str:
    """('body', 'X', 2, 1) -> 'X[2][1]'; ('body',) -> 'body'."""
    parts = [p for p in loc if p != "body"]
    if not parts:
        return "body"
    text = str(parts[0])
    for part in parts[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def shown_value(value: Any) -> str:
    """How an offending input is named in a message (short, and NaN/Infinity spelled as in JSON)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
    return text if len(text) <= 40 else text[:37] + "..."


_TYPE_NAMES = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "list_type": "a list",
}


def _message(error: dict[str, Any], where: str, required: tuple[str, ...]) -> str:
    kind, value = error["type"], error.get("input")
    needs = f" with at least {' and '.join(required)}" if required else ""
    if kind == "json_invalid":
        if error.get("input") == b"":
            return f"body is empty: send a JSON object{needs}"
        return f"body is not valid JSON: {error.get('ctx', {}).get('error', error['msg'])}"
    if kind == "finite_number":
        return (f"{where} is {shown_value(value)}: every number must be finite "
                "(no NaN or Infinity; 1e400 overflows to Infinity)")
    if kind == "too_short":
        ctx = error.get("ctx", {})
        return f"{where} has {ctx.get('actual_length', 0)} rows; it needs at least {ctx.get('min_length', 1)}"
    if kind == "missing":
        return f"{where} is required"
    if kind in ("model_type", "model_attributes_type", "dict_type") and where == "body":
        return f"body must be a JSON object (Content-Type: application/json){needs}"
    if kind in _TYPE_NAMES:
        return f"{where} must be {_TYPE_NAMES[kind]}, got {shown_value(value)}"
    if kind == "ragged_matrix":
        return error["msg"]
    return f"{where}: {error['msg']}"


def readable(error: dict[str, Any], fields: tuple[str, ...] = (), required: tuple[str, ...] = ()) -> dict[str, Any]:
    """One pydantic error as {loc, msg, type}, the message naming the field (and position) and the rule.

    `fields` are the body's allowed field names, listed when a field is unknown; `required` its required ones.
    """
    loc = tuple(error.get("loc", ()))
    if loc[:1] != ("body",):
        loc = ("body", *loc)
    if error["type"] == "extra_forbidden":
        allowed = f"; the allowed fields are: {', '.join(fields)}" if fields else ""
        return {"loc": list(loc), "msg": f"unknown field {path(loc)!r}{allowed}", "type": "unknown_field"}
    return {"loc": list(loc), "msg": _message(error, path(loc), required), "type": error["type"]}
