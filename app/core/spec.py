"""The network spec: one frozen dataclass, built and validated by make_spec; check_data validates X and y.

Every rule that fails raises SpecError(field, message), the message naming the field and the rule.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any, Callable, Sequence

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES

Array = np.ndarray


# How much of an offending input a message may quote: a 2 MB name must not come back in a 2 MB answer.
EXCERPT_CHARS = 80


def shown(value: Any) -> str:
    """An input as a message quotes it: its repr, cut to an 80-character excerpt; a huge integer by its
    number of digits ("an integer of 401 digits")."""
    if isinstance(value, Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**EXCERPT_CHARS:
        try:
            return f"an integer of {len(str(abs(int(value))))} digits"
        except ValueError:  # past Python's limit on converting an int to text
            return f"an integer of more than {sys.get_int_max_str_digits()} digits"
    text = repr(value[:EXCERPT_CHARS + 1] if isinstance(value, (str, list, tuple)) else value)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"


class SpecError(ValueError):
    """A request breaks a rule. `field` names the offending input ("X", "weights[1]", "activations[2]" …).

    `rule` names the rule for rules a person can break from the page's editor ("width_range", "input_columns" …)
    and `params` holds its numbers, so a client can say the same in its own language; None otherwise."""

    def __init__(self, field: str, message: str, rule: str | None = None, **params: Any):
        super().__init__(message)
        self.field = field
        self.message = message
        self.rule = rule
        self.params = params

    def __reduce__(self) -> tuple[Any, tuple[str, str, str | None, dict[str, Any]]]:
        # Raised in a worker process, it comes back through pickle whole (app/api/cpu.py).
        return _rebuild_spec_error, (self.field, self.message, self.rule, self.params)


def _rebuild_spec_error(field: str, message: str, rule: str | None, params: dict[str, Any]) -> SpecError:
    return SpecError(field, message, rule, **params)


@dataclass(frozen=True)
class Limits:
    """Size limits of everything the core accepts."""

    max_layers: int = 8  # weight layers
    max_width: int = 16
    max_rows: int = 512
    max_predict_rows: int = 4096  # predict() only: a 30×30 grid of inputs, or a finer one, in one call
    max_epochs: int = 10_000
    max_snapshots: int = 50
    max_seed: int = 2**32 - 1
    # Work of one train() call: epochs × (rows + budget_row_overhead) × parameters, where the overhead
    # stands for each epoch's fixed cost. The worst allowed call takes about 2–3 s on a 2-core machine.
    train_budget: int = 1_800_000_000
    budget_row_overhead: int = 128
    # Work of one gradient check: rows × parameters × (2 × parameters + 1), the forward passes it runs
    # (two per parameter, plus the analytic pass) by their size. The worst allowed check takes about 1 s.
    gradcheck_budget: int = 400_000_000


LIMITS = Limits()


@dataclass(frozen=True)
class Defaults:
    """What a network starts with when a request leaves a field out: the course exercise's settings.
    `epochs` is what the page's Train button offers first."""

    layers: tuple[int, ...] = (2, 2, 2, 1)
    hidden_activation: str = "sigmoid"
    output_activation: str = "identity"
    bias: bool = False
    loss: str = "half_sse"
    learning_rate: float = 0.1
    seed: int = 0
    init: str = "xavier_uniform"
    epochs: int = 200


DEFAULTS = Defaults()


# --- weight initialisation -------------------------------------------------------------------------------

def _xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def _xavier_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def _he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def _he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def _uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    return rng.uniform(-1.0, 1.0, size=(fan_in, fan_out))


INIT_SCHEMES: MappingProxyType[str, Callable[[np.random.Generator, int, int], Array]] = MappingProxyType({
    "xavier_uniform": _xavier_uniform,
    "xavier_normal": _xavier_normal,
    "he_uniform": _he_uniform,
    "he_normal": _he_normal,
    "uniform": _uniform,
})


def init_weights(layers: Sequence[int], init: str, seed: int) -> tuple[Array, ...]:
    """Weights from a named scheme: one default_rng(seed), drawn layer by layer in order."""
    rng = np.random.default_rng(seed)
    draw = INIT_SCHEMES[init]
    return tuple(draw(rng, fan_in, fan_out) for fan_in, fan_out in zip(layers[:-1], layers[1:]))


# --- the spec --------------------------------------------------------------------------------------------

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
        checked.append(_frozen(w))
    return tuple(checked)


def _check_biases(biases: Any, layers: tuple[int, ...], bias: bool) -> tuple[Array, ...]:
    depth = len(layers) - 1
    if not bias:
        if biases:
            raise SpecError("biases", "biases are given but bias is false; turn bias on or leave biases out")
        return ()
    if biases is None:
        return tuple(_frozen(np.zeros(width)) for width in layers[1:])
    if not isinstance(biases, (list, tuple)):
        raise SpecError("biases", "biases must be a list of vectors, one per weight layer")
    if len(biases) != depth:
        raise SpecError("biases", f"biases has {len(biases)} vectors but layers has {depth} weight layers")
    return tuple(_frozen(_check_bias(b, k, layers[k])) for k, b in enumerate(biases, start=1))


def _check_bias(value: Any, k: int, width: int) -> Array:
    field = f"biases[{k - 1}]"
    b = as_matrix(value, field, allow_vector=True)
    if b.ndim == 2 and b.shape[0] == 1:
        b = b[0]
    if b.shape != (width,):
        raise SpecError(field, f"{field} has shape {'×'.join(map(str, b.shape))} but b_{k} must hold "
                               f"{width} numbers (layers[{k}])")
    return b


def _frozen(a: Array) -> Array:
    a = np.array(a, dtype=np.float64, order="C")  # a private copy nobody else can change
    a.setflags(write=False)
    return a


# --- matrices from lists ---------------------------------------------------------------------------------

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
