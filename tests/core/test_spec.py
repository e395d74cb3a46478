import pickle

import numpy as np
import pytest

from app.core import INIT_SCHEMES, LIMITS, SpecError, check_data, make_spec, shown
from app.core.errors import EXCERPT_CHARS


def _error(**kwargs) -> SpecError:
    with pytest.raises(SpecError) as info:
        make_spec(**kwargs)
    return info.value


def _data_error(X, y, **kwargs) -> SpecError:
    with pytest.raises(SpecError) as info:
        check_data(make_spec(**kwargs), X, y)
    return info.value


# --- defaults and initialisation ----------------------------------------------------------------------

def test_defaults_are_the_exercise():
    spec = make_spec()
    assert spec.layers == (2, 2, 2, 1)
    assert spec.activations == ("sigmoid", "sigmoid", "identity")
    assert (spec.bias, spec.loss, spec.learning_rate, spec.seed, spec.init) == (False, "half_sse", 0.1, 0,
                                                                                "xavier_uniform")
    assert [w.shape for w in spec.weights] == [(2, 2), (2, 2), (2, 1)]
    assert spec.biases == ()


def test_layers_without_activations_are_sigmoid_then_identity():
    assert make_spec(layers=[3, 4, 5, 2, 1]).activations == ("sigmoid",) * 3 + ("identity",)


def test_seed_0_pins_the_exact_default_weights():
    # Same seed, same weights on every machine: np.random.default_rng(0), xavier_uniform, layer by layer.
    expected = [
        [[0.3354862482481791, -0.5639050832878074], [-1.124380644784199, -1.1842605976919982]],
        [[0.7673522376402999, 1.0110405528183288], [0.26120323895543396, 0.5621494721343181]],
        [[0.12339010917762305], [1.2305706446703935]],
    ]
    for w, e in zip(make_spec().weights, expected):
        np.testing.assert_array_equal(w, np.array(e))


def test_seed_42_he_normal_with_bias():
    spec = make_spec(layers=[2, 3, 1], init="he_normal", seed=42, bias=True)
    np.testing.assert_array_equal(spec.weights[0], [[0.30471707975443135, -1.0399841062404955, 0.7504511958064572],
                                                    [0.9405647163912139, -1.9510351886538364, -1.302179506862318]])
    np.testing.assert_array_equal(spec.weights[1], [[0.10438125209051054], [-0.25821099539225556],
                                                    [-0.013718087657880008]])
    assert [b.tolist() for b in spec.biases] == [[0.0, 0.0, 0.0], [0.0]]


@pytest.mark.parametrize("init", list(INIT_SCHEMES))
def test_every_init_is_reproducible_and_scaled(init):
    a, b = make_spec(layers=[16, 16, 1], init=init, seed=3), make_spec(layers=[16, 16, 1], init=init, seed=3)
    assert all(np.array_equal(x, z) for x, z in zip(a.weights, b.weights))
    assert not np.array_equal(a.weights[0], make_spec(layers=[16, 16, 1], init=init, seed=4).weights[0])
    assert np.abs(a.weights[0]).max() <= (1.0 if init == "uniform" else 4 * np.sqrt(6 / 16))


def test_uniform_is_minus_one_to_one():
    w = make_spec(layers=[16, 16, 16], init="uniform").weights[0]
    assert -1 <= w.min() < -0.9 and 0.9 < w.max() <= 1


def test_given_weights_are_used_and_frozen():
    weights = [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9], [10]]]
    spec = make_spec(weights=weights)
    np.testing.assert_array_equal(spec.weights[2], [[9.0], [10.0]])
    assert spec.weights[0].dtype == np.float64
    with pytest.raises(ValueError):
        spec.weights[0][0, 0] = 5.0


def test_given_biases_accept_a_vector_or_a_row():
    spec = make_spec(layers=[2, 2, 1], bias=True, biases=[[1, 2], [[3]]])
    assert [b.tolist() for b in spec.biases] == [[1.0, 2.0], [3.0]]


# --- every validation rule ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field, message", [
    (dict(layers=[2]), "layers", "layers has 1 widths; it needs at least 2 (input and output)"),
    (dict(layers="2,1"), "layers", "layers must be a list of widths, input first (e.g. [2, 2, 2, 1])"),
    (dict(layers=[2] * 11), "layers", "layers has 10 weight layers; the limit is 8"),
    (dict(layers=[2] * 10), "layers", "layers has 9 weight layers; the limit is 8"),
    (dict(layers=[2, 17, 1]), "layers[1]", "layers[1] is 17; widths must be from 1 to 16"),
    (dict(layers=[2, 0, 1]), "layers[1]", "layers[1] is 0; widths must be from 1 to 16"),
    (dict(layers=[2, 1.5, 1]), "layers[1]", "layers[1] is 1.5; widths must be whole numbers"),
    (dict(layers=[2, True, 1]), "layers[1]", "layers[1] is True; widths must be whole numbers"),
    (dict(activations="sigmoid"), "activations", "activations must be a list of names, one per weight layer"),
    (dict(activations=["sigmoid", "sigmoid", "foo"]), "activations[2]",
     "activations[2] is 'foo'; allowed: identity, sigmoid, tanh, relu, leaky_relu, softplus"),
    (dict(activations=["sigmoid"]), "activations",
     "activations has 1 names but layers has 3 weight layers; give one per weight layer"),
    (dict(bias="yes"), "bias", "bias is 'yes'; it must be true or false"),
    (dict(loss="hinge"), "loss", "loss is 'hinge'; allowed: half_sse, mse, bce"),
    (dict(loss="bce"), "loss", "loss 'bce' needs a sigmoid output layer, but activations[2] is 'identity'"),
    (dict(learning_rate=0), "learning_rate", "learning_rate is 0; it must be a finite number greater than 0"),
    (dict(learning_rate=float("nan")), "learning_rate",
     "learning_rate is nan; it must be a finite number greater than 0"),
    (dict(learning_rate="0.1"), "learning_rate", "learning_rate is '0.1'; it must be a finite number greater than 0"),
    (dict(seed=-1), "seed", "seed is -1; it must be a whole number from 0 to 4294967295"),
    (dict(seed=1.5), "seed", "seed is 1.5; it must be a whole number from 0 to 4294967295"),
    (dict(init="zeros"), "init", "init is 'zeros'; allowed: xavier_uniform, xavier_normal, he_uniform, "
                                 "he_normal, uniform"),
    (dict(weights="w"), "weights", "weights must be a list of matrices, one per weight layer"),
    (dict(weights=[[[1, 2], [3, 4]]]), "weights", "weights has 1 matrices but layers has 3 weight layers"),
    (dict(weights=[[[1, 2], [3, 4]], [[1, 2], [3, 4]], [[1, 2]]]), "weights[2]",
     "weights[2] is 1×2 but W_3 must be 2×1 (layers[2]×layers[3])"),
    (dict(weights=[[[1, 2], [3]], [[1, 2], [3, 4]], [[1], [2]]]), "weights[0]",
     "weights[0] is ragged: row 1 has 1 numbers but row 0 has 2"),
    (dict(weights=[[[1, "a"], [3, 4]], [[1, 2], [3, 4]], [[1], [2]]]), "weights[0]",
     "weights[0][0][1] is 'a'; values must be numbers"),
    (dict(weights=[[[1, 2], [3, float("inf")]], [[1, 2], [3, 4]], [[1], [2]]]), "weights[0]",
     "weights[0][1][1] is inf; values must be finite numbers"),
    (dict(weights=[[1, 2], [[1, 2], [3, 4]], [[1], [2]]]), "weights[0]",
     "weights[0] must be a matrix (a list of rows); it has 1 dimensions"),
    (dict(biases=[[0, 0], [0, 0], [0]]), "biases",
     "biases are given but bias is false; turn bias on or leave biases out"),
    (dict(bias=True, biases="b"), "biases", "biases must be a list of vectors, one per weight layer"),
    (dict(bias=True, biases=[[0, 0], [0, 0]]), "biases", "biases has 2 vectors but layers has 3 weight layers"),
    (dict(bias=True, biases=[[0, 0], [0, 0, 0], [0]]), "biases[1]",
     "biases[1] has shape 3 but b_2 must hold 2 numbers (layers[2])"),
    (dict(layers=[2, 2, 1], bias=True, biases=[[[1], [2]], [0]]), "biases[0]",
     "biases[0] has shape 2×1 but b_1 must hold 2 numbers (layers[1])"),  # a column is not a row
    (dict(layers=[2, 2, 1], bias=True, biases=[[[[1, 2]]], [0]]), "biases[0]",
     "biases[0] must be a list of numbers (a vector); it has 3 dimensions"),
])
def test_spec_rules(kwargs, field, message):
    error = _error(**kwargs)
    assert error.field == field
    assert str(error) == error.message == message
    assert isinstance(error, ValueError)


# The page words these rules in its own language from `rule` and `params` (static/js/i18n/*.js "rule.…").
@pytest.mark.parametrize("kwargs, rule, params", [
    (dict(layers=[2]), "too_few_layers", {"count": 1}),
    (dict(layers=[2] * 10), "too_many_layers", {"count": 9, "max": 8}),
    (dict(layers=[2, 17, 1]), "width_range", {"value": 17, "min": 1, "max": 16}),
    (dict(layers=[2, -3, 1]), "width_range", {"value": -3, "min": 1, "max": 16}),
    # JavaScript holds whole numbers exactly up to 2**53 only: a larger width travels as its text.
    (dict(layers=[2, 2**53 - 1, 1]), "width_range", {"value": 2**53 - 1, "min": 1, "max": 16}),
    (dict(layers=[2, 2**53, 1]), "width_range", {"value": "9007199254740992", "min": 1, "max": 16}),
    (dict(layers=[2, -(2**53), 1]), "width_range", {"value": "-9007199254740992", "min": 1, "max": 16}),
    (dict(loss="bce"), "needs_sigmoid_output", {"loss": "bce"}),
    (dict(learning_rate=-0.5), "positive", {}),
    (dict(seed=2**32), "int_range", {"min": 0, "max": 4294967295}),
    (dict(layers="2,1"), None, {}),
    (dict(layers=[2, 1.5, 1]), None, {}),
])
def test_spec_errors_carry_their_rule_and_numbers(kwargs, rule, params):
    error = _error(**kwargs)
    assert (error.rule, error.params) == (rule, params)


BCE = dict(activations=["sigmoid", "sigmoid", "sigmoid"], loss="bce")


@pytest.mark.parametrize("X, y, kwargs, field, message", [
    ([[1, 2, 3]], [[1]], {}, "X", "X has 3 columns but the input layer has 2"),
    ([], [], {}, "X", "X must be a matrix (a list of rows); it has 1 dimensions"),
    ([[1, 2]] * 513, [[1]] * 513, {}, "X", "X has 513 rows; it must have from 1 to 512"),
    (np.zeros((0, 2)), np.zeros((0, 1)), {}, "X", "X has 0 rows; it must have from 1 to 512"),
    ([[1, 2], [3]], [[1], [1]], {}, "X", "X is ragged: row 1 has 1 numbers but row 0 has 2"),
    ([[1, None]], [[1]], {}, "X", "X[0][1] is None; values must be numbers"),
    ([[True, False]], [[1]], {}, "X", "X[0][0] is True; values must be numbers"),
    ([[1, float("nan")]], [[1]], {}, "X", "X[0][1] is nan; values must be finite numbers"),
    ([[1, 1e400]], [[1]], {}, "X", "X[0][1] is inf; values must be finite numbers"),
    ([[1, 2]], [[1, 2]], {}, "y", "y has 2 columns but the output layer has 1 columns"),
    ([[1, 2]], [[0, 1]], dict(layers=[2, 3]), "y", "y has 2 columns but the output layer has 3 columns"),
    ([[1, 2]], [1, 2], dict(layers=[2, 2]), "y", "y has a flat list but the output layer has 2 columns"),
    ([[1, 2]], [[[1]]], {}, "y", "y must be a list of numbers (a vector); it has 3 dimensions"),
    ([[1, 2]], [[1], [2]], {}, "y", "y has 2 rows but X has 1; give one target row per observation"),
    ([[1, 2]], [[2]], BCE, "y", "y holds values outside [0, 1]; loss 'bce' needs targets from 0 to 1"),
    ([[1, 2]], [[-0.5]], BCE, "y", "y holds values outside [0, 1]; loss 'bce' needs targets from 0 to 1"),
])
def test_data_rules(X, y, kwargs, field, message):
    error = _data_error(X, y, **kwargs)
    assert error.field == field
    assert str(error) == message


def test_data_from_one_row_to_the_row_limit_is_accepted():
    for n in (1, LIMITS.max_rows):
        X, y = check_data(make_spec(), [[0.5, -1]] * n, [[2]] * n)
        assert X.shape == (n, 2) and y.shape == (n, 1)
    X, y = check_data(make_spec(**BCE), [[0, 0], [1, 1]], [[0.0], [1.0]])  # bce's targets may be 0 and 1
    assert y.tolist() == [[0.0], [1.0]]


def test_flat_y_is_accepted_for_one_output():
    X, y = check_data(make_spec(), [[1, 2], [3, 4]], [5, 6])
    assert y.shape == (2, 1) and X.dtype == y.dtype == np.float64


def test_limits():
    assert (LIMITS.max_layers, LIMITS.max_width, LIMITS.max_rows, LIMITS.max_epochs) == (8, 16, 512, 10_000)
    make_spec(layers=[16] * 9)  # the largest network allowed


def test_with_weights_starts_the_next_iteration_from_a_trace():
    from app.core import compute_trace

    spec = make_spec()
    trace = compute_trace(spec, [[0.0, 1.0], [1.0, 0.0]], [[1.0], [0.0]])

    following = spec.with_weights(trace.updated_W)

    assert following.layers == spec.layers and following.learning_rate == spec.learning_rate
    for new, expected in zip(following.weights, trace.updated_W):
        np.testing.assert_array_equal(new, expected)
    with pytest.raises(SpecError):
        spec.with_weights(trace.updated_W[:2])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2**64, "18446744073709551616"),
        (10**80, "an integer of 81 digits"),
        (-(10**400), "an integer of 401 digits"),
        ("swish", "'swish'"),
        ("a" * 10_000, "'" + "a" * (EXCERPT_CHARS - 2) + "…"),
        (1.5, "1.5"),
    ],
    ids=["2**64", "10**80", "-10**400", "name", "long-name", "float"],
)
def test_messages_quote_inputs_shortly(value, text):
    assert shown(value) == text and len(shown(value)) <= EXCERPT_CHARS


def test_a_message_never_holds_a_huge_input():
    with pytest.raises(SpecError) as error:
        make_spec(layers=[2, 1], loss="x" * 1_000_000)
    assert len(str(error.value)) < 2 * EXCERPT_CHARS + 100


def test_a_spec_error_survives_pickling_with_its_field_and_rule():
    # How it comes back from a worker process (app/api/cpu.py): the page words its rule from `rule` and `params`.
    sent = SpecError("layers[1]", "layers[1] is 17; widths must be from 1 to 16", "width_range", value=17, min=1, max=16)
    error = pickle.loads(pickle.dumps(sent))
    assert (error.field, error.message, str(error)) == (sent.field, sent.message, str(sent))
    assert (error.rule, error.params) == ("width_range", {"value": 17, "min": 1, "max": 16})


def test_each_initialisation_scheme_is_registered_under_its_own_name_and_draws_its_shape():
    rng = np.random.default_rng(0)
    for name, scheme in INIT_SCHEMES.items():
        assert scheme.name == name and scheme.text
        assert scheme.draw(rng, 3, 5).shape == (3, 5)


def test_shown_keeps_an_input_of_exactly_the_excerpt_length_whole():
    text = "a" * (EXCERPT_CHARS - 2)
    assert shown(text) == repr(text) and len(shown(text)) == EXCERPT_CHARS
    assert shown(text + "b") == repr(text + "b")[:EXCERPT_CHARS - 1] + "…"


def test_shown_converts_only_the_excerpt_of_a_long_list():
    class Unprintable:
        def __repr__(self) -> str:
            raise AssertionError("the whole list was converted to text")

    assert shown([1] * (EXCERPT_CHARS + 1) + [Unprintable()]).endswith("…")


def test_with_weights_keeps_everything_but_the_weights():
    spec = make_spec(layers=[2, 3, 1], activations=["tanh", "sigmoid"], bias=True, learning_rate=0.5, seed=7)
    other = spec.with_weights([[[1, 2, 3], [4, 5, 6]], [[1], [2], [3]]], [[1, 2, 3], [4]])
    assert (other.layers, other.activations, other.bias, other.learning_rate, other.seed) == ((2, 3, 1),
            ("tanh", "sigmoid"), True, 0.5, 7)
    np.testing.assert_array_equal(other.biases[0], [1, 2, 3])
    np.testing.assert_array_equal(other.weights[1], [[1], [2], [3]])
    no_bias = make_spec()
    assert no_bias.with_weights(no_bias.weights, [[1, 2]]).biases == ()  # biases of a spec without bias are ignored


def test_a_bad_entry_of_a_flat_vector_is_named_by_one_index():
    with pytest.raises(SpecError, match=r"^biases\[0\]\[1\] is 'a'; values must be numbers"):
        make_spec(layers=[2, 2, 1], bias=True, biases=[[0.5, "a"], [0.0]])


@pytest.mark.parametrize(("X", "y", "rule", "params"), [
    ([[0, 0]] * (LIMITS.max_rows + 1), [[0]] * (LIMITS.max_rows + 1), "rows_range",
     {"rows": LIMITS.max_rows + 1, "max": LIMITS.max_rows}),
    ([[0, 0, 0]], [[0]], "input_columns", {"got": 3, "want": 2}),
    ([[0, 0]], [[0, 0]], "output_columns", {"got": 2, "want": 1}),
    ([[0, 0], [1, 1]], [[0]], "target_rows", {"got": 1, "want": 2}),
])
def test_data_errors_carry_their_rule_and_numbers(X, y, rule, params):
    with pytest.raises(SpecError) as info:
        check_data(make_spec(), X, y)
    assert (info.value.rule, info.value.params) == (rule, params)


def test_a_flat_y_for_several_outputs_is_named_as_such():
    with pytest.raises(SpecError) as info:
        check_data(make_spec(layers=[2, 2]), [[0, 0]], [0, 1])
    assert (info.value.rule, info.value.params) == ("output_columns", {"got": 1, "want": 2})
    assert "y has a flat list but the output layer has 2 columns" in str(info.value)


def test_bce_targets_outside_0_1_name_the_loss():
    spec = make_spec(layers=[2, 1], activations=["sigmoid"], loss="bce")
    with pytest.raises(SpecError) as info:
        check_data(spec, [[0, 0]], [[1.5]])
    assert (info.value.field, info.value.rule, info.value.params) == ("y", "targets_0_1", {"loss": "bce"})


def test_data_checks_can_leave_the_finiteness_scan_to_the_caller():
    X, y = check_data(make_spec(), [[np.nan, 0.0]], [[np.inf]], check_finite=False)
    assert np.isnan(X[0, 0]) and np.isinf(y[0, 0])
    with pytest.raises(SpecError, match=r"^X\[0\]\[0\] is nan"):
        check_data(make_spec(), [[np.nan, 0.0]], [[1.0]])
    with pytest.raises(SpecError, match=r"^y\[0\]\[0\] is inf"):
        check_data(make_spec(), [[0.0, 0.0]], [[np.inf]])


@pytest.mark.parametrize(("init", "draw"), [
    ("xavier_uniform", lambda rng, a, b: rng.uniform(-np.sqrt(6 / (a + b)), np.sqrt(6 / (a + b)), size=(a, b))),
    ("xavier_normal", lambda rng, a, b: rng.normal(0.0, np.sqrt(2 / (a + b)), size=(a, b))),
    ("he_uniform", lambda rng, a, b: rng.uniform(-np.sqrt(6 / a), np.sqrt(6 / a), size=(a, b))),
    ("he_normal", lambda rng, a, b: rng.normal(0.0, np.sqrt(2 / a), size=(a, b))),
    ("uniform", lambda rng, a, b: rng.uniform(-1.0, 1.0, size=(a, b))),
])
def test_each_scheme_draws_from_its_distribution_layer_by_layer(init, draw):
    spec = make_spec(layers=[3, 5, 2], init=init, seed=11)
    rng = np.random.default_rng(11)
    for weights, (fan_in, fan_out) in zip(spec.weights, [(3, 5), (5, 2)]):
        np.testing.assert_array_equal(weights, draw(rng, fan_in, fan_out))


def test_shown_names_a_huge_integer_by_its_digits_from_the_excerpt_length_on():
    assert shown(10**EXCERPT_CHARS) == f"an integer of {EXCERPT_CHARS + 1} digits"
    assert shown(-(10**EXCERPT_CHARS)) == f"an integer of {EXCERPT_CHARS + 1} digits"
    assert shown(10**EXCERPT_CHARS - 1) == "9" * EXCERPT_CHARS  # 80 digits: quoted whole
    assert shown(True) == "True" and shown(12) == "12"


@pytest.mark.parametrize(("value", "message"), [
    ([[1, 2], [1, 2, 3]], "X is ragged: row 1 has 3 numbers but row 0 has 2"),
    ([[1, 2, 3], [1, 2, 3], [1]], "X is ragged: row 2 has 1 numbers but row 0 has 3"),
    ([[1, 2], 3], "X mixes rows and numbers; it must be a matrix (a list of rows)"),
    ([[1, 2], [3, "a"]], "X[1][1] is 'a'; values must be numbers"),
])
def test_why_nested_lists_are_not_a_matrix(value, message):
    with pytest.raises(SpecError) as info:
        check_data(make_spec(), value, [[0]] * len(value))
    assert str(info.value) == message


def test_a_matrix_error_names_its_field_and_any_numeric_array_becomes_float64():
    with pytest.raises(SpecError) as info:
        check_data(make_spec(), [[1, 2], [1, 2, 3]], [[0], [0]])
    assert info.value.field == "X"
    X, y = check_data(make_spec(), np.array([[1, 2]]), np.array([[3]]))
    assert X.dtype == y.dtype == np.float64 and X.tolist() == [[1.0, 2.0]]


def test_a_specs_arrays_are_read_only_and_its_parameters_one_vector_in_order():
    spec = make_spec(layers=[2, 3, 1], bias=True, weights=[[[1, 2, 3], [4, 5, 6]], [[7], [8], [9]]],
                     biases=[[10, 11, 12], [13]])
    np.testing.assert_array_equal(spec.flat_params, np.arange(1.0, 14.0))  # W_1, W_2 row by row, then b_1, b_2
    assert spec.n_params == 13
    for array in (*spec.weights, *spec.biases, spec.flat_params):
        assert array.dtype == np.float64 and not array.flags.writeable


def test_the_largest_seed_is_accepted():
    assert make_spec(seed=LIMITS.max_seed).seed == 4294967295


def test_data_errors_name_the_layer_widths_and_row_counts_they_compare():
    spec = make_spec(layers=[3, 2, 1])
    with pytest.raises(SpecError) as info:
        check_data(spec, [[0, 0]], [[0]])
    assert str(info.value) == "X has 2 columns but the input layer has 3"
    assert info.value.params == {"got": 2, "want": 3}
    with pytest.raises(SpecError) as info:
        check_data(spec, [[0, 0, 0], [1, 1, 1]], [[0], [0], [0]])
    assert info.value.params == {"got": 3, "want": 2}
