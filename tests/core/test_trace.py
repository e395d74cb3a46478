import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import SpecError, compute_trace, make_spec
from app.core.trace import matrix_ids

from .helpers import preset_parts


def test_exercise_values_follow_the_formulas():
    spec, X, y = preset_parts("exercise")
    t = compute_trace(spec, X, y)
    W1, W2, W3 = spec.weights
    sig = lambda h: 1 / (1 + np.exp(-h))  # noqa: E731
    np.testing.assert_allclose(t.H[0], t.X @ W1)
    np.testing.assert_allclose(t.O[1], sig(t.O[0] @ W2))
    np.testing.assert_allclose(t.y_hat, t.O[1] @ W3)
    assert t.H[2] is t.O[2] is t.y_hat  # identity output: O_3 is H_3 is ŷ
    assert t.loss == pytest.approx(0.5 * ((t.y_hat - t.y) ** 2).sum())
    np.testing.assert_array_equal(t.fprime[2], np.ones((4, 1)))
    np.testing.assert_allclose(t.fprime[0], t.O[0] * (1 - t.O[0]))
    assert [(s.node, s.name) for s in t.d][:2] == [("y_hat", r"\partial L/\partial \hat{y}"),
                                                   ("O2", r"\partial L/\partial O_{2}")]
    for W, dW, new in zip(spec.weights, t.dW, t.updated_W):
        np.testing.assert_allclose(new, W - 0.1 * dW)
    assert t.db == [] and t.updated_b == [] and t.gradcheck is None and t.warnings == []


def test_biases_update_too():
    spec = make_spec(layers=[2, 3, 1], activations=["tanh", "identity"], bias=True, biases=[[1, 2, 3], [4]])
    t = compute_trace(spec, [[1, 2], [3, 4]], [5, 6])
    np.testing.assert_allclose(t.H[0], t.X @ spec.weights[0] + [1, 2, 3])
    np.testing.assert_allclose(t.db[1], t.d[0].value.sum(axis=0))
    np.testing.assert_allclose(t.updated_b[1], spec.biases[1] - 0.1 * t.db[1])


def test_every_matrix_id_resolves():
    spec, X, y = preset_parts("deep")
    t = compute_trace(spec, X, y)
    values = t.matrices()
    assert list(values) == matrix_ids(spec)
    assert values["dL/dW2"] is t.dW[1] and values["b3_new"] is t.updated_b[2]
    assert values["f'(H4)"] is t.fprime[3] and values["L"] == t.loss
    with pytest.raises(KeyError):
        t.matrix("dL/dQ7")


def test_gradcheck_on_request():
    spec, X, y = preset_parts("xor")
    t = compute_trace(spec, X, y, gradcheck=True)
    assert t.gradcheck.max_rel_error < 1e-5
    assert [p.name for p in t.gradcheck.per_param] == ["W1", "W2", "b1", "b2"]


def test_overflow_gives_warnings_not_exceptions():
    huge = [[[1e200, 1e200], [1e200, 1e200]], [[1e200, 1e200], [1e200, 1e200]], [[1e200], [1e200]]]
    t = compute_trace(make_spec(weights=huge), [[1e200, 1e200]], [[1.0]])
    assert not np.isfinite(t.H[0]).any()
    assert not t.finite
    assert len(t.warnings) == 1
    assert "H1" in t.warnings[0] and "learning rate" in t.warnings[0]


def test_overflowing_update_is_reported():
    t = compute_trace(make_spec(learning_rate=1e308), [[1, 2]], [[1e300]])
    assert np.isfinite(t.y_hat).all()
    assert "W3_new" in t.warnings[0] and "L" in t.warnings[0].split(":")[0]


def test_large_but_finite_values_give_no_false_warning():
    # Squares of 1e200 overflow in the cheap check; the detailed scan must then find nothing.
    t = compute_trace(make_spec(weights=[[[1e200, 0], [0, 0]], [[0, 0], [0, 0]], [[0], [0]]]), [[1, 0]], [[0]])
    assert t.H[0][0, 0] == 1e200 and t.warnings == []


def test_nan_in_X_is_a_spec_error():
    with pytest.raises(SpecError) as info:
        compute_trace(make_spec(), np.array([[1.0, np.nan]]), [[1.0]])
    assert info.value.field == "X" and "finite" in str(info.value)
    with pytest.raises(SpecError) as info:
        compute_trace(make_spec(), [[1.0, 2.0]], np.array([[np.inf]]))
    assert info.value.field == "y"


def test_lists_and_arrays_give_the_same_trace():
    spec, X, y = preset_parts("moons")
    a, b = compute_trace(spec, X, y), compute_trace(spec, np.array(X), np.array(y).ravel())
    assert a.loss == b.loss
    assert all(np.array_equal(p, q) for p, q in zip(a.updated_W, b.updated_W))


@settings(max_examples=120)
@given(
    activations=st.lists(st.sampled_from(["identity", "relu", "leaky_relu", "softplus", "tanh"]), min_size=3, max_size=3),
    scale=st.sampled_from([1.0, 1e50, 1e100, 1e150, 1e200, 1e300]),
    learning_rate=st.sampled_from([0.1, 1e100, 1e300]),
    seed=st.integers(0, 50),
)
def test_finite_flag_matches_every_matrix(activations, scale, learning_rate, seed):
    # The API skips its own scan when the core says finite: the cheap check must never miss a NaN/inf.
    base = make_spec(layers=(2, 3, 3, 1), activations=tuple(activations), seed=seed)
    spec = make_spec(layers=(2, 3, 3, 1), activations=tuple(activations), learning_rate=learning_rate,
                     weights=[w * scale for w in base.weights])
    t = compute_trace(spec, [[1.5, -2.0], [3.0, 0.5]], [[1.0], [-1.0]])
    all_finite = all(np.isfinite(value).all() for value in t.matrices().values())
    assert t.finite == all_finite
    assert (t.warnings == []) == all_finite


def test_matrix_ids_list_every_matrix_once_in_pipeline_order():
    assert matrix_ids(make_spec()) == [
        "X", "y", "W1", "H1", "O1", "W2", "H2", "O2", "W3", "H3", "O3", "y_hat", "L",
        "dL/dy_hat", "dL/dO2", "dL/dH2", "dL/dO1", "dL/dH1", "f'(H1)", "f'(H2)", "f'(H3)",
        "dL/dW1", "W1_new", "dL/dW2", "W2_new", "dL/dW3", "W3_new"]
    with_bias = make_spec(layers=[2, 3, 1], activations=["tanh", "sigmoid"], bias=True)
    assert matrix_ids(with_bias) == [
        "X", "y", "W1", "b1", "H1", "O1", "W2", "b2", "H2", "O2", "y_hat", "L",
        "dL/dy_hat", "dL/dH2", "dL/dO1", "dL/dH1", "f'(H1)", "f'(H2)",
        "dL/dW1", "dL/db1", "W1_new", "b1_new", "dL/dW2", "dL/db2", "W2_new", "b2_new"]


def test_parameter_gradients_resolve_by_name_and_an_unknown_one_is_named_in_the_error():
    spec = make_spec(layers=[2, 3, 1], activations=["tanh", "sigmoid"], bias=True)
    t = compute_trace(spec, [[1, 2], [3, 4]], [[0.5], [1.0]])
    assert t.matrix("dL/dW2") is t.dW[1] and t.matrix("dL/db1") is t.db[0] and t.matrix("dL/db2") is t.db[1]
    with pytest.raises(KeyError, match="dL/dQ7"):
        t.matrix("dL/dQ7")
    with pytest.raises(KeyError, match="dL/dXb1"):
        t.matrix("dL/dXb1")


def test_biases_take_their_own_slices_of_the_parameter_vector():
    spec = make_spec(layers=[2, 3, 1], activations=["tanh", "sigmoid"], bias=True, biases=[[1, 2, 3], [4]])
    t = compute_trace(spec, [[1, 2]], [[0.5]])
    np.testing.assert_allclose(t.updated_b[0], np.array([1, 2, 3]) - 0.1 * t.db[0])
    np.testing.assert_allclose(t.updated_b[1], np.array([4]) - 0.1 * t.db[1])
    assert t.updated_b[0].shape == (3,) and t.updated_b[1].shape == (1,)


def test_the_loss_gradient_of_bce_logits_uses_the_last_pre_activation():
    spec = make_spec(layers=[2, 2, 2, 1], activations=["tanh", "tanh", "sigmoid"], loss="bce")
    X, y = [[0.3, -0.2], [1.0, 0.5]], [[1.0], [0.0]]
    t = compute_trace(spec, X, y)
    # sigmoid + bce: dL/dH_3 = (ŷ − y)/n, from H_3 (an earlier layer's H would give other numbers)
    expected = (t.y_hat - t.y) / len(X)
    np.testing.assert_allclose(t.dW[2], t.O[1].T @ expected, rtol=1e-9)
    y_hat, target = t.y_hat, np.array(y)
    assert t.loss == pytest.approx(-np.mean(target * np.log(y_hat) + (1 - target) * np.log(1 - y_hat)), rel=1e-9)


def test_nan_in_X_is_found_by_the_traces_own_final_check_not_a_second_scan(monkeypatch):
    # compute_trace skips check_data's finiteness scan (check_finite=False) and finds NaN in its final check.
    import app.core.matrices as matrices

    calls = []
    original = matrices.as_matrix

    def spy(value, field, allow_vector=False, check_finite=True):
        calls.append((field, check_finite))
        return original(value, field, allow_vector, check_finite)

    monkeypatch.setattr(matrices, "as_matrix", spy)
    compute_trace(make_spec(), [[0.0, 1.0]], [[1.0]])
    assert calls == [("X", False), ("y", False)]


def test_an_overflow_warning_lists_the_matrices_comma_separated():
    t = compute_trace(make_spec(learning_rate=1e308), [[1, 2]], [[1e300]])
    listed = t.warnings[0].split(" in ", 1)[1].split(":", 1)[0]
    assert ", " in listed and all(name.strip() for name in listed.split(", "))


def test_the_trace_carries_the_graph_of_its_structure():
    from app.core.graph import graph_for

    spec = make_spec()
    assert compute_trace(spec, [[0, 1]], [[1]]).graph == graph_for(spec.layers, spec.activations, spec.bias, spec.loss)


def test_an_overflow_warning_names_exactly_the_matrices_that_overflowed():
    t = compute_trace(make_spec(learning_rate=1e308), [[1, 2]], [[1e300]])
    assert t.warnings == [_overflow_warning("L, W1_new, W2_new, W3_new")]


def _non_finite(trace) -> list[str]:
    """Every matrix of the trace holding NaN or infinity, found the slow way."""
    return [mid for mid, value in trace.matrices().items() if not np.isfinite(value).all()]


def _overflow_warning(names: str) -> str:
    return (f"non-finite values (overflow) in {names}: lower the learning rate, or start from smaller weights "
            f"(another init scheme or seed)")


# H_4 overflows, the sigmoid (tanh) after it maps ±inf to 1, and f'(H_4) = 0 keeps the backward pass finite: only
# a scan of H_4 finds it. Every parameter stays below 1e154, so the sum of their squares stays finite and cannot
# raise the alarm in its place: the bound that says how deep a trace must scan has to reach H_4 on its own.
_THROUGH_IDENTITY_LAYERS = dict(layers=[1, 1, 1, 1, 1], activations=["sigmoid", "identity", "identity", "sigmoid"])


@pytest.mark.parametrize("kwargs", [
    # past the first sigmoid two identity layers multiply: 0.73 · 1e150 · 1e150 · 1e9 overflows H4
    dict(_THROUGH_IDENTITY_LAYERS, weights=[[[1.0]], [[1e150]], [[1e150]], [[1e9]]]),
    dict(_THROUGH_IDENTITY_LAYERS, activations=["tanh", "identity", "identity", "tanh"],
         weights=[[[1.0]], [[1e150]], [[1e150]], [[1e9]]]),
    # a bias of 1e150 carries into the layers after it: (0.73 + 1e150) · 1e150 · 1e10 overflows H4
    dict(_THROUGH_IDENTITY_LAYERS, bias=True, weights=[[[1.0]], [[1.0]], [[1e150]], [[1e10]]],
         biases=[[0.0], [1e150], [0.0], [0.0]]),
], ids=["weights", "tanh", "bias"])
def test_an_overflow_that_a_later_sigmoid_hides_is_still_reported(kwargs):
    t = compute_trace(make_spec(**kwargs), [[30.0]], [[1.0]])
    assert _non_finite(t) == ["H4"] and not t.finite
    assert t.warnings == [_overflow_warning("H4")]


def test_an_overflow_of_the_first_layer_from_huge_inputs_alone_is_reported():
    # Small weights, inputs of 1e308: H1 overflows, σ(H1) = 1 and f'(H1) = 0 keep everything after it finite.
    weights = [[[10, 10], [10, 10]], [[0.5, 0.5], [0.5, 0.5]], [[0.5], [0.5]]]
    t = compute_trace(make_spec(weights=weights), [[1e308, 1e308]], [[1.0]])
    assert _non_finite(t) == ["H1"] and t.warnings == [_overflow_warning("H1")]


def test_weights_whose_column_sum_passes_the_largest_double_build_without_a_warning():
    # Two weights of 1.5e308 into one unit (pytest turns NumPy's overflow warning into an error here).
    spec = make_spec(layers=[1, 2, 1], activations=["sigmoid", "sigmoid"],
                     weights=[[[1.0, 1.0]], [[1.5e308], [1.5e308]]])
    t = compute_trace(spec, [[30.0]], [[1.0]])
    assert _non_finite(t) == ["H2"] and t.warnings == [_overflow_warning("H2")]


def test_no_gradient_of_the_input_is_kept():
    spec = make_spec(layers=[2, 3, 1], activations=["tanh", "sigmoid"], bias=True)
    t = compute_trace(spec, [[1, 2]], [[0.5]])
    for mid in ("dL/dX1", "dL/dX", "dL/dy"):
        with pytest.raises(KeyError, match=mid):
            t.matrix(mid)
