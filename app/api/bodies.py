"""Request bodies from raw bytes to validated models: their encoding and size checked first, then parsed.

Parsing is the one step whose cost the client chooses: a 2 MB body of 700,000 empty strings makes orjson
build 700,000 objects and pydantic report 700,000 errors, seconds of a blocked event loop for everyone.
So each endpoint has a budget, the largest body an honest client can send it, derived from the core's
limits (rows, layers, widths), and a body is counted against it with `bytes.count` (well under a
millisecond for 2 MB) before a single value is built: more commas than the budget has values, more
brackets than it has lists, or far more colons than it has fields, and the body is refused with 422 (it is
within the byte limit, app/web/body_limit.py, whose 413 stays one setting: bytes cost little, the objects built
from them do).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import anyio.to_thread
import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic_core import SchemaValidator

from app.api.schemas import PredictRequest, TraceRequest, TrainRequest
from app.core import LIMITS
from app.web.body_limit import BodyRefused

# The body each path takes.
BODY_MODELS: dict[str, type[BaseModel]] = {
    "/api/trace": TraceRequest,
    "/api/train": TrainRequest,
    "/api/predict": PredictRequest,
}
# Field names a body may hold per field it takes: room for misspelt names, which the 422 then lists.
KEYS_PER_FIELD = 2
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class BodyBudget:
    """The most an honest body of one endpoint holds: JSON values (numbers, strings, …), lists and fields."""

    values: int
    lists: int
    fields: int


def honest_budget(model: type[BaseModel], rows: int) -> BodyBudget:
    """The budget of a body of `model` whose data matrices (X, and y if it has one) have up to `rows` rows:
    every matrix, weight and bias at the core's largest size, one value for each other field."""
    width, depth = LIMITS.max_width, LIMITS.max_layers
    fields = tuple(model.model_fields)
    matrices = [name for name in ("X", "y") if name in fields]
    shaped = {
        "weights": (depth * width * width, depth * (width + 1) + 1),
        "biases": (depth * width, depth + 1),
        "layers": (depth + 1, 1),
        "activations": (depth, 1),
        **{name: (rows * width, rows + 1) for name in matrices},
    }
    values = sum(shaped.get(name, (1, 0))[0] for name in fields)
    lists = sum(shaped.get(name, (1, 0))[1] for name in fields)
    return BodyBudget(values=values, lists=lists, fields=len(fields))


BODY_BUDGETS: dict[str, BodyBudget] = {
    path: honest_budget(model, LIMITS.max_predict_rows if model is PredictRequest else LIMITS.max_rows)
    for path, model in BODY_MODELS.items()
}


def check_encoding(headers: Iterable[tuple[bytes, bytes]], raw: bytes) -> None:
    """BodyRefused unless the body is plain UTF-8 JSON: not compressed, no byte-order mark, not UTF-16/32.

    `headers` are the ASGI scope's (name, value) byte pairs, read in one pass without decoding them all."""
    for name, value in headers:
        if name == b"content-encoding" and value.strip().lower() != b"identity":
            coding = value.decode("latin-1").strip()[:40]
            raise BodyRefused(415, "content_encoding", f"the body is sent with Content-Encoding: {coding}; "
                                                       "send it uncompressed, without a Content-Encoding header")
        if name == b"content-type" and b";" in value:
            charset = _charset(value.decode("latin-1"))
            if charset not in ("", "utf-8", "utf8"):
                raise BodyRefused(415, "charset", f"the body is declared as {charset[:40]}; JSON must be UTF-8")
    if raw.startswith(GZIP_MAGIC):
        raise BodyRefused(415, "compressed_body", "the body is gzip-compressed data, not JSON text; send it "
                                                  "uncompressed")
    if raw.startswith(UTF8_BOM):
        raise BodyRefused(400, "byte_order_mark", "the body starts with a UTF-8 byte-order mark (EF BB BF); "
                                                  "send the JSON without it")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4]:
        raise BodyRefused(400, "not_utf8", "the body is UTF-16 or UTF-32 text; JSON must be sent as UTF-8")


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def check_size(path: str, raw: bytes) -> None:
    """BodyRefused 422 when the body holds more values, lists or fields than `path`'s largest honest body.

    A 422, not a 413: the body is within the byte limit, it asks for more than the endpoint takes. Each byte
    holds at most one comma or bracket, so a body shorter than a budget cannot break it and is not counted
    (a one-off trace is: only its colons are)."""
    budget = BODY_BUDGETS[path]
    if len(raw) > budget.values + budget.fields:
        commas = raw.count(b",")
        if commas > budget.values + budget.fields:
            raise BodyRefused(422, "too_many_values", f"the body holds {commas:,} commas: the largest {path} "
                                                      f"body has at most {budget.values + budget.fields:,} values and "
                                                      "fields")
    if len(raw) > budget.lists + 1:
        lists = raw.count(b"[") + raw.count(b"{")
        if lists > budget.lists + 1:
            raise BodyRefused(422, "too_many_lists", f"the body opens {lists:,} lists or objects: the largest {path} "
                                                     f"body has at most {budget.lists + 1:,}")
    colons = raw.count(b":")
    if colons > KEYS_PER_FIELD * budget.fields:
        raise BodyRefused(422, "too_many_fields", f"the body holds {colons:,} colons (one per field name): "
                                                  f"the largest {path} body has {budget.fields} fields")


def check_body(path: str, headers: Iterable[tuple[bytes, bytes]], raw: bytes) -> None:
    """Both checks above, encoding first (a compressed body's byte counts mean nothing)."""
    check_encoding(headers, raw)
    check_size(path, raw)


# ---- parsing ------------------------------------------------------------------------------------------

# Bodies with up to this many values are validated in full: every bad value is found (the answer lists
# MAX_ERRORS of them). Larger ones stop each list at its first bad value: pydantic spends about 3 µs on
# each error it collects, and a body within budget can still hold 67,000 bad values.
LISTED_VALUES = 2_000
# Bodies up to this size are parsed on the event loop (about a millisecond); larger ones in a worker thread,
# where orjson and pydantic still hold the GIL, but one call at a time: the loop runs between them.
PARSE_INLINE_BYTES = 64 * 1024
Body = TypeVar("Body", bound=BaseModel)


async def parse_body_off_loop(raw: bytes, model: type[Body]) -> Body:
    """parse_body, in a worker thread when the body is large."""
    if len(raw) <= PARSE_INLINE_BYTES:
        return parse_body(raw, model)
    return await anyio.to_thread.run_sync(parse_body, raw, model)


def parse_body(raw: bytes, model: type[Body]) -> Body:
    """The request body as `model`: parsed by orjson and validated by pydantic.

    That is 2–3× faster than FastAPI's json.loads + validation on these bodies. JSON that orjson refuses
    (malformed, or holding NaN / Infinity / 1e400 / integers past 64 bits) goes through pydantic's own
    JSON parser instead, which reads those as numbers so the rules can name them, or says where the JSON
    breaks. So does a body in which orjson read an integer past 64 bits as a float (2**64 would be
    reported as 1.8446744073709552e+19).
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    try:
        return _validated(model, raw, data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    if data is not None and _integer_read_as_float(errors):
        try:
            return _validated(model, raw, None)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
    raise RequestValidationError(errors)


def _validated(model: type[Body], raw: bytes, data: Any) -> Body:
    """Validate `data` (or `raw` with pydantic's parser when None); big bodies stop at each list's first error.

    A big body that passes the first-error check is validated once more by the model itself (about 1 ms
    for the largest), so whatever rules the model adds beyond its fields still apply."""
    if len(raw) > LISTED_VALUES and raw.count(b",") > LISTED_VALUES:  # a comma needs a byte
        first_errors = _first_error_validator(model)
        if data is None:
            first_errors.validate_json(raw)
        else:
            first_errors.validate_python(data)
    return model.model_validate_json(raw) if data is None else model.model_validate(data)


def _integer_read_as_float(errors: list[Any]) -> bool:
    return any(error["type"].startswith("int_") and isinstance(error.get("input"), float) for error in errors)


@cache
def _first_error_validator(model: type[BaseModel]) -> SchemaValidator:
    """A validator of `model`'s fields whose every list stops at its first bad item (pydantic's fail_fast).

    It validates the fields (their types and field validators), not the model: pydantic-core would reuse
    the model's own validator for a schema naming the model's class.
    """
    schema = copy.deepcopy(model.__pydantic_core_schema__)
    _set_fail_fast(schema)
    return SchemaValidator(schema["schema"], schema.get("config"))


def _set_fail_fast(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "list":
            node["fail_fast"] = True
        for value in node.values():
            _set_fail_fast(value)
    elif isinstance(node, list):
        for value in node:
            _set_fail_fast(value)
