import pytest

from app.core import PRESETS, compute_trace, make_spec

from .helpers import preset_parts


def test_required_presets():
    assert [p.id for p in PRESETS] == ["exercise", "xor", "moons", "deep"]
    for p in PRESETS:
        assert set(p.title) == set(p.description) == {"en", "ru"}
        assert all(p.title.values()) and all(p.description.values())


def test_exercise_preset():
    spec, X, y = preset_parts("exercise")
    assert spec.layers == (2, 2, 2, 1) and spec.activations == ("sigmoid", "sigmoid", "identity")
    assert spec.loss == "half_sse" and not spec.bias and len(X) == 4


def test_deep_preset_shape():
    spec, X, y = preset_parts("deep")
    assert spec.layers == (2, 8, 8, 8, 1) and spec.activations[:3] == ("tanh",) * 3


def test_moons_data_is_deterministic_and_rounded():
    spec, X, y = preset_parts("moons")
    assert len(X) == 64 and sorted({row[0] for row in y}) == [0.0, 1.0]
    assert all(round(v, 2) == v for row in X for v in row)
    assert X[:3] == [[1.0, 0.03], [0.97, 0.01], [0.93, 0.1]]


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.id)
def test_every_preset_is_a_complete_valid_request(preset):
    request = preset.to_dict()["request"]
    assert {"layers", "activations", "bias", "loss", "learning_rate", "seed", "init", "X", "y"} <= set(request)
    X, y = request.pop("X"), request.pop("y")
    trace = compute_trace(make_spec(**request), X, y)
    assert trace.warnings == []


def test_to_dict_is_a_copy():
    d = PRESETS[0].to_dict()
    d["request"]["X"][0][0] = 99
    assert PRESETS[0].request["X"][0][0] == 0
