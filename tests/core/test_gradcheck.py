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
