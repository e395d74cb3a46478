"""HTTP routes of the JSON API: validation in (schemas), core objects out (encoding). No maths here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import Response
from starlette.routing import Match, get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.answers import AnswerCache, InFlight, Key, answer_key
from app.api.bodies import PARSE_INLINE_BYTES, check_body, parse_body, parse_body_off_loop
from app.api.cpu import INLINE_WORK, ComputePool
from app.api.encoding import encode_presets
from app.api.jobs import predict_job, trace_job, train_job, variant_job
from app.api.schemas import PredictRequest, SpecRequest, TraceRequest, TrainRequest
from app.core import (
    LIMITS,
    PRESETS,
    NetworkSpec,
    check_gradcheck_budget,
    check_train_budget,
    gradcheck_work,
    make_spec,
    train_work,
)
from app.core.presets import preset as find_preset
from app.core.variants import GENERATOR_VERSION, VARIANT_LIMITS, VERSIONS, VariantError, check_variant, variant_presets
from app.web.body_limit import buffered_body
from app.web.errors import ErrorAnswer, documented_errors, error_response
from app.web.json import json_response

Body = TypeVar("Body", bound=BaseModel)
Endpoint = Callable[[Request], Awaitable[Response]]


class DirectRoute(APIRoute):
    """A documented route whose endpoint takes the Request and returns a finished Response.

    FastAPI lists it in OpenAPI like any route, but the route's ASGI app calls the endpoint as it is: no
    per-request dependency solving or response-model encoding, which these routes do not use and which cost
    about as much as the maths at n = 4, and none of FastAPI's per-request wrapping either (two exit stacks
    and an exception-handling layer: the app's ExceptionMiddleware, one layer out, answers the same errors
    with the same handlers). That relies on Starlette's Route.handle calling `self.app` (a framework internal,
    pinned in pyproject.toml; tests/api/test_routes.py fails when it changes). bench/bench_trace.py
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        self.app = _direct_app(self.endpoint)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # A path without parameters: another path is told apart by one comparison, so that the requests
        # tried against these routes first (/healthz among them) pay next to nothing for them.
        if scope["type"] == "http" and get_route_path(scope) != self.path:
            return Match.NONE, {}
        return super().matches(scope)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        return self.endpoint


def _direct_app(endpoint: Endpoint) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)

    return app


router = APIRouter()  # /healthz stays a plain FastAPI route: the benchmark's baseline
# The DirectRoutes, added to the app's own router by add_direct_routes: a route of an included router is run
# through FastAPI's per-request wrapper whatever its class, and matched through the inclusion's bookkeeping
# (about 20,000 instructions a route tried); on the app's router, ahead of the included ones, the route's own
# app runs.
_direct_routes: list[tuple[str, Endpoint, dict[str, Any]]] = []


def direct_post(path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """Like @router.post, for an endpoint that takes the Request and builds its Response (DirectRoute)."""

    def register(endpoint: Endpoint) -> Endpoint:
        _direct_routes.append((path, endpoint, options))
        return endpoint

    return register


def add_direct_routes(app_router: APIRouter) -> None:
    """Add the API's POST routes to the app's own router (app.router), as DirectRoutes."""
    for path, endpoint, options in _direct_routes:
        app_router.add_api_route(path, endpoint, methods=["POST"], route_class_override=DirectRoute, **options)


# What a POST with a body can be refused with besides what the layers in front of every route answer
# (app/web/errors.py's LAYER_ERRORS, added to /openapi.json by app/main.py); 503 also when the pool is full.
_ERRORS = documented_errors(400, 422, 503)


def _documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body the route parses itself: the model's schema, title and example included."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


@dataclass(frozen=True)
class Job:
    """A computation to run: its size in the core's units (app/api/cpu.py) and the job function with its arguments."""

    work: int
    function: Callable[..., bytes]
    args: tuple[Any, ...]


Prepare = Callable[[Body], Job]


async def remembered(request: Request, model: type[Body], prepare: Prepare[Body]) -> Response:
    """The answer to this exact body: replayed when it is remembered (app/api/answers.py), else parsed, computed
    and offered to the memory. Errors are raised, never kept.

    A small body whose work is small is parsed and computed right here, with no await in between: no identical
    request can be in flight meanwhile, so there is nothing to share, and the one-off trace a student's click
    sends pays for no future, task or queue. Anything bigger goes through the requests in flight (an identical
    one shares its computation) and the compute pool, which are the server run's (app/main.py's lifespan)."""
    raw = await buffered_body(request)
    scope = request.scope
    path = scope["path"]
    check_body(path, scope["headers"], raw)
    answers: AnswerCache = request.app.state.answers
    key = answer_key(path, raw)
    content = answers.get(key)
    if content is None:
        job = prepare(parse_body(raw, model)) if len(raw) <= PARSE_INLINE_BYTES else None
        if job is not None and job.work <= INLINE_WORK:
            content = job.function(*job.args)
        else:
            content = await _computed_once(scope["state"], key, job, raw, model, prepare)
        answers.put(key, content)
    return json_response(content)


async def _computed_once(state: dict[str, Any], key: Key, job: Job | None, raw: bytes, model: type[Body],
                         prepare: Prepare[Body]) -> bytes:
    """The job's answer from the compute pool, computed once for every identical request in flight; a large body
    (job None) is parsed inside that shared computation, off the loop, so only once too."""
    pool: ComputePool = state["compute"]

    async def compute() -> bytes:
        ready = job or prepare(await parse_body_off_loop(raw, model))
        return await pool.run(ready.work, ready.function, *ready.args)

    in_flight: InFlight = state["in_flight"]
    return await in_flight.share(key, compute)


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


def trace_answer(body: TraceRequest) -> Job:
    spec = build_spec(body)
    X, y = body.data()  # compute_trace checks them against the spec (SpecError names the rule)
    work = len(X) * spec.n_params
    if body.gradcheck:
        check_gradcheck_budget(spec, len(X))  # refused here, before it takes a place in a queue
        work += gradcheck_work(spec, len(X))
    return Job(work, trace_job, (spec, X, y, body.gradcheck))


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


def predict_answer(body: PredictRequest) -> Job:
    spec = build_spec(body)
    X = body.inputs()  # predict checks it against the spec (SpecError names the rule)
    return Job(len(X) * spec.n_params, predict_job, (spec, X))


@direct_post(
    "/api/train",
    response_class=Response,
    responses={200: {"description": "Loss history, final weights and a few snapshots."}, **_ERRORS},
    summary="Full-batch gradient descent for a number of epochs",
    openapi_extra=_documented_body(TrainRequest),
)
async def train_network(request: Request) -> Response:
    return await remembered(request, TrainRequest, train_answer)


def train_answer(body: TrainRequest) -> Job:
    spec = build_spec(body)
    X, y = body.data()
    check_train_budget(spec, len(X), body.epochs)  # refused here, before it takes a place in a queue
    return Job(train_work(spec, len(X), body.epochs), train_job, (spec, X, y, body.epochs, body.snapshots))


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


# A variant costs a few small traces (its draws until one keeps the rules): the small lane, not inline.
_VARIANT_WORK = 2 * 20_000


@router.get(
    "/api/presets/{preset_id}/variants/{variant}",
    response_class=Response,
    responses={200: {"description": "Variant `variant` of the preset: a ready request body, the same shape as the "
                                    "preset's `request` (its own X, y, weights and biases, made for hand calculation)."},
               422: {"model": ErrorAnswer, "description": "No such preset (ctx.rule unknown_preset), a preset without "
                     "variants: its network is too large to compute by hand (no_variants), a variant that is not a "
                     f"whole number from {VARIANT_LIMITS.min_variant} to {VARIANT_LIMITS.max_variant} (variant_range), "
                     "or an unknown generator version (variant_version)."}},
    summary=f"Exercise variants: the same network with other numbers, drawn deterministically from (generator version, "
            f"preset, variant); presets with variants: {', '.join(variant_presets())}",
    openapi_extra={"parameters": [
        {"name": "preset_id", "in": "path", "required": True, "description": "A preset with variants.",
         "schema": {"type": "string", "enum": list(variant_presets())}},
        {"name": "variant", "in": "path", "required": True, "description": "The variant number.",
         "schema": {"type": "integer", "minimum": VARIANT_LIMITS.min_variant, "maximum": VARIANT_LIMITS.max_variant}},
        {"name": "version", "in": "query", "required": False,
         "description": "The generator version (older versions stay reproducible).",
         "schema": {"type": "integer", "enum": sorted(VERSIONS), "default": GENERATOR_VERSION}},
    ]},
)
async def preset_variant(request: Request) -> Response:
    """The same (version, preset, variant) gives the same numbers on every machine and in every later release.
    The route checks its parameters itself, so each refusal names its rule (ctx.rule)."""
    preset_id, variant = request.path_params["preset_id"], request.path_params["variant"]
    raw_version = request.query_params.get("version", str(GENERATOR_VERSION))
    version = int(raw_version) if raw_version.isascii() and raw_version.isdigit() and len(raw_version) <= 9 else raw_version
    try:
        find_preset(preset_id)
    except KeyError:
        return _variant_error(422, "preset_id", "unknown_preset", f"there is no preset {preset_id!r}")
    number = int(variant) if variant.isascii() and variant.isdigit() and len(variant) <= 9 else variant
    try:
        check_variant(preset_id, number, version)
    except VariantError as error:
        where = {"preset": "preset_id", "variant": "variant", "version": "version"}[error.field]
        return _variant_error(422, where, error.rule, str(error))
    answers: AnswerCache = request.app.state.answers
    key = answer_key(f"/api/presets/{preset_id}/variants/{number}?version={version}", b"")
    content = answers.get(key)
    if content is None:
        pool: ComputePool = request.state.compute
        content = await pool.run(_VARIANT_WORK, variant_job, preset_id, number, version)
        answers.put(key, content)
    return json_response(content)


def _variant_error(status: int, field: str, rule: str, message: str) -> Response:
    loc = ["query" if field == "version" else "path", field]
    ctx = {"rule": rule, "min": VARIANT_LIMITS.min_variant, "max": VARIANT_LIMITS.max_variant,
           "presets": list(variant_presets())}
    return error_response(status, [{"loc": loc, "msg": f"{field}: {message}", "type": "variant_error", "ctx": ctx}])
