import numpy as np
import pytest

from app.core import ACTIVATIONS
from app.core.activations import LEAKY_SLOPE

from .helpers import central_difference

# Points away from 0, where relu and leaky_relu have their kink.
POINTS = np.array([[-3.0, -1.2, -0.4, 0.3], [0.9, 1.7, 2.5, -2.2]])


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    expected = np.array([central_difference(lambda v: float(act.forward(v)[0, 0]), np.array([[h]]))[0, 0]
                         for h in POINTS.ravel()]).reshape(POINTS.shape)
    got = act.derivative(POINTS, act.forward(POINTS))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


def test_known_values():
    h = np.array([[-2.0, 0.0, 2.0]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].forward(h), 1 / (1 + np.exp(-h)))
    np.testing.assert_allclose(ACTIVATIONS["tanh"].forward(h), np.tanh(h))
    np.testing.assert_array_equal(ACTIVATIONS["relu"].forward(h), [[0.0, 0.0, 2.0]])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].forward(h), [[-2 * LEAKY_SLOPE, 0.0, 2.0]])
    np.testing.assert_allclose(ACTIVATIONS["softplus"].forward(h), np.log1p(np.exp(h)))
    assert ACTIVATIONS["identity"].forward(h) is h


def test_relu_derivative_at_zero_is_zero_like_pytorch():
    h = np.array([[0.0]])
    assert ACTIVATIONS["relu"].derivative(h, ACTIVATIONS["relu"].forward(h))[0, 0] == 0.0
    assert ACTIVATIONS["leaky_relu"].derivative(h, h)[0, 0] == LEAKY_SLOPE


def test_leaky_slope_is_one_hundredth():
    assert LEAKY_SLOPE == 0.01


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "tanh"])
def test_extreme_inputs_give_exact_limits_not_nan(name):
    act = ACTIVATIONS[name]
    h = np.array([[-1e4, -800.0, 800.0, 1e4]])
    with np.errstate(over="ignore"):
        o = act.forward(h)
        fp = act.derivative(h, o)
    assert np.isfinite(fp).all()
    if name == "softplus":
        np.testing.assert_allclose(o, [[0.0, 0.0, 800.0, 1e4]])
    else:
        low = 0.0 if name == "sigmoid" else -1.0
        np.testing.assert_array_equal(o, [[low, low, 1.0, 1.0]])


def test_identity_derivative_is_ones_and_read_only():
    fp = ACTIVATIONS["identity"].derivative(np.zeros((3, 2)), np.zeros((3, 2)))
    np.testing.assert_array_equal(fp, np.ones((3, 2)))
    assert not fp.flags.writeable


def test_registry_names():
    assert list(ACTIVATIONS) == ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]


def test_only_identity_is_marked_identity():
    # The trace shares H_K as O_K and the ones of f' only for the layer marked identity.
    from app.core import ACTIVATIONS

    assert [name for name, act in ACTIVATIONS.items() if act.is_identity] == ["identity"]


def test_an_activation_is_the_identity_by_its_name_alone():
    # is_identity is worked out from the name, never given: a copy of each activation works it out again.
    import dataclasses

    for name, act in ACTIVATIONS.items():
        again = dataclasses.replace(act)
        assert again.is_identity is (name == "identity")
        assert (again.forward, again.derivative, again.bounded) == (act.forward, act.derivative, act.bounded)
