"""The only place that turns core objects into JSON bytes.

orjson writes NumPy arrays directly (OPT_SERIALIZE_NUMPY), which is where the speed comes from: FastAPI's
default path (jsonable_encoder + lists) costs 15–200× the maths. Two rules on top of orjson:

- Non-finite numbers become the strings "NaN", "Infinity", "-Infinity" (orjson would write null, and
  standard JSON has no token for them). Only arrays that hold a non-finite number are converted to lists;
  a trace whose core check found every number finite (`Trace.finite`) is not searched at all.
- What does not change from answer to answer is encoded once and spliced in as pre-encoded bytes
  (orjson.Fragment): `steps` and `graph` per network structure, the spec per spec object, the ones of an
  identity layer's f' per shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import orjson

from app.core import ACTIVATIONS
from app.web.json import dumps

NONFINITE_WARNING = (
    "some values are not finite (shown as \"NaN\" or \"Infinity\"): the numbers overflowed; "
    "lower the learning rate or start from smaller weights"
)
# Distinct network structures whose steps and graph are kept encoded; a class uses a handful.
STRUCTURE_CACHE_SIZE = 256
_structure_cache: dict[Hashable, tuple[orjson.Fragment, orjson.Fragment]] = {}


# ---- non-finite numbers ------------------------------------------------------------------------------

def _nonfinite_name(x: float) -> str | float:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _is_finite(obj: Any) -> bool:
    """True when no float inside obj (arrays, floats, lists, tuples, dict values) is NaN or infinite."""
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind not in "fc" or bool(np.isfinite(obj).all())
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_is_finite(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_is_finite(v) for v in obj)
    return True


def _replace_in_list(values: Any) -> Any:
    if isinstance(values, list):
        return [_replace_in_list(v) for v in values]
    return _nonfinite_name(values) if isinstance(values, float) else values


def _with_strings(obj: Any) -> Any:
    """A copy of obj with every non-finite float written as its string; finite arrays are kept as arrays."""
    if isinstance(obj, np.ndarray):
        return obj if _is_finite(obj) else _replace_in_list(obj.tolist())
    if isinstance(obj, float):
        return _nonfinite_name(obj)
    if isinstance(obj, dict):
        return {k: _with_strings(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_with_strings(v) for v in obj]
    return obj


def finite_or_strings(obj: Any) -> tuple[Any, bool]:
    """(obj ready for `dumps`, whether anything was non-finite). The all-finite case returns obj itself."""
    if _is_finite(obj):
        return obj, False
    return _with_strings(obj), True


def encode(payload: dict[str, Any], warnings: list[str]) -> bytes:
    """Encode an answer whose numbers may overflow: non-finite values become strings plus a warning."""
    payload, overflowed = finite_or_strings(payload)
    if overflowed and not warnings:
        warnings = [*warnings, NONFINITE_WARNING]
    return dumps({**payload, "warnings": warnings})


# ---- cached pieces -----------------------------------------------------------------------------------

def structure_fragments(
    key: Hashable, build: Callable[[], tuple[Any, Any]]
) -> tuple[orjson.Fragment, orjson.Fragment]:
    """The (steps, graph) of one network structure as pre-encoded fragments; `build` runs on a miss."""
    cached = _structure_cache.get(key)
    if cached is None:
        steps, graph = build()
        cached = (orjson.Fragment(dumps(steps)), orjson.Fragment(dumps(graph)))
        if len(_structure_cache) >= STRUCTURE_CACHE_SIZE:
            _structure_cache.clear()
        _structure_cache[key] = cached
    return cached


# ---- the API's answers -------------------------------------------------------------------------------

def spec_payload(spec: Any) -> dict[str, Any]:
    """The normalised spec, with the weights (and biases) actually used."""
    return {
        "layers": spec.layers,
        "activations": spec.activations,
        "bias": spec.bias,
        "loss": spec.loss,
        "learning_rate": spec.learning_rate,
        "seed": spec.seed,
        "init": spec.init,
        "weights": spec.weights,
        "biases": spec.biases,
    }


def _gradcheck_payload(check: Any) -> dict[str, Any]:
    per_param = check.per_param
    if isinstance(per_param, dict):
        rows = [{"name": name, "max_rel_error": error} for name, error in per_param.items()]
    else:
        rows = [{"name": p.name, "max_rel_error": p.max_rel_error, "numeric": p.numeric} for p in per_param]
    return {"max_rel_error": check.max_rel_error, "per_param": rows}


# Specs whose JSON (weights included) is kept, by identity: a class sends the same seeded preset, whose
# spec the routes draw once (app.api.routes._seeded_spec). Each entry holds the spec, so its id stays its own.
SPEC_CACHE_SIZE = 256
_spec_cache: dict[int, tuple[Any, orjson.Fragment]] = {}
_ones_cache: dict[tuple[int, ...], orjson.Fragment] = {}


def _spec_fragment(spec: Any) -> orjson.Fragment:
    """spec_payload(spec) as pre-encoded JSON, encoded once per spec object."""
    cached = _spec_cache.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    fragment = orjson.Fragment(dumps(spec_payload(spec)))
    if len(_spec_cache) >= SPEC_CACHE_SIZE:
        _spec_cache.clear()
    _spec_cache[id(spec)] = (spec, fragment)
    return fragment


def _ones_fragment(shape: tuple[int, ...]) -> orjson.Fragment:
    """A matrix of ones (f' of an identity layer) as pre-encoded JSON, encoded once per shape."""
    fragment = _ones_cache.get(shape)
    if fragment is None:
        if len(_ones_cache) >= STRUCTURE_CACHE_SIZE:
            _ones_cache.clear()
        fragment = _ones_cache[shape] = orjson.Fragment(dumps(np.ones(shape)))
    return fragment


# A matrix of one column with at least this many rows is written as a flat list, then bracketed per row: orjson
# writes a matrix row by row, which costs about twice a flat list when each row holds one number (y, ∂L/∂ŷ, ŷ).
COLUMN_ROWS = 32


def _column(matrix: np.ndarray) -> np.ndarray | orjson.Fragment:
    """A tall one-column matrix of finite floats as pre-encoded JSON, byte for byte what `dumps` writes; any
    other matrix as it is. The flat list's numbers hold no comma, so each comma is a row boundary."""
    if matrix.ndim != 2 or matrix.shape[1] != 1 or matrix.shape[0] < COLUMN_ROWS:
        return matrix
    flat = dumps(matrix.ravel())
    return orjson.Fragment(b"[[" + flat[1:-1].replace(b",", b"],[") + b"]]")


def _trace_numbers(trace: Any, shared: bool) -> dict[str, Any]:
    """The number-holding part of a trace's answer: spec, forward, backward, updated.

    shared=True (all values finite) writes repeated matrices once: with an identity output O_K and ŷ are
    H_K itself, and f' of an identity layer is all ones; they go in as pre-encoded fragments (at n = 64
    that is a tenth of the numbers), and so does the spec, encoded once per spec. Tall one-column matrices
    go in as fragments too (_column).
    """
    spec = trace.spec
    X, y, H, O, y_hat, fprime = trace.X, trace.y, trace.H, trace.O, trace.y_hat, trace.fprime
    d = [(s.node, s.name, s.value) for s in trace.d]
    if shared:
        X, y = _column(X), _column(y)
        if y_hat is H[-1]:
            y_hat = _column(y_hat)
            if not isinstance(y_hat, orjson.Fragment):
                y_hat = orjson.Fragment(dumps(y_hat))
            H = [*H[:-1], y_hat]
            O = [*O[:-1], y_hat]
        fprime = [_ones_fragment(f.shape) if ACTIVATIONS[name].is_identity else _column(f)
                  for name, f in zip(spec.activations, fprime)]
        d = [(node, name, _column(value)) for node, name, value in d]
    return {
        "spec": _spec_fragment(spec) if shared else spec_payload(spec),
        "forward": {"X": X, "y": y, "H": H, "O": O, "y_hat": y_hat, "loss": trace.loss},
        "backward": {
            "d": [{"node": node, "name": name, "value": value} for node, name, value in d],
            "fprime": fprime,
            "dW": trace.dW,
            "db": trace.db,
        },
        "updated": {"W": trace.updated_W, "b": trace.updated_b},
    }


def encode_trace(trace: Any) -> bytes:
    """The JSON answer of POST /api/trace (docs/contract.md) for an app.core Trace.

    One orjson call. `trace.finite` (the core's own check) says whether any matrix can hold NaN or
    infinity; only then are the numbers searched and non-finite ones written as strings.
    """
    spec = trace.spec
    steps, graph = structure_fragments(
        spec.structure, lambda: ([step.to_dict() for step in trace.steps], trace.graph.to_dict())
    )
    numbers = _trace_numbers(trace, shared=trace.finite)
    overflowed = False
    if not trace.finite:
        numbers, overflowed = finite_or_strings(numbers)
    gradcheck = None
    if trace.gradcheck is not None:
        gradcheck, gradcheck_overflowed = finite_or_strings(_gradcheck_payload(trace.gradcheck))
        overflowed = overflowed or gradcheck_overflowed
    warnings = [NONFINITE_WARNING] if overflowed and not trace.warnings else trace.warnings
    return dumps({**numbers, "steps": steps, "graph": graph, "gradcheck": gradcheck, "warnings": warnings})


def encode_train(result: Any) -> bytes:
    """The JSON answer of POST /api/train for an app.core TrainResult."""
    snapshots = [
        {"epoch": s.epoch, "loss": s.loss, "weights": s.weights, "biases": s.biases} for s in result.snapshots
    ]
    payload = {
        "spec": spec_payload(result.spec),
        "epochs": result.epochs,
        "loss_history": np.asarray(result.loss_history, dtype=np.float64),  # one finiteness check, not 10 000
        "weights": result.weights,
        "biases": result.biases,
        "snapshots": snapshots,
        "stopped_at": result.stopped_at,
    }
    return encode(payload, list(result.warnings))


def encode_predict(y_hat: np.ndarray) -> bytes:
    """The JSON answer of POST /api/predict: {"y_hat": [[...]], "warnings": [...]} (non-finite as strings)."""
    return encode({"y_hat": y_hat}, [])


def encode_presets(presets: Any) -> bytes:
    """The JSON answer of GET /api/presets."""
    return dumps({"presets": [preset.to_dict() for preset in presets]})
