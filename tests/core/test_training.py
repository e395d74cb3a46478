import math

import numpy as np
import pytest

from app.core import LIMITS, SpecError, make_spec, train
from app.core.training import snapshot_epochs

from .helpers import preset_parts


def test_training_solves_xor():
    spec, X, y = preset_parts("xor")
    result = train(spec, X, y, epochs=1000)
    assert len(result.loss_history) == 1001
    assert result.loss_history[-1] < 0.05 < result.loss_history[0]
    h = np.tanh(np.array(X) @ result.weights[0] + result.biases[0]) @ result.weights[1] + result.biases[1]
    assert ((h > 0).astype(float) == np.array(y)).all()
    assert result.stopped_at is None and result.warnings == []


@pytest.mark.parametrize("preset_id", ["exercise", "moons", "deep"])
def test_presets_train_with_their_learning_rate(preset_id):
    spec, X, y = preset_parts(preset_id)
    result = train(spec, X, y, epochs=300, snapshots=4)
    assert result.loss_history[-1] < 0.5 * result.loss_history[0]
    assert [s.epoch for s in result.snapshots] == [0, 100, 200, 300]
    assert result.snapshots[-1].loss == result.loss_history[-1]


def test_snapshot_epochs():
    assert snapshot_epochs(10, 0) == []
    assert snapshot_epochs(10, 1) == [10]
    assert snapshot_epochs(10, 3) == [0, 5, 10]
    assert snapshot_epochs(3, 10) == [0, 1, 2, 3]


def test_overflow_stops_and_reports_the_epoch():
    spec = make_spec(layers=[1, 1], activations=["identity"], learning_rate=5.0, weights=[[[1.0]]])
    result = train(spec, [[10.0]], [[1.0]], epochs=500)
    assert result.stopped_at is not None and 1 < result.stopped_at < 500
    assert not math.isfinite(result.loss_history[-1])
    assert result.warnings == [f"the loss overflowed at epoch {result.stopped_at}: lower the learning rate"]
    assert np.isfinite(result.weights[0]).all()


@pytest.mark.parametrize("kwargs, field, message", [
    (dict(epochs=0), "epochs", "epochs is 0; it must be a whole number from 1 to 10000"),
    (dict(epochs=10_001), "epochs", "from 1 to 10000"),
    (dict(epochs=10, snapshots=51), "snapshots", "snapshots is 51; it must be a whole number from 0 to 50"),
])
def test_argument_rules(kwargs, field, message):
    with pytest.raises(SpecError) as info:
        train(make_spec(), [[1, 2]], [[1]], **kwargs)
    assert info.value.field == field and message in str(info.value)


def test_work_budget():
    spec = make_spec(layers=[16] * 9)
    X, y = np.zeros((512, 16)), np.zeros((512, 16))
    with pytest.raises(SpecError) as info:
        train(spec, X, y, epochs=LIMITS.max_epochs)
    assert info.value.field == "epochs" and "budget" in str(info.value)
    most = LIMITS.train_budget // ((512 + LIMITS.budget_row_overhead) * spec.n_params)
    assert f"use at most {most} epochs" in str(info.value)
    train(spec, X[:8], y[:8], epochs=1, snapshots=0)  # one epoch is always fine
