"""predict: the network's output ŷ for any inputs X (a forward pass only), e.g. a grid of points to colour."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import SpecError
from .limits import LIMITS
from .matrices import as_matrix
from .passes import forward, resolve
from .spec import NetworkSpec


def predict(spec: NetworkSpec, X: Any) -> np.ndarray:
    """ŷ = the forward pass of `spec` on X, an [n × layers[-1]] float64 array.

    X must be [n × layers[0]] with 1 ≤ n ≤ LIMITS.max_predict_rows finite numbers (SpecError naming "X"
    otherwise). Overflow never raises: ŷ then holds NaN or infinity for the caller to report.
    """
    X = as_matrix(X, "X")
    n = X.shape[0]
    if not 1 <= n <= LIMITS.max_predict_rows:
        raise SpecError("X", f"X has {n} rows; predict takes from 1 to {LIMITS.max_predict_rows}")
    if X.shape[1] != spec.layers[0]:
        raise SpecError("X", f"X has {X.shape[1]} columns but the input layer has {spec.layers[0]}")
    acts, _ = resolve(spec.activations, spec.loss)
    with np.errstate(all="ignore"):
        _, O = forward(spec.weights, spec.biases, acts, np.ascontiguousarray(X))
    return O[-1]
