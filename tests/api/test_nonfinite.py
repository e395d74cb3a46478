"""Overflow never breaks JSON: non-finite numbers arrive as "NaN" / "Infinity" strings with a warning."""

from __future__ import annotations

from tests.api.helpers import body, strict_json

HUGE_WEIGHTS = [[[1e200, 1e200], [1e200, 1e200]], [[1e200, -1e200], [1e200, 1e200]], [[1e200], [1e200]]]


def flat(value):
    if isinstance(value, list):
        for item in value:
            yield from flat(item)
    else:
        yield value


def test_huge_weights_give_strings_and_a_warning(client):
    payload = body(weights=HUGE_WEIGHTS, activations=["identity", "identity", "identity"])
    response = client.post("/api/trace", json=payload)
    assert response.status_code == 200
    answer = strict_json(response.text)  # fails on a NaN or Infinity token
    assert "Infinity" in flat(answer["forward"]["H"][1])  # 1e200 · 1e200 overflows
    assert "NaN" in flat(answer["forward"]["y_hat"])  # ∞ − ∞
    assert answer["forward"]["loss"] == "NaN"
    assert answer["warnings"] and "lower the learning rate" in answer["warnings"][0]
    assert answer["forward"]["X"] == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]  # finite parts stay numbers


def test_huge_learning_rate_in_training_stops_with_a_warning(client):
    response = client.post("/api/train", json=body(learning_rate=1e150, epochs=50, snapshots=3, bias=True))
    assert response.status_code == 200
    answer = strict_json(response.text)
    assert answer["stopped_at"] is not None
    assert answer["loss_history"][-1] in ("NaN", "Infinity")
    assert all(isinstance(v, float) for v in answer["loss_history"][:-1])
    assert any("overflowed" in w for w in answer["warnings"])
