"""Error answers for every part of the server, in one shape: {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}.

At most MAX_ERRORS entries are listed. The API (app/api/errors.py) words its validation errors into this shape;
the classroom, the cross-site guard and the body limit answer in it; an HTTPException (404, 405, 503 …) is turned
into it here. `documented_errors` states the statuses a route answers in /openapi.json, and `LAYER_ERRORS` those
that the layers in front of every route answer (`document_layer_errors` adds them to each operation).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.web.body_limit import BODY_TIMEOUT_SECONDS
from app.web.json import dumps, json_response

MAX_ERRORS = 20


class ErrorEntry(BaseModel):
    """One thing wrong with a request."""

    loc: list[str | int] = Field(
        description='Where: "body", then the field and its indices, e.g. ["body", "X", 2, 1].'
    )
    msg: str = Field(description="What is wrong, naming the field and the rule.")
    type: str = Field(description="The kind of mistake, for programs: e.g. missing, spec_error, body_too_large.")
    ctx: dict[str, Any] | None = Field(
        default=None,
        description="For a rule a person can break from the page's editor: the rule's name (`rule`) and its numbers, "
                    "so a client can word the message in its own language.",
    )


class ErrorAnswer(BaseModel):
    """Every refusal, whatever its status: the list of what is wrong."""

    detail: list[ErrorEntry] = Field(
        min_length=1, description=f"Up to {MAX_ERRORS} entries, then one saying how many more were left out."
    )


# Why each error status is answered; every one carries an ErrorAnswer.
ERROR_STATUSES = {
    400: "The request is malformed: a Host header this server does not answer to, a Content-Length that is not a "
         "number, or a body that is not UTF-8 text (a byte-order mark, UTF-16 or UTF-32).",
    403: "The request comes from a page on another site: its Origin is neither this server's nor one of "
         "BACKPROP_ALLOWED_ORIGINS.",
    408: f"The body did not arrive within {BODY_TIMEOUT_SECONDS:g} s.",
    413: "The body is over the byte limit (BACKPROP_MAX_BODY_BYTES).",
    415: "The body is not declared as JSON (send it with Content-Type: application/json), or is compressed.",
    422: "A field breaks a rule: one the body's schema states, or one of the rules between fields listed in the "
         "body's description; or the body holds more values, lists or fields than the largest allowed body of this "
         "endpoint (counted before parsing). Each entry names the field (`loc`) and the rule (`msg`).",
    503: "The server is busy (too many computations waiting, or too many connections open): try again after "
         "Retry-After seconds.",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}


def documented_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error statuses a route can answer, each with the ErrorAnswer body."""
    return {
        status: {"model": ErrorAnswer, "description": ERROR_STATUSES[status],
                 **({"headers": _RETRY_AFTER} if status == 503 else {})}
        for status in statuses
    }


def error_response(status_code: int, errors: list[dict[str, Any]], total: int | None = None) -> Response:
    """The {"detail": [...]} answer: at most MAX_ERRORS entries, plus one saying how many of `total` (the
    number of errors found, when more were found than passed in) were left out."""
    listed = errors[:MAX_ERRORS]
    more = (len(errors) if total is None else total) - len(listed)
    if more > 0:
        listed.append({"loc": ["body"], "msg": f"… and {more} more errors like these", "type": "too_many_errors"})
    return json_response(dumps({"detail": listed}), status_code=status_code)


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> Response:
    """An HTTPException (404, 405, 415, 503 …) in the same {"detail": [...]} shape as every other error;
    a plain-text detail becomes one entry whose type is the status's name ("service_unavailable")."""
    if exc.status_code in (204, 304):  # answers without a body
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail
    if not isinstance(detail, list):
        detail = [{"loc": [], "msg": str(detail), "type": _status_name(exc.status_code)}]
    response = error_response(exc.status_code, detail)
    response.headers.update(exc.headers or {})
    return response


def _status_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"




# What the layers in front of every route answer (app/server.py, app/cross_site.py, app/web/body_limit.py): any
# request can meet a foreign Host (400) or a full server (503); a request with a body also a foreign Origin (403),
# a late (408), oversized (413) or undeclared (415) body.
LAYER_ERRORS = {"get": (400, 503), "head": (400, 503), "post": (400, 403, 408, 413, 415, 503),
                "put": (400, 403, 408, 413, 415, 503), "patch": (400, 403, 408, 413, 415, 503),
                "delete": (400, 403, 503)}
ERROR_ANSWER_REF = {"$ref": "#/components/schemas/ErrorAnswer"}


def document_layer_errors(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add to every operation of an OpenAPI document the statuses its method can meet before the route runs (a
    status the route documents itself keeps the route's description), each with the ErrorAnswer body."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorAnswer" not in schemas:
        schemas.update(ErrorAnswer.model_json_schema(ref_template="#/components/schemas/{model}")["$defs"])
        schemas["ErrorAnswer"] = {key: value for key, value in ErrorAnswer.model_json_schema(
            ref_template="#/components/schemas/{model}").items() if key != "$defs"}
    for operations in openapi.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in LAYER_ERRORS.get(method, ()):
                entry = responses.setdefault(str(status), {"description": ERROR_STATUSES[status]})
                entry.setdefault("content", {"application/json": {"schema": ERROR_ANSWER_REF}})
                if status == 503:
                    entry.setdefault("headers", _RETRY_AFTER)
    return openapi
