"""What a computation runs, in a worker process or inline (app/api/cpu.py): the core, then the encoding.

Module-level functions, so a worker finds them by name. They take the request's fields (a NetworkSpec and
NumPy arrays, cheap to pickle) and return the answer's JSON bytes, so only bytes come back.
"""

from __future__ import annotations

import os

import numpy as np

from app.api.encoding import dumps, encode_predict, encode_trace, encode_train
from app.core import PRESETS, NetworkSpec, compute_trace, make_spec, predict, train
from app.core.variants import variant_request


def trace_job(spec: NetworkSpec, X: np.ndarray, y: np.ndarray, gradcheck: bool) -> bytes:
    return encode_trace(compute_trace(spec, X, y, gradcheck=gradcheck))


def predict_job(spec: NetworkSpec, X: np.ndarray) -> bytes:
    return encode_predict(predict(spec, X))


def train_job(spec: NetworkSpec, X: np.ndarray, y: np.ndarray, epochs: int, snapshots: int) -> bytes:
    return encode_train(train(spec, X, y, epochs, snapshots))


def variant_job(preset_id: str, variant: int, version: int) -> bytes:
    return dumps(variant_request(preset_id, variant, version))


def start_worker(niceness: int = 0) -> None:
    """Set up a new worker process: its priority lowered by `niceness`, BLAS on one thread, each job run once.

    The pool has a worker per core; BLAS threads on top of that (OpenBLAS starts one per core, and
    spins them) made two trainings at once slower than one after the other. Running each job once on a
    preset means the first request finds NumPy's and our caches filled.
    """
    from threadpoolctl import threadpool_limits  # only workers need it

    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    threadpool_limits(limits=1)
    request = dict(PRESETS[0].request)
    X, y = np.asarray(request.pop("X"), dtype=float), np.asarray(request.pop("y"), dtype=float)
    spec = make_spec(**request)
    trace_job(spec, X, y, gradcheck=True)
    predict_job(spec, X)
    train_job(spec, X, y, epochs=2, snapshots=1)


def ready() -> int:
    """A job that only says which worker ran it: starting the pool submits one per worker."""
    return os.getpid()
