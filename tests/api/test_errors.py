"""Every client mistake is a 4xx whose message names the field and the rule; never a 500, never bad JSON."""

from __future__ import annotations

import pytest

from app.core import ACTIVATIONS, EXCERPT_CHARS, INIT_SCHEMES, LIMITS, LOSSES
from tests.api.helpers import body, locs, messages

RAW_JSON = {"Content-Type": "application/json"}


def post_raw(client, text: str):
    return client.post("/api/trace", content=text.encode(), headers=RAW_JSON)


def test_ragged_x_names_the_row_and_both_lengths(client):
    response = client.post("/api/trace", json=body(X=[[0, 0], [0, 1], [1, 0, 1], [1, 1]]))
    assert response.status_code == 422
    assert messages(response) == ["X row 2 has 3 values but row 0 has 2"]
    assert locs(response) == [["body", "X"]]


def test_ragged_weight_matrix_names_which_one(client):
    weights = [[[1, 2], [3]], [[1, 0], [0, 1]], [[1], [1]]]
    response = client.post("/api/trace", json=body(weights=weights))
    assert response.status_code == 422
    assert messages(response) == ["weights[0] row 1 has 1 value but row 0 has 2"]


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"X": [[0, 0, 1], [1, 1, 0]], "y": [0, 1]}, "X", "X has 3 columns but the input layer has 2"),
        ({"y": [[0, 1], [1, 0], [1, 1], [0, 0]]}, "y", "y has 2 columns but the output layer has 1"),
        ({"y": [0, 1, 1]}, "y", "y has 3 rows but X has 4"),
        ({"weights": [[[1, 2], [3, 4]], [[1, 2], [3, 4]], [[1, 2], [3, 4]]]}, "weights", "W_3 must be 2×1"),
        ({"layers": [2, 3, 1], "activations": ["sigmoid"]}, "activations", "activations has 1 names but layers has 2"),
    ],
)
def test_wrong_shapes_say_which(client, fields, field, fragment):
    response = client.post("/api/trace", json=body(**fields))
    assert response.status_code == 422
    assert locs(response)[0][1] == field
    assert fragment in messages(response)[0]


def test_unknown_activation_lists_the_allowed_ones(client):
    response = client.post("/api/trace", json=body(activations=["sigmoid", "swish", "identity"]))
    assert response.status_code == 422
    assert locs(response) == [["body", "activations", 1]]
    (message,) = messages(response)
    assert "'swish'" in message and all(name in message for name in ACTIVATIONS)


def test_unknown_loss_lists_the_allowed_ones(client):
    response = client.post("/api/trace", json=body(loss="hinge"))
    assert response.status_code == 422
    (message,) = messages(response)
    assert "'hinge'" in message and all(name in message for name in LOSSES)


def test_bce_without_a_sigmoid_output_says_so(client):
    response = client.post("/api/trace", json=body(loss="bce"))
    assert response.status_code == 422
    assert "needs a sigmoid output layer" in messages(response)[0]


@pytest.mark.parametrize(
    ("text", "where", "shown"),
    [
        ('{"X": [[0, 0], [0, NaN]], "y": [0, 1]}', "X[1][1]", "NaN"),
        ('{"X": [[0, 0], [Infinity, 1]], "y": [0, 1]}', "X[1][0]", "Infinity"),
        ('{"X": [[0, -Infinity], [0, 1]], "y": [0, 1]}', "X[0][1]", "-Infinity"),
        ('{"X": [[0, 0], [0, 1e400]], "y": [0, 1]}', "X[1][1]", "Infinity"),
        ('{"X": [[0, 0], [0, 1]], "y": [0, NaN]}', "y[1][0]", "NaN"),
        ('{"X": [[0, 0], [0, 1]], "y": [0, 1], "learning_rate": 1e999}', "learning_rate", "Infinity"),
    ],
)
def test_non_finite_input_is_refused_naming_field_and_position(client, text, where, shown):
    response = post_raw(client, text)
    assert response.status_code == 422
    (message,) = messages(response)  # parsed strictly: the NaN input is not echoed back
    assert message.startswith(f"{where} is {shown}:")
    assert "finite" in message


def test_non_numbers_are_refused_naming_the_position(client):
    response = client.post("/api/trace", json=body(X=[[0, 0], [0, "one"], [1, 0], [1, True]]))
    assert response.status_code == 422
    assert messages(response) == ["X[1][1] must be a number, got 'one'", "X[3][1] must be a number, got true"]


def test_many_bad_values_are_summarised(client):
    text = '{"X": [' + ", ".join(["[NaN, NaN]"] * 40) + '], "y": [0]}'
    response = post_raw(client, text)
    assert response.status_code == 422
    found = messages(response)
    assert len(found) == 21 and found[-1] == "… and 60 more errors like these"


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"X": [[0.0, 1.0]] * (LIMITS.max_rows + 1), "y": [0.0] * (LIMITS.max_rows + 1)},
         f"from 1 to {LIMITS.max_rows}"),
        ({"layers": [2, LIMITS.max_width + 1, 1]}, f"from 1 to {LIMITS.max_width}"),
        ({"layers": [2] * (LIMITS.max_layers + 1) + [1]}, f"it must have from 2 to {LIMITS.max_layers + 1}"),
        ({"X": [], "y": []}, "X has 0 rows; it needs at least 1"),
    ],
)
def test_sizes_over_the_limits_state_the_limit(client, fields, fragment):
    response = client.post("/api/trace", json=body(**fields))
    assert response.status_code == 422
    assert fragment in messages(response)[0]


def test_missing_x_and_y_are_named(client):
    response = client.post("/api/trace", json={"layers": [2, 1]})
    assert response.status_code == 422
    assert messages(response) == ["X is required", "y is required"]


def test_misspelt_field_lists_the_allowed_ones(client):
    response = client.post("/api/trace", json=body(learningrate=0.5))
    assert response.status_code == 422
    (message,) = messages(response)
    assert "unknown field 'learningrate'" in message and "learning_rate" in message


def test_wrong_types_name_the_field(client):
    response = client.post("/api/trace", json=body(bias="yes", seed=1.5))
    assert response.status_code == 422
    assert messages(response) == ["bias must be true or false, got 'yes'", "seed must be an integer, got 1.5"]


def test_malformed_json(client):
    response = post_raw(client, '{"X": [[0, 0]], "y": [0,')
    assert response.status_code == 422
    (message,) = messages(response)
    assert message.startswith("body is not valid JSON: ")
    assert "line 1 column" in message


def test_empty_body(client):
    response = post_raw(client, "")
    assert response.status_code == 422
    assert messages(response) == ["body is empty: send a JSON object with at least X and y"]


def test_an_empty_predict_body_names_only_what_predict_needs(client):
    response = client.post("/api/predict", content=b"", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert messages(response) == ["body is empty: send a JSON object with at least X"]


def test_a_form_body_is_415(client):
    response = client.post("/api/trace", data={"X": "1"})
    assert response.status_code == 415
    assert "Content-Type: application/json" in messages(response)[0]

@pytest.mark.parametrize("text", ["[1, 2]", '"X"', "null"])
def test_a_body_that_is_not_an_object(client, text):
    response = post_raw(client, text)
    assert response.status_code == 422
    assert "body must be a JSON object" in messages(response)[0]


def test_a_body_over_the_byte_limit_is_413(client):
    settings = client.app.state.settings
    padding = " " * (settings.max_body_bytes + 1)
    response = post_raw(client, '{"X": [[0, 0]], "y": [0]}' + padding)
    assert response.status_code == 413
    assert messages(response) == [f"the request body is larger than the limit of {settings.max_body_bytes} bytes"]


def test_a_512_by_16_matrix_fits_under_the_byte_limit(client):
    X = [[-0.12345678901234567] * 16] * 512
    y = [[0.9876543210987654] * 16] * 512
    response = client.post("/api/trace", json={"X": X, "y": y, "layers": [16, 16]})
    assert response.status_code == 200, response.text[:300]


def test_train_over_the_work_budget_says_how_many_epochs_fit(client):
    payload = {"X": [[0.5] * 16] * 512, "y": [[0.5] * 16] * 512, "layers": [16] * 9, "epochs": LIMITS.max_epochs}
    response = client.post("/api/train", json=payload)
    assert response.status_code == 422
    assert locs(response) == [["body", "epochs"]]
    assert "budget" in messages(response)[0] and "use at most" in messages(response)[0]


@pytest.mark.parametrize(("fields", "field"), [({"epochs": 0}, "epochs"), ({"snapshots": 51}, "snapshots")])
def test_train_epochs_and_snapshots_out_of_range(client, fields, field):
    response = client.post("/api/train", json=body(**fields))
    assert response.status_code == 422
    assert locs(response) == [["body", field]]
    assert "must be a whole number from" in messages(response)[0]


# ---- what a message quotes of the input ----------------------------------------------------------------

def test_a_huge_name_is_quoted_by_an_excerpt_only(client):
    response = client.post("/api/trace", json=body(loss="a" * 1_900_000))
    assert response.status_code == 422
    assert len(response.content) < 1_000
    (message,) = messages(response)
    assert message.startswith("loss is 'aaaa") and "…" in message and "half_sse" in message


def test_a_huge_unknown_field_name_is_cut_in_loc_and_message(client):
    response = client.post("/api/trace", json=body(**{"k" * 1_900_000: 1}))
    assert response.status_code == 422
    assert len(response.content) < 1_000
    (loc,) = locs(response)
    assert loc[1] == "k" * (EXCERPT_CHARS - 1) + "…" and "unknown field 'kkk" in messages(response)[0]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f'"seed": {2**64}', f"seed is {2**64};"),
        (f'"seed": {10**400}', "seed is an integer of 401 digits;"),
        (f'"layers": [2, {10**4000}, 1]', "layers[1] is an integer of 4001 digits;"),
        (f'"epochs": {-10**100}', "epochs is an integer of 101 digits;"),
    ],
    ids=["seed-2**64", "seed-10**400", "layers-10**4000", "epochs--10**100"],
)
def test_huge_integers_are_reported_exactly_or_by_their_digits(client, text, shown):
    path = "/api/train" if "epochs" in text else "/api/trace"
    response = client.post(path, content=('{"X": [[0, 0]], "y": [0], ' + text + "}").encode(), headers=RAW_JSON)
    assert response.status_code == 422
    (message,) = messages(response)
    assert message.startswith(shown) and len(response.content) < 1_000


def test_not_found_has_a_detail_list_too(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": [{"loc": [], "msg": "Not Found", "type": "not_found"}]}


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        ({"seed": LIMITS.max_seed + 1}, ["body", "seed"],
         f"seed is {LIMITS.max_seed + 1}; it must be a whole number from 0 to {LIMITS.max_seed}"),
        ({"seed": -1}, ["body", "seed"], f"seed is -1; it must be a whole number from 0 to {LIMITS.max_seed}"),
        ({"learning_rate": 0}, ["body", "learning_rate"], "learning_rate is 0; it must be a number greater than 0"),
        ({"layers": [2, 0, 1]}, ["body", "layers", 1],
         f"layers[1] is 0; it must be a whole number from 1 to {LIMITS.max_width}"),
        ({"init": "zeros"}, ["body", "init"], "init is 'zeros'; allowed: " + ", ".join(INIT_SCHEMES)),
        ({"activations": []}, ["body", "activations"], "activations has 0 names; it needs at least 1"),
        ({"weights": []}, ["body", "weights"], "weights has 0 matrices; it needs at least 1"),
        ({"X": [[0.0] * (LIMITS.max_width + 1)]}, ["body", "X", 0],
         f"X[0] has {LIMITS.max_width + 1} values; it must have from 1 to {LIMITS.max_width}"),
        ({"y": [0.0] * (LIMITS.max_rows + 1)}, ["body", "y"],
         f"y has {LIMITS.max_rows + 1} rows; it must have from 1 to {LIMITS.max_rows}"),
    ],
)
def test_a_rule_of_one_field_names_the_field_and_states_the_rule(client, fields, loc, message):
    """Bounds and names come from the body's schema (the one /openapi.json shows), checked before the core runs."""
    response = client.post("/api/trace", json=body(**fields))
    assert response.status_code == 422
    assert locs(response)[0] == loc
    assert messages(response)[0] == message


def test_a_whole_number_written_with_a_fraction_counts_as_an_integer(client):
    """JSON Schema (and so /openapi.json) counts 2.0 as an integer: the server takes it as one too."""
    response = client.post("/api/trace", json=body(layers=[2.0, 2, 2, 1], seed=3.0))
    assert response.status_code == 200
    assert response.json()["spec"]["layers"] == [2, 2, 2, 1]
    assert response.json()["spec"]["seed"] == 3


def test_a_core_rule_travels_with_its_numbers_for_the_page_to_word(client):
    body = {"layers": [2, 17, 1], "X": [[0, 1]], "y": [[1]]}
    response = client.post("/api/trace", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "layers", 1]
    assert error["ctx"] == {"rule": "width_range", "value": 17, "min": 1, "max": 16}

    response = client.post("/api/trace", json={"layers": [2, 1], "X": [[0, 1]], "y": [[1, 2]]})
    assert response.json()["detail"][0]["ctx"] == {"rule": "output_columns", "got": 2, "want": 1}
