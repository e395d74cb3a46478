"""JSON bytes for every part of the server: orjson, NumPy arrays written directly, and a response around them.

The API's answers (app/api/encoding.py), the classroom's frames and rooms, and every error answer go through
`dumps`; `json_response` sends bytes that are already encoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import orjson
from starlette.responses import Response

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


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
    """JSON bytes; arrays are written directly. Non-finite numbers are left to app/api/encoding.py."""
    return orjson.dumps(obj, option=_OPTIONS, default=_default)


def json_response(content: bytes, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response around bytes that are already encoded."""
    return Response(content=content, status_code=status_code, headers=headers, media_type="application/json")
