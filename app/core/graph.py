"""The computation graph: nodes with shapes, edges with their local derivative and the side it multiplies on.

Like the steps, the graph depends only on the structure and is built once per structure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from . import notation as nt
from .layout import Structure, edge_id

N = nt.ROWS


@dataclass(frozen=True)
class GraphNode:
    """A node: id, LaTeX label, kind (input, target, weight, bias, pre, post, output, loss), layer, shape."""

    id: str
    label: str
    kind: str
    layer: int | None
    shape: tuple[int | str, int]  # rows are the literal "n" for data-dependent nodes
    shape_tex: str


@dataclass(frozen=True)
class GraphEdge:
    """An edge source -> target with ∂target/∂source in LaTeX and how it meets the incoming gradient G:
    left (O_{k-1}ᵀ·G), right (G·W_kᵀ), elementwise (G ⊙ f'(H_k)) or loss (the loss's own derivative)."""

    id: str
    source: str
    target: str
    derivative: str
    multiplies: str


@dataclass(frozen=True)
class Graph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]

    def to_dict(self) -> dict[str, Any]:
        """The graph as the JSON object of the contract."""
        return {"nodes": [{**asdict(n), "shape": list(n.shape)} for n in self.nodes],
                "edges": [asdict(e) for e in self.edges]}


def _node(node_id: str, kind: str, layer: int | None, rows: int | str, cols: int) -> GraphNode:
    return GraphNode(node_id, nt.label(node_id), kind, layer, (rows, cols), nt.shape_tex(rows, cols))


def _edge(source: str, target: str, value_tex: str, multiplies: str) -> GraphEdge:
    derivative = f"{nt.local_frac(target, source)} = {value_tex}"
    return GraphEdge(edge_id(source, target), source, target, derivative, multiplies)


def _layer(s: Structure, k: int) -> tuple[list[GraphNode], list[GraphEdge]]:
    a, b = s.layers[k - 1], s.layers[k]
    src, pre, out, w = s.in_node(k), s.pre_node(k), s.out_node(k), nt.weight_id(k)
    nodes = [_node(w, "weight", k, a, b)]
    edges = [_edge(w, pre, f"{nt.label(src)}^T", "left")]
    if s.bias:
        bid = nt.bias_id(k)
        nodes.append(_node(bid, "bias", k, 1, b))
        edges.append(_edge(bid, pre, r"\mathbf{1}^T", "left"))
    edges.append(_edge(src, pre, f"{nt.label(w)}^T", "right"))
    nodes.append(_node(pre, "output" if pre == nt.OUTPUT else "pre", k, N, b))
    if out != pre:
        act = s.act(k)
        value = rf"{act.tex}'({nt.label(pre)}) = {act.derivative_tex(nt.label(pre), nt.label(out))}"
        nodes.append(_node(out, "output" if out == nt.OUTPUT else "post", k, N, b))
        edges.append(_edge(pre, out, value, "elementwise"))
    return nodes, edges


def build_graph(s: Structure) -> Graph:
    """Nodes from X up to L and every edge between them."""
    nodes = [_node(nt.INPUT, "input", 0, N, s.layers[0])]
    edges: list[GraphEdge] = []
    for k in range(1, s.depth + 1):
        layer_nodes, layer_edges = _layer(s, k)
        nodes += layer_nodes
        edges += layer_edges
    nodes.append(_node(nt.TARGET, "target", None, N, s.layers[-1]))
    nodes.append(_node(nt.LOSS, "loss", None, 1, 1))
    edges.append(_edge(nt.OUTPUT, nt.LOSS, s.loss.grad_tex, "loss"))
    edges.append(_edge(nt.TARGET, nt.LOSS, s.loss.target_grad_tex, "loss"))
    return Graph(tuple(nodes), tuple(edges))


@lru_cache(maxsize=256)
def graph_for(layers: tuple[int, ...], activations: tuple[str, ...], bias: bool, loss: str) -> Graph:
    """The cached graph of one structure."""
    return build_graph(Structure.of(layers, activations, bias, loss))
