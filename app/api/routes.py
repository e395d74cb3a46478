"""HTTP routes of the JSON API: validation in (schemas), core objects out (encoding). No maths here."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from app.api.cpu import run_cpu_bound
from app.api.encoding import encode_presets, encode_trace, encode_train, json_response
from app.api.schemas import TraceRequest, TrainRequest
from app.core import PRESETS, NetworkSpec, compute_trace, make_spec, train

router = APIRouter()

# A trace whose rows × parameters stay under this is computed inline on the event loop (well under a
# millisecond, cheaper than a thread hop); bigger ones and gradient checks go to a worker thread.
INLINE_WORK = 20_000

_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"description": "The request body is over the byte limit."},
    422: {"description": "A field breaks a rule; each `detail` entry names the field (`loc`) and the rule (`msg`)."},
}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@lru_cache(maxsize=512)
def _seeded_spec(arguments: tuple[tuple[str, Any], ...]) -> NetworkSpec:
    # Specs are immutable; many students load the same preset, so the seeded weights are drawn once.
    return make_spec(**dict(arguments))


def build_spec(body: TraceRequest) -> NetworkSpec:
    """The core's NetworkSpec for a request (SpecError when a rule is broken)."""
    arguments = body.spec_arguments()
    if arguments["weights"] is None and arguments["biases"] is None:
        return _seeded_spec(tuple(arguments.items()))
    return make_spec(**arguments)


@router.post(
    "/api/trace",
    response_class=Response,
    responses={200: {"description": "The full trace: forward, backward, update, steps, graph (docs/contract.md)."}, **_ERRORS},
    summary="Forward pass, backward pass and one update, with every intermediate matrix",
)
async def trace(body: TraceRequest) -> Response:
    spec = build_spec(body)
    X, y = body.X, body.y  # compute_trace checks them against the spec (SpecError names the rule)
    if not body.gradcheck and len(X) * spec.n_params <= INLINE_WORK:
        return json_response(encode_trace(compute_trace(spec, X, y)))
    content = await run_cpu_bound(lambda: encode_trace(compute_trace(spec, X, y, gradcheck=body.gradcheck)))
    return json_response(content)


@router.post(
    "/api/train",
    response_class=Response,
    responses={200: {"description": "Loss history, final weights and a few snapshots."}, **_ERRORS},
    summary="Full-batch gradient descent for a number of epochs",
)
async def train_network(body: TrainRequest) -> Response:
    spec = build_spec(body)
    content = await run_cpu_bound(lambda: encode_train(train(spec, body.X, body.y, body.epochs, body.snapshots)))
    return json_response(content)


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
