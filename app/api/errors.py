"""Client mistakes → 4xx answers whose messages name the field and the rule.

Every error keeps FastAPI's shape, {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}, but the
messages are rewritten to read as sentences ("X[2][1] is NaN: …"), the offending input is quoted by a short
excerpt at most, never echoed whole (it may be NaN, which JSON cannot carry, or megabytes long), and at most
MAX_ERRORS are listed (app/web/errors.py: the shape, HTTPException's answers and the documented statuses).
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.api.bodies import BODY_MODELS
from app.core import EXCERPT_CHARS, SpecError, shown
from app.web.body_limit import BodyLimitMiddleware, BodyRefused
from app.web.errors import MAX_ERRORS, error_response, http_error_handler

_INDEX = re.compile(r"\[(\d+)\]")


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
    app.add_exception_handler(BodyRefused, body_refused_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_middleware(BodyLimitMiddleware, max_bytes=app.state.settings.max_body_bytes)


async def validation_error_handler(request: Request, exc: RequestValidationError) -> Response:
    """422 with a readable message per pydantic error; only the errors shown are made readable."""
    path = request.url.path
    fields, required = body_fields(path)
    model = BODY_MODELS.get(path)
    schema = body_schema(model) if model is not None else None
    errors = exc.errors()
    listed = [readable(error, fields, required, schema) for error in errors[:MAX_ERRORS]]
    return error_response(422, listed, total=len(errors))


async def body_refused_handler(request: Request, exc: BodyRefused) -> Response:
    """The status and message of a body refused before parsing (app/api/bodies.py)."""
    return error_response(exc.status, exc.detail())


@cache
def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of a body (the one /openapi.json shows): messages state its bounds and names."""
    return model.model_json_schema()


def schema_at(schema: dict[str, Any], loc: tuple[Any, ...]) -> dict[str, Any]:
    """The schema of the value at loc ("X", 2, 1) in a body's schema; {} where the schema says nothing."""
    node = schema
    for part in loc:
        node = _non_null(node)
        node = node.get("properties", {}).get(part, {}) if isinstance(part, str) else node.get("items", {})
    return _non_null(node)


def _non_null(node: dict[str, Any]) -> dict[str, Any]:
    """The first branch of an anyOf that is not null (an optional field; y's matrix before its flat form)."""
    for branch in node.get("anyOf", ()):
        if branch.get("type") != "null":
            return branch
    return node


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
    """How an offending input is named in a message: spelt as in JSON, and short whatever its size."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return shown(value)


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


def _message(error: dict[str, Any], where: str, required: tuple[str, ...], rule: dict[str, Any]) -> str:
    kind, value = error["type"], error.get("input")
    needs = f" with at least {' and '.join(required)}" if required else ""
    if kind == "json_invalid":
        if error.get("input") == b"":
            return f"body is empty: send a JSON object{needs}"
        return f"body is not valid JSON: {error.get('ctx', {}).get('error', error['msg'])}"
    if kind == "finite_number":
        return (f"{where} is {shown_value(value)}: every number must be finite "
                "(no NaN or Infinity; 1e400 overflows to Infinity)")
    if kind in ("too_short", "too_long"):
        return _length_message(error, where, rule)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{where} is {shown_value(value)}; it must be {_range(rule)}"
    if kind == "literal_error" and "enum" in rule:
        return f"{where} is {shown_value(value)}; allowed: {', '.join(rule['enum'])}"
    if kind == "missing":
        return f"{where} is required"
    if kind in ("model_type", "model_attributes_type", "dict_type") and where == "body":
        return f"body must be a JSON object (Content-Type: application/json){needs}"
    if kind in _TYPE_NAMES:
        return f"{where} must be {_TYPE_NAMES[kind]}, got {shown_value(value)}"
    if kind == "ragged_matrix":
        return error["msg"]
    return f"{where}: {error['msg']}"


def _excerpt(part: Any) -> Any:
    if isinstance(part, str) and len(part) > EXCERPT_CHARS:
        return part[:EXCERPT_CHARS - 1] + "…"
    return part


def readable(error: dict[str, Any], fields: tuple[str, ...] = (), required: tuple[str, ...] = (),
             schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """One pydantic error as {loc, msg, type}, the message naming the field (and position) and the rule.

    `fields` are the body's allowed field names, listed when a field is unknown; `required` its required ones;
    `schema` its JSON Schema, whose bounds and names a broken bound or an unknown name is told.
    """
    loc = tuple(_excerpt(part) for part in error.get("loc", ()))  # a field name may be megabytes long
    if loc[:1] != ("body",):
        loc = ("body", *loc)
    if error["type"] == "extra_forbidden":
        allowed = f"; the allowed fields are: {', '.join(fields)}" if fields else ""
        return {"loc": list(loc), "msg": f"unknown field {path(loc)!r}{allowed}", "type": "unknown_field"}
    rule = schema_at(schema, loc[1:]) if schema else {}
    entry = {"loc": list(loc), "msg": _message(error, path(loc), required, rule), "type": error["type"]}
    page_rule = _page_rule(loc, error, rule)
    if page_rule is not None:
        entry["ctx"] = page_rule
    return entry


_BOUND_TYPES = frozenset({"greater_than_equal", "less_than_equal", "greater_than", "less_than"})


def _page_rule(loc: tuple[Any, ...], error: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any] | None:
    """The core's rule name and numbers for a bound the schema found first (the same `ctx` a SpecError carries),
    so the page words it in its own language (static/js/lib/problems.js); None for other errors."""
    value, where = error.get("input"), loc[1:]
    if error["type"] == "too_long" and where in (("X",), ("y",)) and isinstance(value, list):
        return {"rule": "rows_range", "rows": len(value), "max": rule.get("maxItems")}
    if error["type"] not in _BOUND_TYPES:
        return None
    if rule.get("exclusiveMinimum") == 0:
        return {"rule": "positive"}
    if rule.get("type") == "integer" and "minimum" in rule and "maximum" in rule:
        bounds = {"min": rule["minimum"], "max": rule["maximum"]}
        if len(where) == 2 and where[0] == "layers" and isinstance(value, int) and abs(value) < 2**53:
            return {"rule": "width_range", "value": value, **bounds}
        return {"rule": "int_range", **bounds}
    return None


# What the entries of each list are called in messages ("X has 513 rows"); nested lists hold rows or values.
_ENTRIES = {"X": "rows", "y": "rows", "layers": "widths", "activations": "names", "weights": "matrices",
            "biases": "vectors"}


def _length_message(error: dict[str, Any], where: str, rule: dict[str, Any]) -> str:
    ctx, value = error.get("ctx", {}), error.get("input")
    count = len(value) if isinstance(value, list) else ctx.get("actual_length", 0)
    top = where.split("[", 1)[0]
    nested = "rows" if rule.get("items", {}).get("type") == "array" else "values"
    entries = _ENTRIES.get(top, "values") if top == where else nested
    low, high = rule.get("minItems", ctx.get("min_length")), rule.get("maxItems", ctx.get("max_length"))
    if error["type"] == "too_short" or high is None:
        return f"{where} has {count} {entries}; it needs at least {low}"
    return f"{where} has {count} {entries}; it must have from {low} to {high}"


def _range(rule: dict[str, Any]) -> str:
    """A number's bounds as words: "a whole number from 0 to 4294967295", "a number greater than 0"."""
    kind = "a whole number" if rule.get("type") == "integer" else "a number"
    if "minimum" in rule and "maximum" in rule:
        return f"{kind} from {rule['minimum']} to {rule['maximum']}"
    bounds = []
    for key, words in (("minimum", "at least"), ("exclusiveMinimum", "greater than"),
                       ("maximum", "at most"), ("exclusiveMaximum", "less than")):
        if key in rule:
            bounds.append(f"{words} {rule[key]}")
    return f"{kind} {' and '.join(bounds)}"
