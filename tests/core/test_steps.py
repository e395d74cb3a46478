import pytest

from app.core import compute_trace, make_spec

from .helpers import preset_parts

EXERCISE_IDS = [
    "fwd:H1", "fwd:O1", "fwd:H2", "fwd:O2", "fwd:y_hat",
    "loss:L",
    "bwd:dL/dy_hat", "bwd:dL/dW3", "bwd:dL/dO2", "bwd:dL/dH2", "bwd:dL/dW2", "bwd:dL/dO1", "bwd:dL/dH1",
    "bwd:dL/dW1",
    "upd:W1", "upd:W2", "upd:W3",
]

EXERCISE_SHAPES = {
    "fwd:H1": "[n×2]·[2×2] = [n×2]",
    "fwd:O1": "σ([n×2]) = [n×2]",
    "fwd:H2": "[n×2]·[2×2] = [n×2]",
    "fwd:O2": "σ([n×2]) = [n×2]",
    "fwd:y_hat": "[n×2]·[2×1] = [n×1]",
    "loss:L": "L([n×1], [n×1]) = [1×1]",
    "bwd:dL/dy_hat": "[n×1] − [n×1] = [n×1]",
    "bwd:dL/dW3": "[2×n]·[n×1] = [2×1]",
    "bwd:dL/dO2": "[n×1]·[1×2] = [n×2]",
    "bwd:dL/dH2": "[n×2] ⊙ [n×2] = [n×2]",
    "bwd:dL/dW2": "[2×n]·[n×2] = [2×2]",
    "bwd:dL/dO1": "[n×2]·[2×2] = [n×2]",
    "bwd:dL/dH1": "[n×2] ⊙ [n×2] = [n×2]",
    "bwd:dL/dW1": "[2×n]·[n×2] = [2×2]",
    "upd:W1": "[2×2] − η·[2×2] = [2×2]",
    "upd:W2": "[2×2] − η·[2×2] = [2×2]",
    "upd:W3": "[2×1] − η·[2×1] = [2×1]",
}


@pytest.fixture(scope="module")
def exercise():
    return compute_trace(*preset_parts("exercise"))


def test_exercise_step_ids_in_order(exercise):
    assert [s.id for s in exercise.steps] == EXERCISE_IDS


def test_exercise_shapes_step_by_step(exercise):
    assert {s.id: s.shapes for s in exercise.steps} == EXERCISE_SHAPES


def test_merged_d_updates_follow_the_book(exercise):
    by_id = {s.id: s for s in exercise.steps}
    assert by_id["bwd:dL/dH2"].merged_shapes == "[n×1]·[1×2] ⊙ [n×2] = [n×2]"
    assert by_id["bwd:dL/dH2"].merged_latex == r"d \leftarrow d \cdot W_{3}^T \odot \sigma'(H_{2})"
    assert by_id["bwd:dL/dH1"].merged_shapes == "[n×2]·[2×2] ⊙ [n×2] = [n×2]"
    assert by_id["bwd:dL/dO2"].group == by_id["bwd:dL/dH2"].group == "bwd:d2"
    assert by_id["bwd:dL/dO1"].group == by_id["bwd:dL/dH1"].group == "bwd:d1"
    assert by_id["bwd:dL/dO2"].merged_latex is None
    assert [s.id for s in exercise.steps if s.group is None and s.phase == "backward"] == [
        "bwd:dL/dy_hat", "bwd:dL/dW3", "bwd:dL/dW2", "bwd:dL/dW1"]


def test_exercise_formulas(exercise):
    by_id = {s.id: s for s in exercise.steps}
    assert by_id["fwd:y_hat"].latex == r"\hat{y} = O_{2} \cdot W_{3}"
    assert by_id["fwd:O1"].latex == r"O_{1} = \sigma(H_{1})"
    assert by_id["bwd:dL/dy_hat"].latex == r"d = \frac{\partial L}{\partial \hat{y}} = \hat{y} - y"
    assert by_id["bwd:dL/dW3"].latex == r"\frac{\partial L}{\partial W_{3}} = O_{2}^T \cdot d"
    assert by_id["bwd:dL/dO2"].latex == r"d \leftarrow d \cdot W_{3}^T"
    assert by_id["upd:W1"].latex == r"W_{1} \leftarrow W_{1} - \eta \cdot \frac{\partial L}{\partial W_{1}}"
    assert by_id["bwd:dL/dW3"].latex_shaped == (
        r"\underbrace{\frac{\partial L}{\partial W_{3}}}_{[2\times 1]} = \underbrace{O_{2}^T}_{[2\times n]}"
        r" \cdot \underbrace{\frac{\partial L}{\partial \hat{y}}}_{[n\times 1]}")
    # The shaped form names each d stage by what it is the derivative of; `latex` keeps the accumulator d.
    assert by_id["bwd:dL/dH2"].latex_shaped == (
        r"\underbrace{\frac{\partial L}{\partial H_{2}}}_{[n\times 2]} = "
        r"\underbrace{\frac{\partial L}{\partial O_{2}}}_{[n\times 2]} \odot \underbrace{\sigma'(H_{2})}_{[n\times 2]}")
    assert by_id["bwd:dL/dO2"].latex_shaped == (
        r"\underbrace{\frac{\partial L}{\partial O_{2}}}_{[n\times 2]} = "
        r"\underbrace{\frac{\partial L}{\partial \hat{y}}}_{[n\times 1]} \cdot \underbrace{W_{3}^T}_{[1\times 2]}")


def test_exercise_inputs_outputs_and_edges(exercise):
    by_id = {s.id: s for s in exercise.steps}
    assert by_id["fwd:H1"].inputs == ("X", "W1") and by_id["fwd:H1"].output == "H1"
    assert by_id["bwd:dL/dW3"].inputs == ("O2", "dL/dy_hat") and by_id["bwd:dL/dW3"].output == "dL/dW3"
    assert by_id["bwd:dL/dH2"].inputs == ("dL/dO2", "f'(H2)")
    assert by_id["upd:W3"].output == "W3_new"
    assert by_id["fwd:y_hat"].edges == ("O2->y_hat", "W3->y_hat")
    assert by_id["bwd:dL/dO2"].edges == ("O2->y_hat",)
    assert by_id["bwd:dL/dH1"].edges == ("H1->O1",)
    edge_ids = {e.id for e in exercise.graph.edges}
    assert all(edge in edge_ids for s in exercise.steps for edge in s.edges)


@pytest.mark.parametrize("preset_id", ["exercise", "xor", "moons", "deep"])
def test_every_input_and_output_resolves_with_its_shape(preset_id):
    spec, X, y = preset_parts(preset_id)
    trace = compute_trace(spec, X, y)
    n = trace.X.shape[0]
    for step in trace.steps:
        result = step.shapes.rsplit(" = ", 1)[1]
        rows, cols = result.strip("[]").split("×")
        value = trace.matrix(step.output)
        shape = (1, 1) if step.output == "L" else value.shape if value.ndim == 2 else (1, value.shape[0])
        assert shape == (n if rows == "n" else int(rows), int(cols)), step.id
        for mid in step.inputs:
            trace.matrix(mid)


def test_bias_bce_and_identity_hidden_layers():
    spec = make_spec(layers=[2, 3, 2, 1], activations=["identity", "tanh", "sigmoid"], bias=True, loss="bce")
    trace = compute_trace(spec, [[0.5, 1.0]], [[1.0]])
    assert [s.id for s in trace.steps] == [
        "fwd:H1", "fwd:H2", "fwd:O2", "fwd:H3", "fwd:y_hat", "loss:L",
        "bwd:dL/dy_hat", "bwd:dL/dH3", "bwd:dL/dW3", "bwd:dL/db3", "bwd:dL/dO2", "bwd:dL/dH2",
        "bwd:dL/dW2", "bwd:dL/db2", "bwd:dL/dH1", "bwd:dL/dW1", "bwd:dL/db1",
        "upd:W1", "upd:b1", "upd:W2", "upd:b2", "upd:W3", "upd:b3"]
    by_id = {s.id: s for s in trace.steps}
    assert by_id["fwd:H2"].latex == r"H_{2} = H_{1} \cdot W_{2} + b_{2}"  # identity layer: no O_1
    assert by_id["fwd:H2"].shapes == "[n×3]·[3×2] + [1×2] = [n×2]"
    assert by_id["bwd:dL/dH1"].kind == "grad_through_weight" and by_id["bwd:dL/dH1"].group is None
    assert by_id["bwd:dL/dH3"].inputs == ("y_hat", "y")
    assert by_id["bwd:dL/db3"].shapes == "[1×n]·[n×1] = [1×1]"
    assert [stage.node for stage in trace.d] == ["y_hat", "H3", "O2", "H2", "H1"]


def test_steps_are_cached_per_structure():
    a = compute_trace(make_spec(seed=1), [[1, 2]], [[1]])
    b = compute_trace(make_spec(seed=2, learning_rate=0.5), [[3, 4], [5, 6]], [[1], [2]])
    assert a.steps is b.steps and a.graph is b.graph


def test_step_to_dict_is_plain_json():
    step = compute_trace(make_spec(), [[1, 2]], [[1]]).steps[0]
    d = step.to_dict()
    assert d["inputs"] == ["X", "W1"] and d["edges"] == ["X->H1", "W1->H1"] and d["layer"] == 1
    assert set(d) == {"id", "phase", "kind", "node", "edges", "latex", "latex_shaped", "shapes", "inputs",
                      "output", "layer", "group", "merged_latex", "merged_shapes"}
