"""The network spec: one frozen dataclass, built and validated by make_spec.

Every rule that fails raises SpecError(field, message) (errors.py), the message naming the field and the rule.
Limits and defaults are in limits.py, weight initialisation in initialisation.py, matrices and the data checks
in matrices.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any, Sequence

import numpy as np

from .activations import ACTIVATIONS
from .errors import SpecError, shown
from .initialisation import INIT_SCHEMES, init_weights
from .limits import DEFAULTS, LIMITS
from .losses import LOSSES
from .matrices import as_matrix, frozen

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class NetworkSpec:
    """A complete network: structure, loss, learning rate and the weights actually used.

    layers are the widths from input to output; weights[k-1] is W_k, shaped [layers[k-1] × layers[k]];
    biases[k-1] is b_k, a vector of layers[k] numbers (an empty tuple when bias is off). Arrays are
    read-only float64.
    """

    layers: tuple[int, ...]
    activations: tuple[str, ...]
    bias: bool
    loss: str
    learning_rate: float
    seed: int
    init: str
    weights: tuple[Array, ...]
    biases: tuple[Array, ...]

    flat_params: Array = field(init=False, repr=False)
    # How many leading H_k a trace must scan for NaN/infinity; the deeper ones provably stay finite.
    scan_layers: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # All parameters in one vector (W_1..W_K, then b_1..b_K): one update and one check per trace.
        flat = np.concatenate([p.reshape(-1) for p in self.weights + self.biases])
        flat.setflags(write=False)
        object.__setattr__(self, "flat_params", flat)
        object.__setattr__(self, "scan_layers", _layers_to_scan(self))

    @property
    def depth(self) -> int:
        """K, the number of weight layers."""
        return len(self.layers) - 1

    @property
    def structure(self) -> tuple:
        """What the step list and the graph depend on: (layers, activations, bias, loss)."""
        return (self.layers, self.activations, self.bias, self.loss)

    @property
    def n_params(self) -> int:
        return self.flat_params.size

    def with_weights(self, weights: Sequence[Any], biases: Sequence[Any] | None = None) -> "NetworkSpec":
        """The same spec with other weights (and biases), validated like make_spec's."""
        return make_spec(self.layers, self.activations, self.bias, self.loss, self.learning_rate, self.seed,
                         self.init, weights, biases if self.bias else None)


# Far enough below the largest double (1.8e308) that no sum of bounded terms reaches it.
H_GUARD = 1e300


def _layers_to_scan(spec: NetworkSpec) -> int:
    """Past the first sigmoid/tanh layer j, |O_j| ≤ 1, so |H_k| ≤ max|O_{k-1}| · (max column sum of |W_k|)
    + max|b_k| for k > j, with max|O_k| ≤ 1 after sigmoid/tanh and ≤ max|H_k| + 1 otherwise. When these
    bounds stay below H_GUARD, only H_1..H_j can overflow (they depend on X): return j, else K."""
    depth = len(spec.weights)
    bounded = [ACTIVATIONS[name].bounded for name in spec.activations]
    if True not in bounded:
        return depth
    first = bounded.index(True) + 1
    bound = 1.0
    for k in range(first, depth):
        with np.errstate(over="ignore"):  # a column sum past the largest double is inf: then scan every layer
            bound = bound * float(np.abs(spec.weights[k]).sum(axis=0).max())
        bound += float(np.abs(spec.biases[k]).max()) if spec.biases else 0.0
        if not bound < H_GUARD:
            return depth
        bound = 1.0 if bounded[k] else bound + 1.0
    return first


def make_spec(
    layers: Sequence[int] = DEFAULTS.layers,
    activations: Sequence[str] | None = None,
    bias: bool = DEFAULTS.bias,
    loss: str = DEFAULTS.loss,
    learning_rate: float = DEFAULTS.learning_rate,
    seed: int = DEFAULTS.seed,
    init: str = DEFAULTS.init,
    weights: Sequence[Any] | None = None,
    biases: Sequence[Any] | None = None,
) -> NetworkSpec:
    """Validate a network description and return a NetworkSpec.

    Defaults are the course exercise: 2→2→2→1, sigmoid/sigmoid/identity, no bias, half_sse, η = 0.1.
    Given layers without activations, hidden layers are sigmoid and the output identity. Without weights
    they are drawn from `init` with `seed`; with bias on and no biases, biases start at zeros.
    Raises SpecError naming the field and the rule.
    """
    layers = _check_layers(layers)
    activations = _check_activations(activations, len(layers) - 1)
    bias = _check_bool(bias, "bias")
    loss = _check_loss(loss, activations)
    learning_rate = _check_learning_rate(learning_rate)
    seed = _check_seed(seed)
    init = _check_name(init, "init", INIT_SCHEMES)
    if weights is None:
        weights = init_weights(layers, init, seed)
    weights = _check_weights(weights, layers)
    biases = _check_biases(biases, layers, bias)
    return NetworkSpec(layers, activations, bias, loss, learning_rate, seed, init, weights, biases)


def _check_layers(layers: Any) -> tuple[int, ...]:
    if not isinstance(layers, (list, tuple)):
        raise SpecError("layers", "layers must be a list of widths, input first (e.g. [2, 2, 2, 1])")
    if len(layers) < 2:
        raise SpecError("layers", f"layers has {len(layers)} widths; it needs at least 2 (input and output)",
                        "too_few_layers", count=len(layers))
    if len(layers) - 1 > LIMITS.max_layers:
        raise SpecError("layers", f"layers has {len(layers) - 1} weight layers; the limit is {LIMITS.max_layers}",
                        "too_many_layers", count=len(layers) - 1, max=LIMITS.max_layers)
    for i, width in enumerate(layers):
        if isinstance(width, bool) or not isinstance(width, Integral):
            raise SpecError(f"layers[{i}]", f"layers[{i}] is {shown(width)}; widths must be whole numbers")
        if not 1 <= width <= LIMITS.max_width:
            raise SpecError(f"layers[{i}]", f"layers[{i}] is {shown(width)}; widths must be from 1 to {LIMITS.max_width}",
                            "width_range", value=int(width) if abs(width) < 2**53 else shown(width),
                            min=1, max=LIMITS.max_width)
    return tuple(int(w) for w in layers)


def _check_activations(activations: Any, depth: int) -> tuple[str, ...]:
    if activations is None:
        return (DEFAULTS.hidden_activation,) * (depth - 1) + (DEFAULTS.output_activation,)
    if not isinstance(activations, (list, tuple)):
        raise SpecError("activations", "activations must be a list of names, one per weight layer")
    if len(activations) != depth:
        raise SpecError("activations", f"activations has {len(activations)} names but layers has "
                                       f"{depth} weight layers; give one per weight layer")
    return tuple(_check_name(name, f"activations[{i}]", ACTIVATIONS) for i, name in enumerate(activations))


def _check_name(name: Any, field: str, registry: MappingProxyType) -> str:
    if not isinstance(name, str) or name not in registry:
        raise SpecError(field, f"{field} is {shown(name)}; allowed: {', '.join(registry)}")
    return name


def _check_bool(value: Any, field: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise SpecError(field, f"{field} is {shown(value)}; it must be true or false")
    return bool(value)


def _check_loss(loss: Any, activations: tuple[str, ...]) -> str:
    loss = _check_name(loss, "loss", LOSSES)
    if LOSSES[loss].needs_sigmoid_output and activations[-1] != "sigmoid":
        raise SpecError("loss", f"loss '{loss}' needs a sigmoid output layer, but activations[{len(activations) - 1}]"
                                f" is '{activations[-1]}'", "needs_sigmoid_output", loss=loss)
    return loss


def _check_learning_rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise SpecError("learning_rate", f"learning_rate is {shown(value)}; it must be a finite number greater than 0",
                        "positive")
    return float(value)


def _check_seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= value <= LIMITS.max_seed:
        raise SpecError("seed", f"seed is {shown(value)}; it must be a whole number from 0 to {LIMITS.max_seed}",
                        "int_range", min=0, max=LIMITS.max_seed)
    return int(value)


def _check_weights(weights: Any, layers: tuple[int, ...]) -> tuple[Array, ...]:
    depth = len(layers) - 1
    if not isinstance(weights, (list, tuple)):
        raise SpecError("weights", "weights must be a list of matrices, one per weight layer")
    if len(weights) != depth:
        raise SpecError("weights", f"weights has {len(weights)} matrices but layers has {depth} weight layers")
    checked = []
    for k in range(1, depth + 1):
        field = f"weights[{k - 1}]"
        w = as_matrix(weights[k - 1], field)
        need = (layers[k - 1], layers[k])
        if w.shape != need:
            raise SpecError(field, f"{field} is {w.shape[0]}×{w.shape[1]} but W_{k} must be {need[0]}×{need[1]} "
                                   f"(layers[{k - 1}]×layers[{k}])")
        checked.append(frozen(w))
    return tuple(checked)


def _check_biases(biases: Any, layers: tuple[int, ...], bias: bool) -> tuple[Array, ...]:
    depth = len(layers) - 1
    if not bias:
        if biases:
            raise SpecError("biases", "biases are given but bias is false; turn bias on or leave biases out")
        return ()
    if biases is None:
        return tuple(frozen(np.zeros(width)) for width in layers[1:])
    if not isinstance(biases, (list, tuple)):
        raise SpecError("biases", "biases must be a list of vectors, one per weight layer")
    if len(biases) != depth:
        raise SpecError("biases", f"biases has {len(biases)} vectors but layers has {depth} weight layers")
    return tuple(frozen(_check_bias(b, k, layers[k])) for k, b in enumerate(biases, start=1))


def _check_bias(value: Any, k: int, width: int) -> Array:
    field = f"biases[{k - 1}]"
    b = as_matrix(value, field, allow_vector=True)
    if b.ndim == 2 and b.shape[0] == 1:
        b = b[0]
    if b.shape != (width,):
        raise SpecError(field, f"{field} has shape {'×'.join(map(str, b.shape))} but b_{k} must hold "
                               f"{width} numbers (layers[{k}])")
    return b
