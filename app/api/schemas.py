"""Request bodies of the JSON API: types and shapes of the JSON, nothing about the network's rules.

Pydantic checks that every value has the right JSON type and that every number is finite; the core's
`make_spec` / `check_data` then apply the spec and shape rules (widths, limits, names) and raise
`SpecError`, which `app.api.errors` turns into a 422 like any other validation error.
"""

from __future__ import annotations

from itertools import chain
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.core import ACTIVATIONS, DEFAULTS, INIT_SCHEMES, LIMITS, LOSSES

# The course exercise: XOR-like data through the [2, 2, 2, 1] network with its default settings.
EXERCISE_EXAMPLE: dict[str, Any] = {
    "layers": [2, 2, 2, 1],
    "activations": ["sigmoid", "sigmoid", "identity"],
    "bias": False,
    "loss": "half_sse",
    "learning_rate": 0.1,
    "seed": 0,
    "init": "xavier_uniform",
    "X": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
    "y": [[0.0], [1.0], [1.0], [0.0]],
    "gradcheck": False,
}

# The exercise's network with its preset weights, asked for ŷ at three points of the input plane.
PREDICT_EXAMPLE: dict[str, Any] = {
    "layers": [2, 2, 2, 1],
    "activations": ["sigmoid", "sigmoid", "identity"],
    "weights": [[[0.5, -0.3], [0.2, 0.8]], [[0.6, -0.4], [0.1, 0.9]], [[1.0], [0.5]]],
    "X": [[0.0, 0.0], [1.0, 0.5], [2.0, 1.0]],
}

_MATRIX_SCHEMA = {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}


def _column_from_flat(value: Any) -> Any:
    """Accept a flat y ([0, 1, 1, 0]) as the one-output column [[0], [1], [1], [0]].

    A list that holds any list stays as it is; a matrix shows that by its first row, without a scan."""
    if isinstance(value, list) and value and not isinstance(value[0], list) and not any(isinstance(v, list) for v in value):
        return [[v] for v in value]
    return value


Matrix = list[list[float]]
Target = Annotated[
    Matrix,
    BeforeValidator(_column_from_flat),
    WithJsonSchema({"anyOf": [_MATRIX_SCHEMA, {"type": "array", "items": {"type": "number"}}]}),
]


def _names(registry: Any) -> str:
    return ", ".join(registry)


def ragged_row(rows: list[list[float]]) -> tuple[int, int] | None:
    """The first row whose length differs from row 0's, as (row index, its length); None if rectangular."""
    if len(set(map(len, rows))) <= 1:  # the common, rectangular case at C speed
        return None
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            return index, len(row)
    return None


def as_array(rows: Matrix) -> np.ndarray:
    """A rectangular list of rows as an [n × m] float64 array."""
    width = len(rows[0]) if rows else 0
    return np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * width).reshape(len(rows), width)


def _values(count: int) -> str:
    return f"{count} value" if count == 1 else f"{count} values"


def _require_rectangular(name: str, rows: list[list[float]]) -> None:
    bad = ragged_row(rows)
    if bad is not None:
        index, length = bad
        raise PydanticCustomError(
            "ragged_matrix",
            "{name} row {index} has {length} but row 0 has {width}",
            {"name": name, "index": index, "length": _values(length), "width": len(rows[0])},
        )


class SpecRequest(BaseModel):
    """The network fields every body shares (layers … biases); the subclasses add the data they need."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")

    layers: list[int] = Field(
        default_factory=lambda: list(DEFAULTS.layers),  # cheaper than pydantic's copy of a list default
        description=(
            "Layer widths from the input to the output, e.g. [2, 2, 2, 1]: "
            f"2 to {LIMITS.max_layers + 1} entries (1 to {LIMITS.max_layers} weight layers), "
            f"each from 1 to {LIMITS.max_width}."
        ),
    )
    activations: list[str] | None = Field(
        default=None,
        description=(
            "One activation per weight layer, from the first hidden layer to the output. "
            f"Allowed: {_names(ACTIVATIONS)}. Default: {DEFAULTS.hidden_activation} on hidden layers, "
            f"{DEFAULTS.output_activation} on the output."
        ),
    )
    bias: bool = Field(
        default=DEFAULTS.bias, description="Whether every layer adds a bias row b_k (the exercise has none).",
    )
    loss: str = Field(
        default=DEFAULTS.loss,
        description=(
            f"Allowed: {_names(LOSSES)}. half_sse = ½·Σ(y−ŷ)²; mse = mean of (y−ŷ)²; "
            "bce = mean binary cross-entropy (needs a sigmoid output layer)."
        ),
    )
    learning_rate: float = Field(
        default=DEFAULTS.learning_rate, description="η in the update W_k ← W_k − η·∂L/∂W_k.",
    )
    seed: int = Field(
        default=DEFAULTS.seed, description="Seed of the weight initialisation: the same seed gives the same weights.",
    )
    init: str = Field(
        default=DEFAULTS.init,
        description=f"Weight-initialisation scheme when no weights are given. Allowed: {_names(INIT_SCHEMES)}.",
    )
    weights: list[Matrix] | None = Field(
        default=None,
        description="Optional weights: W_k as a layers[k−1] × layers[k] matrix, one per weight layer.",
    )
    biases: list[list[float]] | None = Field(
        default=None,
        description="Optional biases (bias on): b_k as a list of layers[k] numbers. Default: zeros.",
    )

    @field_validator("weights")
    @classmethod
    def _rectangular_weights(cls, weights: list[Matrix] | None) -> list[Matrix] | None:
        for k, matrix in enumerate(weights or ()):
            _require_rectangular(f"weights[{k}]", matrix)
        return weights

    def spec_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `app.core.make_spec` for this request."""
        return {
            "layers": tuple(self.layers),
            "activations": None if self.activations is None else tuple(self.activations),
            "bias": self.bias,
            "loss": self.loss,
            "learning_rate": self.learning_rate,
            "seed": self.seed,
            "init": self.init,
            "weights": self.weights,
            "biases": self.biases,
        }


class TraceRequest(SpecRequest):
    """One network, one batch of data: everything POST /api/trace needs. Only X and y are required."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXERCISE_EXAMPLE]})

    X: Matrix = Field(
        min_length=1,
        description=(
            f"Inputs, one row per observation: n × layers[0], n from 1 to {LIMITS.max_rows}. Finite numbers only."
        ),
    )
    y: Target = Field(
        min_length=1,
        description="Targets, n × layers[-1]; with one output a flat list [y_1, …, y_n] is accepted too.",
    )
    gradcheck: bool = Field(
        default=False,
        description="Also compare every gradient with central finite differences (slower).",
    )

    @field_validator("X", "y")
    @classmethod
    def _rectangular(cls, rows: Matrix, info: Any) -> Matrix:
        _require_rectangular(info.field_name, rows)
        return rows

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """X and y as float64 arrays (rectangular, checked above); twice as fast as np.asarray on nested lists."""
        return as_array(self.X), as_array(self.y)


class PredictRequest(SpecRequest):
    """A network and inputs without targets: POST /api/predict answers ŷ for every row of X."""

    model_config = ConfigDict(json_schema_extra={"examples": [PREDICT_EXAMPLE]})

    X: Matrix = Field(
        min_length=1,
        description=(
            f"Inputs, one row per point: n × layers[0], n from 1 to {LIMITS.max_predict_rows} "
            "(e.g. a grid over the input plane). Finite numbers only."
        ),
    )

    @field_validator("X")
    @classmethod
    def _rectangular(cls, rows: Matrix) -> Matrix:
        _require_rectangular("X", rows)
        return rows

    def inputs(self) -> np.ndarray:
        """X as a float64 array (rectangular, checked above)."""
        return as_array(self.X)


class TrainRequest(TraceRequest):
    """The trace body plus how long to train: POST /api/train."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**EXERCISE_EXAMPLE, "epochs": 1000, "snapshots": 10}]})

    epochs: int = Field(
        default=1000,
        description=f"Full-batch gradient-descent steps, 1 to {LIMITS.max_epochs}.",
    )
    snapshots: int = Field(
        default=10,
        description="How many evenly spaced intermediate states (epoch, loss, weights) to return, 0 to 50.",
    )
