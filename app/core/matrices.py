"""Matrices from what a request sends: nested lists (or arrays) checked into finite, read-only float64 arrays, and
the data X and y checked against a spec. SpecError names the entry at fault."""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import SpecError, shown
from .limits import LIMITS
from .losses import LOSSES

if TYPE_CHECKING:
    from .spec import NetworkSpec

Array = np.ndarray


def as_matrix(value: Any, field: str, allow_vector: bool = False, check_finite: bool = True) -> Array:
    """A finite float64 array from nested lists or an array; SpecError names the bad entry otherwise.

    check_finite=False skips the NaN/infinity scan, for callers that detect it later on their own."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except ValueError:
            raise SpecError(field, _describe_bad_nesting(value, field)) from None
        if arr.dtype.kind not in "iuf":
            raise SpecError(field, _describe_bad_nesting(value, field))
        arr = arr.astype(np.float64)
    if arr.ndim != 2 and not (allow_vector and arr.ndim == 1):
        kind = "a list of numbers (a vector)" if allow_vector else "a matrix (a list of rows)"
        raise SpecError(field, f"{field} must be {kind}; it has {arr.ndim} dimensions")
    if check_finite and not np.isfinite(arr).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        index = "".join(f"[{i}]" for i in where)
        raise SpecError(field, f"{field}{index} is {arr[where]}; values must be finite numbers")
    return arr


def _describe_bad_nesting(value: Any, field: str) -> str:
    """Why nested lists are not a numeric matrix: a ragged row or an entry that is not a number."""
    if isinstance(value, (list, tuple)):
        rows = [row for row in value if isinstance(row, (list, tuple))]
        if rows and len(rows) != len(value):
            return f"{field} mixes rows and numbers; it must be a matrix (a list of rows)"
        lengths = [len(row) for row in rows]
        for i, length in enumerate(lengths):
            if length != lengths[0]:
                return f"{field} is ragged: row {i} has {length} numbers but row 0 has {lengths[0]}"
        for i, row in enumerate(rows or [value]):
            for j, entry in enumerate(row):
                if isinstance(entry, bool) or not isinstance(entry, Real):
                    index = f"[{i}][{j}]" if rows else f"[{j}]"
                    return f"{field}{index} is {shown(entry)}; values must be numbers"
    return f"{field} must be a matrix of numbers (a list of rows)"


def frozen(a: Array) -> Array:
    a = np.array(a, dtype=np.float64, order="C")  # a private copy nobody else can change
    a.setflags(write=False)
    return a


def check_data(spec: NetworkSpec, X: Any, y: Any, check_finite: bool = True) -> tuple[Array, Array]:
    """Validate the data for a spec: X is [n × layers[0]], y is [n × layers[-1]] (a flat y is accepted for one
    output), 1 ≤ n ≤ LIMITS.max_rows, every value finite; for bce, y lies in [0, 1]. Returns float64 arrays.

    check_finite=False leaves out the NaN/infinity scan (compute_trace finds those in its own final check)."""
    X = as_matrix(X, "X", check_finite=check_finite)
    y = as_matrix(y, "y", allow_vector=True, check_finite=check_finite)
    n = X.shape[0]
    if not 1 <= n <= LIMITS.max_rows:
        raise SpecError("X", f"X has {n} rows; it must have from 1 to {LIMITS.max_rows}",
                        "rows_range", rows=n, max=LIMITS.max_rows)
    if X.shape[1] != spec.layers[0]:
        raise SpecError("X", f"X has {X.shape[1]} columns but the input layer has {spec.layers[0]}",
                        "input_columns", got=X.shape[1], want=spec.layers[0])
    if y.ndim == 1 and spec.layers[-1] == 1:
        y = y.reshape(-1, 1)
    if y.ndim == 1 or y.shape[1] != spec.layers[-1]:
        cols = "a flat list" if y.ndim == 1 else f"{y.shape[1]} columns"
        raise SpecError("y", f"y has {cols} but the output layer has {spec.layers[-1]} columns",
                        "output_columns", got=1 if y.ndim == 1 else y.shape[1], want=spec.layers[-1])
    if y.shape[0] != n:
        raise SpecError("y", f"y has {y.shape[0]} rows but X has {n}; give one target row per observation",
                        "target_rows", got=y.shape[0], want=n)
    if LOSSES[spec.loss].needs_sigmoid_output and ((y < 0).any() or (y > 1).any()):
        raise SpecError("y", f"y holds values outside [0, 1]; loss '{spec.loss}' needs targets from 0 to 1",
                        "targets_0_1", loss=spec.loss)
    return np.ascontiguousarray(X), np.ascontiguousarray(y)
