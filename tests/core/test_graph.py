from app.core import make_spec
from app.core.graph import graph_for


def _graph(**kwargs):
    spec = make_spec(**kwargs)
    return graph_for(*spec.structure)


def test_exercise_nodes():
    graph = _graph()
    assert [n.id for n in graph.nodes] == ["X", "W1", "H1", "O1", "W2", "H2", "O2", "W3", "y_hat", "y", "L"]
    by_id = {n.id: n for n in graph.nodes}
    assert by_id["y_hat"].kind == "output" and by_id["y_hat"].shape == ("n", 1)
    assert by_id["W3"].shape == (2, 1) and by_id["W3"].shape_tex == r"[2\times 1]"
    assert by_id["L"].shape == (1, 1) and by_id["H1"].kind == "pre" and by_id["O1"].kind == "post"
    assert by_id["W2"].label == "W_{2}" and by_id["y_hat"].label == r"\hat{y}"


def test_exercise_edges_and_multiplication_sides():
    edges = {e.id: e for e in _graph().edges}
    assert set(edges) == {"W1->H1", "X->H1", "H1->O1", "W2->H2", "O1->H2", "H2->O2", "W3->y_hat",
                          "O2->y_hat", "y_hat->L", "y->L"}
    assert edges["W2->H2"].derivative == r"\frac{\partial H_{2}}{\partial W_{2}} = O_{1}^T"
    assert edges["W2->H2"].multiplies == "left"
    assert edges["O1->H2"].derivative == r"\frac{\partial H_{2}}{\partial O_{1}} = W_{2}^T"
    assert edges["O1->H2"].multiplies == "right"
    assert edges["H2->O2"].multiplies == "elementwise"
    assert edges["H2->O2"].derivative == (r"\frac{\partial O_{2}}{\partial H_{2}} = \sigma'(H_{2}) = "
                                          r"O_{2} \odot (1 - O_{2})")
    assert edges["W3->y_hat"].derivative == r"\frac{\partial \hat{y}}{\partial W_{3}} = O_{2}^T"
    assert edges["y_hat->L"].multiplies == "loss"
    assert edges["y_hat->L"].source == "y_hat" and edges["y_hat->L"].target == "L"


def test_bias_and_non_identity_output():
    graph = _graph(layers=[2, 1], activations=["sigmoid"], bias=True, loss="bce")
    assert [n.id for n in graph.nodes] == ["X", "W1", "b1", "H1", "y_hat", "y", "L"]
    edges = {e.id: e for e in graph.edges}
    assert edges["b1->H1"].derivative == r"\frac{\partial H_{1}}{\partial b_{1}} = \mathbf{1}^T"
    assert edges["b1->H1"].multiplies == "left"
    assert edges["H1->y_hat"].multiplies == "elementwise"


def test_to_dict():
    d = _graph().to_dict()
    assert d["nodes"][0] == {"id": "X", "label": "X", "kind": "input", "layer": 0, "shape": ["n", 2],
                             "shape_tex": r"[n\times 2]"}
    assert d["edges"][0]["id"] == "W1->H1"
