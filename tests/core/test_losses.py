import numpy as np
import pytest

from app.core import LOSSES
from app.core.activations import sigmoid
from app.core.losses import bce_logit_grad

from .helpers import central_difference

Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
Y_HAT = np.array([[0.8, 0.3], [0.1, 0.6], [0.55, 0.9]])


def _logit(p):
    return np.log(p / (1 - p))


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_finite_differences(name):
    loss = LOSSES[name]
    value = lambda y_hat: loss.value_and_grad(y_hat, Y, _logit(y_hat))[0]  # noqa: E731
    expected = central_difference(value, Y_HAT)
    np.testing.assert_allclose(loss.value_and_grad(Y_HAT, Y, _logit(Y_HAT))[1], expected, rtol=1e-6)


def test_definitions():
    r = Y_HAT - Y
    assert LOSSES["half_sse"].value_and_grad(Y_HAT, Y, None)[0] == pytest.approx(0.5 * (r ** 2).sum())
    assert LOSSES["mse"].value_and_grad(Y_HAT, Y, None)[0] == pytest.approx((r ** 2).mean())
    bce = -(Y * np.log(Y_HAT) + (1 - Y) * np.log(1 - Y_HAT)).mean()
    assert LOSSES["bce"].value_and_grad(Y_HAT, Y, _logit(Y_HAT))[0] == pytest.approx(bce)


def test_half_sse_gradient_is_y_hat_minus_y():
    # The book writes (y − ŷ); the sign there is wrong.
    np.testing.assert_allclose(LOSSES["half_sse"].value_and_grad(Y_HAT, Y, None)[1], Y_HAT - Y)


def test_bce_logit_gradient_is_the_chain_rule_in_stable_form():
    h = _logit(Y_HAT)
    d_hat = LOSSES["bce"].value_and_grad(Y_HAT, Y, h)[1]
    np.testing.assert_allclose(bce_logit_grad(Y_HAT, Y), d_hat * Y_HAT * (1 - Y_HAT))
    value = lambda hh: LOSSES["bce"].value_and_grad(sigmoid(hh), Y, hh)[0]  # noqa: E731
    np.testing.assert_allclose(bce_logit_grad(Y_HAT, Y), central_difference(value, h), rtol=1e-6)


def test_bce_is_finite_when_the_output_saturates():
    h = np.array([[800.0], [-800.0]])
    y = np.array([[0.0], [1.0]])
    with np.errstate(over="ignore"):
        y_hat = sigmoid(h)
    value, grad = LOSSES["bce"].value_and_grad(y_hat, y, h)
    assert value == pytest.approx(800.0)
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(bce_logit_grad(y_hat, y), [[0.5], [-0.5]])
