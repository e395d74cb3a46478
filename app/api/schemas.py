"""Request bodies of the JSON API: every rule that JSON Schema can state, so /openapi.json states them all.

Pydantic checks each value on its own: JSON types, finite numbers, names from the core's registries and
bounds from its LIMITS (the same figures the core checks again). The rules that tie one field to another
(X's width against layers[0], bce's sigmoid output, the work budgets) are the core's: `make_spec`,
`check_data` and `train` raise `SpecError`, which `app.api.errors` turns into a 422 like any other. Those
rules are listed in each body's description (its `cross_field_rules`), since JSON Schema cannot state them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
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

TRAIN_EXAMPLE = {name: value for name, value in EXERCISE_EXAMPLE.items() if name != "gradcheck"}

# The exercise's network with its preset weights, asked for ŷ at three points of the input plane.
PREDICT_EXAMPLE: dict[str, Any] = {
    "layers": [2, 2, 2, 1],
    "activations": ["sigmoid", "sigmoid", "identity"],
    "weights": [[[0.5, -0.3], [0.2, 0.8]], [[0.6, -0.4], [0.1, 0.9]], [[1.0], [0.5]]],
    "X": [[0.0, 0.0], [1.0, 0.5], [2.0, 1.0]],
}

# Names the core knows, as JSON Schema enums: built from its registries, so a new activation is listed at once.
ActivationName = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]
LossName = Literal[tuple(LOSSES)]  # type: ignore[valid-type]
InitName = Literal[tuple(INIT_SCHEMES)]  # type: ignore[valid-type]

# Floats up to this are whole numbers exactly; a larger one may stand for an integer past 64 bits that
# orjson read inexactly, whose error names it best as pydantic's own JSON parser reads it.
EXACT_FLOAT_INTEGERS = 2**53


def _integral_as_int(value: Any) -> Any:
    """14.0 as 14: JSON Schema counts a number without a fractional part as an integer, so the server does too."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= EXACT_FLOAT_INTEGERS:
        return int(value)
    return value


def whole_number(low: int, high: int) -> Any:
    """An integer from low to high (the bounds before the validator, or the schema would not show them)."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_integral_as_int)]


Width = whole_number(1, LIMITS.max_width)
# A row of X, y, W_k or a vector b_k: as long as some layer is wide.
Row = Annotated[list[float], Field(min_length=1, max_length=LIMITS.max_width)]
Matrix = list[Row]
WeightMatrix = Annotated[Matrix, Field(min_length=1, max_length=LIMITS.max_width)]
PER_LAYER = {"min_length": 1, "max_length": LIMITS.max_layers}  # activations, weights, biases: one per weight layer


def _column_from_flat(value: Any) -> Any:
    """Accept a flat y ([0, 1, 1, 0]) as the one-output column [[0], [1], [1], [0]].

    A list that holds any list stays as it is; a matrix shows that by its first row, without a scan."""
    if isinstance(value, list) and value and not isinstance(value[0], list) and not any(isinstance(v, list) for v in value):
        return [[v] for v in value]
    return value


def rows_of(max_rows: int) -> Any:
    """A matrix of 1 to max_rows rows (X)."""
    return Annotated[Matrix, Field(min_length=1, max_length=max_rows)]


def targets_of(max_rows: int) -> Any:
    """y: a matrix of 1 to max_rows rows, or a flat list of as many numbers (read as one column)."""
    bounds = {"min_length": 1, "max_length": max_rows}
    matrix = TypeAdapter(Annotated[Matrix, Field(**bounds)]).json_schema()
    flat = TypeAdapter(Annotated[list[float], Field(**bounds)]).json_schema()
    return Annotated[
        Matrix, Field(**bounds), BeforeValidator(_column_from_flat), WithJsonSchema({"anyOf": [matrix, flat]})
    ]


@dataclass(frozen=True)
class CrossFieldRule:
    """A rule between fields that JSON Schema cannot state; the core checks it and answers 422 naming `fields`."""

    fields: tuple[str, ...]
    text: str


SPEC_RULES = (
    CrossFieldRule(("activations",), "activations holds one name per weight layer (len(layers) − 1)."),
    CrossFieldRule(("weights",), "weights holds one matrix per weight layer: W_k is layers[k−1] × layers[k], "
                                 "every row as long as row 0."),
    CrossFieldRule(("biases",), "biases only with bias: true; one vector per weight layer, b_k of layers[k] numbers."),
    *(CrossFieldRule(("loss", "y"), f"loss {name} needs a sigmoid output layer (the last activation; the default "
                                    "output is identity) and targets y from 0 to 1.")
      for name, loss in LOSSES.items() if loss.needs_sigmoid_output),
)
INPUT_RULES = (CrossFieldRule(("X",), "X has layers[0] columns, every row as long as row 0."),)
TARGET_RULES = (
    CrossFieldRule(("y",), "y has as many rows as X and layers[−1] columns (a flat list when layers[−1] is 1), "
                           "every row as long as row 0."),
)
GRADCHECK_RULES = (
    CrossFieldRule(("gradcheck",), "gradcheck: true only within the gradient-check budget: rows × parameters × "
                   f"(2 × parameters + 1) is at most {LIMITS.gradcheck_budget:,} (the 422 says how many rows fit)."),
)
TRAIN_RULES = (
    CrossFieldRule(("epochs",), f"epochs × (rows + {LIMITS.budget_row_overhead}) × parameters is at most "
                                f"{LIMITS.train_budget:,} (the training budget; parameters counts every weight and "
                                "bias, and the 422 says how many epochs fit)."),
)


def rules_text(intro: str, rules: tuple[CrossFieldRule, ...]) -> str:
    """A body's description: what it is, then the cross-field rules the server answers 422 for."""
    listed = "\n".join(f"- {rule.text}" for rule in rules)
    return (f"{intro}\n\nRules between fields (JSON Schema cannot state them; breaking one is a 422 naming the "
            f"field):\n{listed}")


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

    layers: list[Width] = Field(
        default_factory=lambda: list(DEFAULTS.layers),  # cheaper than pydantic's copy of a list default
        min_length=2,
        max_length=LIMITS.max_layers + 1,
        description=(
            "Layer widths from the input to the output, e.g. [2, 2, 2, 1]: "
            f"2 to {LIMITS.max_layers + 1} entries (1 to {LIMITS.max_layers} weight layers), "
            f"each from 1 to {LIMITS.max_width}."
        ),
    )
    activations: Annotated[list[ActivationName], Field(**PER_LAYER)] | None = Field(
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
    loss: LossName = Field(
        default=DEFAULTS.loss,
        description=(
            f"Allowed: {_names(LOSSES)}. half_sse = ½·Σ(y−ŷ)²; mse = mean of (y−ŷ)²; "
            "bce = mean binary cross-entropy (needs a sigmoid output layer)."
        ),
    )
    learning_rate: float = Field(
        default=DEFAULTS.learning_rate, gt=0, description="η in the update W_k ← W_k − η·∂L/∂W_k.",
    )
    seed: whole_number(0, LIMITS.max_seed) = Field(
        default=DEFAULTS.seed, description="Seed of the weight initialisation: the same seed gives the same weights.",
    )
    init: InitName = Field(
        default=DEFAULTS.init,
        description=f"Weight-initialisation scheme when no weights are given. Allowed: {_names(INIT_SCHEMES)}.",
    )
    weights: Annotated[list[WeightMatrix], Field(**PER_LAYER)] | None = Field(
        default=None,
        description="Optional weights: W_k as a layers[k−1] × layers[k] matrix, one per weight layer.",
    )
    biases: Annotated[list[Row], Field(**PER_LAYER)] | None = Field(
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


class DataRequest(SpecRequest):
    """A network and a batch of data (X and y, both required): what /api/trace and /api/train share."""

    X: rows_of(LIMITS.max_rows) = Field(
        description=(
            f"Inputs, one row per observation: n × layers[0], n from 1 to {LIMITS.max_rows}. Finite numbers only."
        ),
    )
    y: targets_of(LIMITS.max_rows) = Field(
        description="Targets, n × layers[-1]; with one output a flat list [y_1, …, y_n] is accepted too.",
    )

    @field_validator("X", "y")
    @classmethod
    def _rectangular(cls, rows: Matrix, info: Any) -> Matrix:
        _require_rectangular(info.field_name, rows)
        return rows

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """X and y as float64 arrays (rectangular, checked above); twice as fast as np.asarray on nested lists."""
        return as_array(self.X), as_array(self.y)


class TraceRequest(DataRequest):
    """One network, one batch of data: everything POST /api/trace needs. Only X and y are required."""

    cross_field_rules: ClassVar = SPEC_RULES + INPUT_RULES + TARGET_RULES + GRADCHECK_RULES
    model_config = ConfigDict(json_schema_extra={
        "description": rules_text(__doc__, cross_field_rules),
        "examples": [EXERCISE_EXAMPLE],
    })

    gradcheck: bool = Field(
        default=False,
        description=(
            "Also compare every gradient with central finite differences (slower): within a work budget, "
            f"rows × parameters × (2 × parameters + 1) ≤ {LIMITS.gradcheck_budget:,}."
        ),
    )


class PredictRequest(SpecRequest):
    """A network and inputs without targets: POST /api/predict answers ŷ for every row of X."""

    cross_field_rules: ClassVar = SPEC_RULES + INPUT_RULES
    model_config = ConfigDict(json_schema_extra={
        "description": rules_text(__doc__, cross_field_rules),
        "examples": [PREDICT_EXAMPLE],
    })

    X: rows_of(LIMITS.max_predict_rows) = Field(
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


class TrainRequest(DataRequest):
    """A network, its data and how long to train: POST /api/train (no gradient check: it trains only)."""

    cross_field_rules: ClassVar = SPEC_RULES + INPUT_RULES + TARGET_RULES + TRAIN_RULES
    model_config = ConfigDict(json_schema_extra={
        "description": rules_text(__doc__, cross_field_rules),
        "examples": [{**TRAIN_EXAMPLE, "epochs": 1000, "snapshots": 10}],
    })

    epochs: whole_number(1, LIMITS.max_epochs) = Field(
        default=1000,
        description=f"Full-batch gradient-descent steps, 1 to {LIMITS.max_epochs}.",
    )
    snapshots: whole_number(0, LIMITS.max_snapshots) = Field(
        default=10,
        description=(
            f"How many evenly spaced intermediate states (epoch, loss, weights) to return, 0 to {LIMITS.max_snapshots}."
        ),
    )
