"""The backward pass against central finite differences on many random networks."""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.core import ACTIVATIONS, make_spec
from app.core.gradcheck import analytic_gradients, numeric_gradients
from app.core.passes import forward, resolve

KINKED = {"relu", "leaky_relu"}


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 4))
    layers = draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1))
    loss = draw(st.sampled_from(["half_sse", "mse", "bce"]))
    names = list(ACTIVATIONS)
    activations = draw(st.lists(st.sampled_from(names), min_size=depth, max_size=depth))
    if loss == "bce":
        activations[-1] = "sigmoid"
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    init = draw(st.sampled_from(["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "uniform"]))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 6))
    X = rng.normal(size=(n, layers[0]))
    y = rng.uniform(0, 1, size=(n, layers[-1])) if loss == "bce" else rng.normal(size=(n, layers[-1]))
    biases = [rng.normal(scale=0.5, size=w) for w in layers[1:]] if bias else None
    spec = make_spec(layers, activations, bias, loss, 0.1, seed, init, biases=biases)
    return spec, X, y


def _away_from_kinks(spec, X) -> bool:
    acts, _ = resolve(spec.activations, spec.loss)
    H, _ = forward(spec.weights, spec.biases, acts, X)
    return all(np.abs(h).min() > 1e-3 for h, name in zip(H, spec.activations) if name in KINKED)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_backward_matches_finite_differences(case):
    spec, X, y = case
    assume(_away_from_kinks(spec, X))
    for analytic, numeric in zip(analytic_gradients(spec, X, y), numeric_gradients(spec, X, y)):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6)


def test_exercise_backward_by_hand():
    """The exercise's formulas written out for one fixed network."""
    spec = make_spec(weights=[[[0.5, -0.3], [0.2, 0.8]], [[0.6, -0.4], [0.1, 0.9]], [[1.0], [0.5]]])
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]])
    y = np.array([[1.0], [1.0], [2.0], [3.0]])
    W1, W2, W3 = spec.weights
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    O1 = sig(X @ W1)
    O2 = sig(O1 @ W2)
    y_hat = O2 @ W3
    d = y_hat - y
    dW3 = O2.T @ d
    d = d @ W3.T * O2 * (1 - O2)
    dW2 = O1.T @ d
    d = d @ W2.T * O1 * (1 - O1)
    dW1 = X.T @ d
    for got, want in zip(analytic_gradients(spec, X, y), [dW1, dW2, dW3]):
        np.testing.assert_allclose(got, want, rtol=1e-12)
