"""HTTP routes of the JSON API: validation in (schemas), core objects out (encoding). No maths here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache, lru_cache
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from app.api.answers import AnswerCache, answer_key
from app.api.cpu import run_cpu_bound
from app.api.encoding import (
    encode_predict,
    encode_presets,
    encode_trace,
    encode_train,
    json_response,
)
from app.api.limits import buffered_body
from app.api.schemas import PredictRequest, SpecRequest, TraceRequest, TrainRequest
from app.core import LIMITS, PRESETS, NetworkSpec, compute_trace, make_spec, predict, train

Body = TypeVar("Body", bound=BaseModel)


class DirectRoute(APIRoute):
    """A documented route whose endpoint takes the Request and returns a finished Response.

    FastAPI lists it in OpenAPI and wraps it like any route (the app's exception handlers apply), but
    calls the endpoint as it is: no per-request dependency solving or response-model encoding, which
    these routes do not use and which cost about as much as the maths at n = 4 (bench/bench_trace.py).
    """

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        return self.endpoint


router = APIRouter()  # /healthz stays a plain FastAPI route: the benchmark's baseline
Endpoint = Callable[[Request], Awaitable[Response]]


def direct_post(path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """Like @router.post, for an endpoint that takes the Request and builds its Response (DirectRoute).

    On the same router, not a nested one: FastAPI wraps an included router per request, which costs
    about what DirectRoute saves.
    """

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["POST"], route_class_override=DirectRoute, **options)
        return endpoint

    return register

# Work (rows × parameters) up to this is computed inline on the event loop (well under a millisecond,
# cheaper than a thread hop); more goes to a worker thread.
INLINE_WORK = 20_000


async def run_sized(work: int, function: Callable[[], bytes]) -> bytes:
    """function() inline when `work` is small, else in a worker thread (app.api.cpu)."""
    return function() if work <= INLINE_WORK else await run_cpu_bound(function)

_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"description": "The request body is over the byte limit."},
    415: {"description": "The body is not sent as JSON."},
    422: {"description": "A field breaks a rule; each `detail` entry names the field (`loc`) and the rule (`msg`)."},
}


def _documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body the route parses itself: the model's schema, title and example included."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON (no Content-Type counts as JSON)."""
    content_type = request.headers.get("content-type", "application/json")
    if content_type == "application/json":  # the common case, without the parsing below
        return
    content_type = content_type.split(";", 1)[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise HTTPException(415, [{"loc": ["body"], "msg": f"the body must be JSON (Content-Type: application/json), "
                                   f"not {content_type}", "type": "content_type"}])


def parse_body(raw: bytes, model: type[Body]) -> Body:
    """The request body as `model`: parsed by orjson and validated by pydantic.

    That is 2–3× faster than FastAPI's json.loads + validation on these bodies. JSON that orjson refuses
    (malformed, or holding NaN / Infinity / 1e400) goes through pydantic's own JSON parser instead, which
    reads those as numbers so the finite-number rule can name their position, or says where the JSON breaks.
    """
    try:
        try:
            return model.model_validate(orjson.loads(raw))
        except orjson.JSONDecodeError:
            return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


async def remembered(request: Request, model: type[Body], compute: Callable[[Body], Awaitable[bytes]]) -> Response:
    """The answer to this exact body: replayed when it is remembered (app/api/answers.py), else parsed,
    computed and offered to the memory. Errors are raised, never kept."""
    require_json(request)
    raw = await buffered_body(request)
    answers: AnswerCache = request.app.state.answers
    key = answer_key(request.scope["path"], raw)
    content = answers.get(key)
    if content is None:
        content = await compute(parse_body(raw, model))
        answers.put(key, content)
    return json_response(content)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness probe (the Dockerfile's HEALTHCHECK)."""
    return {"status": "ok"}


@lru_cache(maxsize=512)
def _seeded_spec(arguments: tuple[tuple[str, Any], ...]) -> NetworkSpec:
    # Specs are immutable; many students load the same preset, so the seeded weights are drawn once.
    return make_spec(**dict(arguments))


def build_spec(body: SpecRequest) -> NetworkSpec:
    """The core's NetworkSpec for a request (SpecError when a rule is broken)."""
    arguments = body.spec_arguments()
    if arguments["weights"] is None and arguments["biases"] is None:
        return _seeded_spec(tuple(arguments.items()))
    return make_spec(**arguments)


@direct_post(
    "/api/trace",
    response_class=Response,
    responses={200: {"description": "Forward, backward, update, steps and graph (docs/contract.md)."}, **_ERRORS},
    summary="Forward pass, backward pass and one update, with every intermediate matrix",
    openapi_extra=_documented_body(TraceRequest),
)
async def trace(request: Request) -> Response:
    return await remembered(request, TraceRequest, trace_answer)


async def trace_answer(body: TraceRequest) -> bytes:
    spec = build_spec(body)
    X, y = body.data()  # compute_trace checks them against the spec (SpecError names the rule)
    passes = 1 + (2 * spec.n_params if body.gradcheck else 0)  # a gradient check: two passes per parameter
    work = len(X) * spec.n_params * passes
    return await run_sized(work, lambda: encode_trace(compute_trace(spec, X, y, gradcheck=body.gradcheck)))


@direct_post(
    "/api/predict",
    response_class=Response,
    responses={200: {"description": "The network's output for every row of X: {\"y_hat\": [[...]], \"warnings\": [...]}.",
                     "content": {"application/json": {"example": {"y_hat": [[0.868], [0.885], [0.9]], "warnings": []}}}},
               **_ERRORS},
    summary=f"The prediction ŷ for any inputs X (forward pass only, up to {LIMITS.max_predict_rows} rows)",
    openapi_extra=_documented_body(PredictRequest),
)
async def predict_outputs(request: Request) -> Response:
    return await remembered(request, PredictRequest, predict_answer)


async def predict_answer(body: PredictRequest) -> bytes:
    spec = build_spec(body)
    X = body.inputs()  # predict checks it against the spec (SpecError names the rule)
    return await run_sized(len(X) * spec.n_params, lambda: encode_predict(predict(spec, X)))


@direct_post(
    "/api/train",
    response_class=Response,
    responses={200: {"description": "Loss history, final weights and a few snapshots."}, **_ERRORS},
    summary="Full-batch gradient descent for a number of epochs",
    openapi_extra=_documented_body(TrainRequest),
)
async def train_network(request: Request) -> Response:
    return await remembered(request, TrainRequest, train_answer)


async def train_answer(body: TrainRequest) -> bytes:
    spec = build_spec(body)
    X, y = body.data()
    return await run_cpu_bound(lambda: encode_train(train(spec, X, y, body.epochs, body.snapshots)))


@cache
def _presets_json() -> bytes:
    return encode_presets(PRESETS)


@router.get(
    "/api/presets",
    response_class=Response,
    responses={200: {"description": "Ready-made request bodies: {\"presets\": [{id, title, description, request}]}."}},
    summary="Named example networks with data",
)
async def presets() -> Response:
    return json_response(_presets_json())
