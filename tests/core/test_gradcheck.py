import dataclasses

import numpy as np
import pytest

from app.core import LIMITS, PRESETS, SpecError, compute_trace, gradcheck_work, gradient_check, make_spec
from app.core.gradcheck import relative_error

from .helpers import preset_parts


def test_tiny_error_on_a_correct_net():
    spec, X, y = preset_parts("exercise")
    check = gradient_check(spec, X, y)
    assert check.max_rel_error < 1e-6
    assert [p.name for p in check.per_param] == ["W1", "W2", "W3"]
    assert check.max_rel_error == max(p.max_rel_error for p in check.per_param)
    assert check.to_dict()["per_param"][0]["name"] == "W1"


def test_every_loss_and_bias():
    for loss, out in [("half_sse", "identity"), ("mse", "tanh"), ("bce", "sigmoid")]:
        spec = make_spec(layers=[3, 4, 2], activations=["softplus", out], bias=True, loss=loss, seed=5,
                         biases=[[0.1, -0.2, 0.3, 0.0], [0.5, -0.5]])
        X = np.random.default_rng(0).normal(size=(5, 3))
        y = np.random.default_rng(1).uniform(size=(5, 2))
        assert gradient_check(spec, X, y).max_rel_error < 1e-5, loss


def test_relative_error_detects_a_wrong_gradient():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) > 0.05
    assert relative_error(np.array([0.0]), np.array([1e-12])) < 1e-5  # a dead unit's round-off


def test_work_budget():
    spec = make_spec(layers=[2] + [16] * 7 + [1])
    X, y = np.zeros((512, 2)), np.zeros((512, 1))
    with pytest.raises(SpecError) as info:
        gradient_check(spec, X, y)
    assert info.value.field == "gradcheck" and "gradient-check budget" in str(info.value)
    most = LIMITS.gradcheck_budget // gradcheck_work(spec, 1)
    assert gradcheck_work(spec, most) <= LIMITS.gradcheck_budget < gradcheck_work(spec, most + 1)
    assert f"check at most {most} rows" in str(info.value)
    with pytest.raises(SpecError):
        compute_trace(spec, X, y, gradcheck=True)


@pytest.mark.parametrize("preset_id", [preset.id for preset in PRESETS])
def test_every_preset_checks_below_one_in_a_million(preset_id):
    spec, X, y = preset_parts(preset_id)
    check = gradient_check(spec, X, y)
    assert check.max_rel_error < 1e-6, check.to_dict()


def test_the_check_as_json_names_every_field():
    spec, X, y = preset_parts("xor")
    check = gradient_check(spec, X, y)
    as_dict = check.to_dict()
    assert set(as_dict) == {"max_rel_error", "per_param"} and as_dict["max_rel_error"] == check.max_rel_error
    first = as_dict["per_param"][0]
    assert set(first) == {"name", "max_rel_error", "numeric"} and first["name"] == "W1"
    assert first["numeric"] is check.per_param[0].numeric


def test_the_work_of_a_check_counts_two_passes_per_parameter_and_the_analytic_one():
    spec = make_spec()  # 10 parameters
    assert spec.n_params == 10
    assert gradcheck_work(spec, 4) == 4 * 10 * 21


def test_the_budget_admits_exactly_its_limit_and_names_the_factors(monkeypatch):
    import app.core.gradcheck as gradcheck

    spec = make_spec()
    monkeypatch.setattr(gradcheck, "LIMITS", dataclasses.replace(LIMITS, gradcheck_budget=gradcheck_work(spec, 3)))
    gradcheck.check_budget(spec, 3)  # at the budget: allowed
    with pytest.raises(SpecError) as info:
        gradcheck.check_budget(spec, 4)
    assert "4 × 10 × 21 = 840" in str(info.value) and "at most 3 rows" in str(info.value)


def test_relative_error_divides_by_the_larger_magnitude():
    assert relative_error(np.array([2.0]), np.array([1.0])) == pytest.approx(0.5)
    assert relative_error(np.array([0.0]), np.array([1e-6])) == pytest.approx(1e-6 / 1e-4)


def test_a_network_with_biases_checks_them_under_their_names_with_their_numeric_gradients():
    spec = make_spec(layers=[2, 3, 1], activations=["tanh", "sigmoid"], bias=True, biases=[[0.1, -0.2, 0.3], [0.05]])
    X, y = [[0.5, -1.0], [1.5, 0.25]], [[0.2], [0.9]]
    check = gradient_check(spec, X, y)
    assert [p.name for p in check.per_param] == ["W1", "W2", "b1", "b2"]
    t = compute_trace(spec, X, y)
    for param, analytic in zip(check.per_param, [*t.dW, *t.db]):
        assert param.numeric.shape == analytic.shape
        np.testing.assert_allclose(param.numeric, analytic, rtol=1e-5, atol=1e-8)


def test_the_step_is_the_default_eps(monkeypatch):
    import app.core.gradcheck as gradcheck

    seen = []
    original = gradcheck.numeric_gradients

    def spy(spec, X, y, eps=gradcheck.EPS):
        seen.append(eps)
        return original(spec, X, y, eps)

    monkeypatch.setattr(gradcheck, "numeric_gradients", spy)
    spec, X, y = preset_parts("xor")
    gradient_check(spec, X, y, eps=1e-4)
    assert seen == [1e-4]


def test_a_network_that_overflows_checks_to_nan_without_a_warning():
    # pytest turns warnings into errors here: NumPy's overflow warnings must stay silenced in both passes.
    huge = [[[1e200, 1e200], [1e200, 1e200]], [[1e200, 1e200], [1e200, 1e200]], [[1e200], [1e200]]]
    check = gradient_check(make_spec(weights=huge), [[1.0, 1.0]], [[1.0]])
    assert np.isnan(check.max_rel_error)
    assert [p.name for p in check.per_param] == ["W1", "W2", "W3"]
    assert all(np.isnan(p.numeric).all() for p in check.per_param)


def test_a_saturated_sigmoid_layer_checks_without_a_warning():
    # H1 = −2000: e^2000 overflows to infinity in σ and σ(H1) = 0 exactly (NumPy would warn; both passes keep it quiet).
    spec = make_spec(weights=[[[-1000, -1000], [-1000, -1000]], [[0.5, -0.5], [0.25, 1.0]], [[1.0], [-1.0]]])
    check = gradient_check(spec, [[1.0, 1.0], [0.5, 2.0]], [[1.0], [0.0]])
    assert check.max_rel_error < 1e-6
    np.testing.assert_array_equal(check.per_param[0].numeric, np.zeros((2, 2)))  # a dead layer learns nothing
