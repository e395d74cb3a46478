"""predict(spec, X): the forward pass alone, on any inputs, with its own row limit."""

from __future__ import annotations

import numpy as np
import pytest

from app.core import LIMITS, SpecError, compute_trace, make_spec, predict

from .helpers import preset_parts


@pytest.mark.parametrize("preset_id", ["exercise", "xor", "moons", "deep"])
def test_predict_equals_the_traces_y_hat(preset_id: str) -> None:
    spec, X, y = preset_parts(preset_id)
    y_hat = predict(spec, X)
    np.testing.assert_array_equal(y_hat, compute_trace(spec, X, y).y_hat)
    assert y_hat.shape == (len(X), spec.layers[-1])


def test_predict_takes_rows_a_trace_would_refuse() -> None:
    spec = make_spec(layers=(2, 3, 1), activations=("tanh", "sigmoid"), bias=True, loss="bce")
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 64), np.linspace(-1, 1, 64)), axis=-1).reshape(-1, 2)
    assert len(grid) == LIMITS.max_predict_rows > LIMITS.max_rows
    y_hat = predict(spec, grid)
    assert y_hat.shape == (len(grid), 1)
    assert ((0 < y_hat) & (y_hat < 1)).all()  # a sigmoid output
    np.testing.assert_allclose(y_hat[:5], predict(spec, grid[:5]))  # rows are independent


def test_predict_names_x_for_the_wrong_number_of_columns() -> None:
    spec = make_spec(layers=(2, 2, 1))
    with pytest.raises(SpecError, match="X has 3 columns but the input layer has 2") as error:
        predict(spec, [[1.0, 2.0, 3.0]])
    assert error.value.field == "X"


@pytest.mark.parametrize("rows", [0, LIMITS.max_predict_rows + 1])
def test_predict_names_the_row_limit(rows: int) -> None:
    spec = make_spec(layers=(2, 1))
    with pytest.raises(SpecError, match=f"X has {rows} rows; predict takes from 1 to 4096") as error:
        predict(spec, np.zeros((rows, 2)))
    assert error.value.field == "X"


def test_predict_refuses_a_non_finite_input() -> None:
    with pytest.raises(SpecError, match=r"X\[0\]\[1\] is nan") as error:
        predict(make_spec(layers=(2, 1)), [[0.0, float("nan")]])
    assert error.value.field == "X"


def test_predict_overflow_gives_infinity_without_raising() -> None:
    spec = make_spec(layers=(2, 1), weights=[[[1e300], [1e300]]])
    with np.errstate(all="raise"):  # predict silences its own overflow
        y_hat = predict(spec, [[1e10, 1e10]])
    assert np.isinf(y_hat).all()
