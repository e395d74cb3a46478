"""The only place that turns core objects into JSON bytes.

orjson writes NumPy arrays directly (OPT_SERIALIZE_NUMPY), which is where the speed comes from: FastAPI's
default path (jsonable_encoder + lists) costs 15–200× the maths. Two rules on top of orjson:

- Non-finite numbers become the strings "NaN", "Infinity", "-Infinity" (orjson would write null, and
  standard JSON has no token for them). The all-finite answer pays one byte search (see
  `encoded_numbers`); only arrays that hold a non-finite number are converted to lists.
- `steps` and `graph` depend only on the network's structure, so they are encoded once per structure and
  spliced into every answer as pre-encoded bytes (orjson.Fragment).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import orjson
from starlette.responses import Response

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY
NONFINITE_WARNING = (
    "some values are not finite (shown as \"NaN\" or \"Infinity\"): the numbers overflowed; "
    "lower the learning rate or start from smaller weights"
)
# Distinct network structures whose steps and graph are kept encoded; a class uses a handful.
STRUCTURE_CACHE_SIZE = 256
_structure_cache: dict[Hashable, tuple[orjson.Fragment, orjson.Fragment]] = {}


def _default(obj: Any) -> Any:
    """What orjson cannot write natively: non-contiguous or non-float arrays, read-only mappings, sets."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            return np.ascontiguousarray(obj)
        return obj.tolist()
    if isinstance(obj, Mapping):  # e.g. MappingProxyType, which orjson does not know
        return dict(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")


def dumps(obj: Any) -> bytes:
    """Encode to JSON bytes; arrays are written directly. Does not replace non-finite numbers: see `encode`."""
    return orjson.dumps(obj, option=_OPTIONS, default=_default)


def json_response(content: bytes, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response around bytes that are already encoded."""
    return Response(content=content, status_code=status_code, headers=headers, media_type="application/json")


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


def _gradcheck_payload(check: Any) -> dict[str, Any] | None:
    if check is None:
        return None
    per_param = check.per_param
    if isinstance(per_param, dict):
        rows = [{"name": name, "max_rel_error": error} for name, error in per_param.items()]
    else:
        rows = [{"name": p.name, "max_rel_error": p.max_rel_error} for p in per_param]
    return {"max_rel_error": check.max_rel_error, "per_param": rows}


def encoded_numbers(value: dict[str, Any], known_finite: bool = False) -> tuple[bytes, bool]:
    """(value as JSON bytes, whether it held a non-finite number), for a dict that contains no None.

    Fast path: orjson writes NaN and ±inf as null, so when such a value encodes without a "null" every
    number in it is finite, found by one byte search instead of an np.isfinite per array. A "null" (or a
    string that happens to contain one) sends it down the slow path, which converts only the affected arrays.
    `known_finite` (the core already checked every matrix) skips the search too.
    """
    raw = dumps(value)
    if known_finite or b"null" not in raw:
        return raw, False
    value, overflowed = finite_or_strings(value)
    return (dumps(value) if overflowed else raw), overflowed


def _joined(first: bytes, second: bytes) -> bytes:
    """Two encoded JSON objects as one: {"a":1} + {"b":2} -> {"a":1,"b":2}."""
    return first[:-1] + b"," + second[1:]


def encode_trace(trace: Any) -> bytes:
    """The JSON answer of POST /api/trace (docs/contract.md) for an app.core Trace."""
    spec = trace.spec
    steps, graph = structure_fragments(
        spec.structure, lambda: ([step.to_dict() for step in trace.steps], trace.graph.to_dict())
    )
    numbers, overflowed = encoded_numbers({
        "spec": spec_payload(spec),
        "forward": {"X": trace.X, "y": trace.y, "H": trace.H, "O": trace.O, "y_hat": trace.y_hat, "loss": trace.loss},
        "backward": {
            "d": [{"node": s.node, "name": s.name, "value": s.value} for s in trace.d],
            "fprime": trace.fprime,
            "dW": trace.dW,
            "db": trace.db,
        },
        "updated": {"W": trace.updated_W, "b": trace.updated_b},
    }, known_finite=trace.finite)
    gradcheck, gradcheck_overflowed = finite_or_strings(_gradcheck_payload(trace.gradcheck))
    warnings = list(trace.warnings)
    if (overflowed or gradcheck_overflowed) and not warnings:
        warnings.append(NONFINITE_WARNING)
    rest = dumps({"steps": steps, "graph": graph, "gradcheck": gradcheck, "warnings": warnings})
    return _joined(numbers, rest)


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
