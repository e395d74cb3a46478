"""POST /api/train: gradient descent through the API."""

from __future__ import annotations

from tests.api.helpers import body, locs, messages, strict_json


def test_training_lowers_the_loss_on_xor(client):
    payload = body(layers=[2, 4, 1], activations=["tanh", "sigmoid"], loss="bce", bias=True,
                   learning_rate=1.0, epochs=2000, snapshots=5)
    response = client.post("/api/train", json=payload)
    assert response.status_code == 200, response.text
    answer = strict_json(response.text)
    history = answer["loss_history"]
    assert len(history) == 2001
    assert history[-1] < 0.1 < history[0]
    assert [s["epoch"] for s in answer["snapshots"]] == [0, 500, 1000, 1500, 2000]
    assert answer["snapshots"][-1]["loss"] == history[-1]
    assert [len(w) for w in answer["weights"]] == [2, 4] and [len(b) for b in answer["biases"]] == [4, 1]
    assert answer["stopped_at"] is None and answer["warnings"] == []
    assert answer["epochs"] == 2000 and answer["spec"]["layers"] == [2, 4, 1]


def test_train_defaults_to_the_exercise_network(client):
    answer = strict_json(client.post("/api/train", json=body(epochs=10, snapshots=0)).text)
    assert answer["spec"]["activations"] == ["sigmoid", "sigmoid", "identity"]
    assert answer["snapshots"] == [] and len(answer["loss_history"]) == 11


def test_train_refuses_gradcheck_like_any_field_it_does_not_use(client):
    response = client.post("/api/train", json=body(gradcheck=True, epochs=10))
    assert response.status_code == 422
    assert locs(response) == [["body", "gradcheck"]]
    (message,) = messages(response)
    assert "unknown field 'gradcheck'" in message and "epochs" in message
