"""The step list a learner walks through: forward, loss, backward, update (docs/contract.md, "Step ids").

Steps depend only on the structure (layers, activations, bias, loss), so they are built once per structure
and cached; they hold formulas and matrix ids, never values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from . import notation as nt
from .layout import Structure, edge_id

N = nt.ROWS
ONES_T = r"\mathbf{1}^T"


@dataclass(frozen=True)
class Step:
    """One step: what it computes (latex, shapes), from which matrices (inputs) into which (output)."""

    id: str
    phase: str  # forward | loss | backward | update
    kind: str
    node: str
    edges: tuple[str, ...]
    latex: str
    latex_shaped: str
    shapes: str
    inputs: tuple[str, ...]
    output: str
    layer: int | None = None
    group: str | None = None
    merged_latex: str | None = None
    merged_shapes: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The step as the JSON object of the contract (tuples become lists)."""
        d = asdict(self)
        d["edges"] = list(self.edges)
        d["inputs"] = list(self.inputs)
        return d


def _u(node: str, rows: int | str, cols: int | str) -> str:
    """A node's label with its shape underneath."""
    return nt.under(nt.label(node), rows, cols)


def _s(rows: int | str, cols: int | str) -> str:
    return nt.shape_text(rows, cols)


def _ug(node: str, rows: int | str, cols: int | str) -> str:
    """∂L/∂node with its shape underneath: the shaped formulas name every d stage by what it is."""
    return nt.under(nt.grad_frac(node), rows, cols)


def _fprime_tex(s: Structure, k: int) -> str:
    return rf"{s.act(k).tex}'({nt.label(nt.pre_id(k))})"


# --- forward and loss ------------------------------------------------------------------------------------

def _linear(s: Structure, k: int) -> Step:
    a, b = s.layers[k - 1], s.layers[k]
    src, dst, w = s.in_node(k), s.pre_node(k), nt.weight_id(k)
    latex = rf"{nt.label(dst)} = {nt.label(src)} \cdot {nt.label(w)}"
    shaped = rf"{_u(dst, N, b)} = {_u(src, N, a)} \cdot {_u(w, a, b)}"
    shapes = f"{_s(N, a)}·{_s(a, b)}"
    edges, inputs = [edge_id(src, dst), edge_id(w, dst)], [src, w]
    if s.bias:
        bid = nt.bias_id(k)
        latex += f" + {nt.label(bid)}"
        shaped += f" + {_u(bid, 1, b)}"
        shapes += f" + {_s(1, b)}"
        edges.append(edge_id(bid, dst))
        inputs.append(bid)
    return Step(nt.forward_step_id(dst), "forward", "linear", dst, tuple(edges), latex, shaped,
                f"{shapes} = {_s(N, b)}", tuple(inputs), dst, k)


def _activation(s: Structure, k: int) -> Step:
    b, act = s.layers[k], s.act(k)
    src, dst = nt.pre_id(k), s.out_node(k)
    latex = rf"{nt.label(dst)} = {act.tex}({nt.label(src)})"
    shaped = rf"{_u(dst, N, b)} = {act.tex}({_u(src, N, b)})"
    return Step(nt.forward_step_id(dst), "forward", "activation", dst, (edge_id(src, dst),), latex, shaped,
                f"{act.text}({_s(N, b)}) = {_s(N, b)}", (src,), dst, k)


def _loss(s: Structure) -> Step:
    m = s.layers[-1]
    shaped = (rf"{_u(nt.LOSS, 1, 1)} = \mathcal{{L}}({_u(nt.OUTPUT, N, m)}, {_u(nt.TARGET, N, m)})"
              rf",\quad {s.loss.tex}")
    return Step(nt.LOSS_STEP_ID, "loss", "loss", nt.LOSS,
                (edge_id(nt.OUTPUT, nt.LOSS), edge_id(nt.TARGET, nt.LOSS)), s.loss.tex, shaped,
                f"L({_s(N, m)}, {_s(N, m)}) = {_s(1, 1)}", (nt.OUTPUT, nt.TARGET), nt.LOSS)


# --- backward --------------------------------------------------------------------------------------------

def _grad_output(s: Structure) -> Step:
    m = s.layers[-1]
    d_hat = nt.grad_frac(nt.OUTPUT)
    latex = rf"d = {d_hat} = {s.loss.grad_tex}"
    shaped = rf"{nt.under('d', N, m)} = {d_hat} = {s.loss.grad_tex}"
    return Step(nt.backward_step_id(nt.OUTPUT), "backward", "grad_output", nt.OUTPUT,
                (edge_id(nt.OUTPUT, nt.LOSS),), latex, shaped, f"{_s(N, m)} − {_s(N, m)} = {_s(N, m)}",
                (nt.OUTPUT, nt.TARGET), nt.grad_id(nt.OUTPUT), s.depth)


def _grad_output_activation(s: Structure) -> Step:
    k, m = s.depth, s.layers[-1]
    h = nt.pre_id(k)
    latex = rf"d \leftarrow d \odot {_fprime_tex(s, k)}"
    shaped = rf"{_ug(h, N, m)} = {_ug(nt.OUTPUT, N, m)} \odot {nt.under(_fprime_tex(s, k), N, m)}"
    shapes = f"{_s(N, m)} ⊙ {_s(N, m)} = {_s(N, m)}"
    inputs = (nt.grad_id(nt.OUTPUT), nt.fprime_id(k))
    if s.loss.needs_sigmoid_output:  # bce: the product simplifies to a form that never divides by 0
        latex += r" = \frac{1}{N} (\hat{y} - y)"
        shaped += rf" = \frac{{1}}{{N}} ({nt.label(nt.OUTPUT)} - {nt.label(nt.TARGET)})"
        shapes = f"{_s(N, m)} − {_s(N, m)} = {_s(N, m)}"
        inputs = (nt.OUTPUT, nt.TARGET)
    return Step(nt.backward_step_id(h), "backward", "grad_activation", h, (edge_id(h, nt.OUTPUT),), latex,
                shaped, shapes, inputs, nt.grad_id(h), k)


def _grad_weight(s: Structure, k: int) -> Step:
    a, b = s.layers[k - 1], s.layers[k]
    src, dst, w = s.in_node(k), s.pre_node(k), nt.weight_id(k)
    lhs = nt.grad_frac(w)
    latex = rf"{lhs} = {nt.label(src)}^T \cdot d"
    shaped = rf"{nt.under(lhs, a, b)} = {nt.under(nt.label(src) + '^T', a, N)} \cdot {_ug(dst, N, b)}"
    return Step(nt.backward_step_id(w), "backward", "grad_weight", w, (edge_id(w, dst),), latex, shaped,
                f"{_s(a, N)}·{_s(N, b)} = {_s(a, b)}", (src, nt.grad_id(dst)), nt.grad_id(w), k)


def _grad_bias(s: Structure, k: int) -> Step:
    b = s.layers[k]
    dst, bid = s.pre_node(k), nt.bias_id(k)
    lhs = nt.grad_frac(bid)
    latex = rf"{lhs} = {ONES_T} \cdot d"
    shaped = rf"{nt.under(lhs, 1, b)} = {nt.under(ONES_T, 1, N)} \cdot {_ug(dst, N, b)}"
    return Step(nt.backward_step_id(bid), "backward", "grad_bias", bid, (edge_id(bid, dst),), latex, shaped,
                f"{_s(1, N)}·{_s(N, b)} = {_s(1, b)}", (nt.grad_id(dst),), nt.grad_id(bid), k)


def _through_weight(s: Structure, k: int) -> Step:
    """d ← d·W_kᵀ: from ∂L/∂(layer k's pre-activation) to ∂L/∂(layer k−1's output)."""
    a, b = s.layers[k - 1], s.layers[k]
    src, dst, w = s.in_node(k), s.pre_node(k), nt.weight_id(k)
    group = None if s.act(k - 1).is_identity else nt.group_id(k - 1)
    latex = rf"d \leftarrow d \cdot {nt.label(w)}^T"
    shaped = rf"{_ug(src, N, a)} = {_ug(dst, N, b)} \cdot {nt.under(nt.label(w) + '^T', b, a)}"
    return Step(nt.backward_step_id(src), "backward", "grad_through_weight", src, (edge_id(src, dst),), latex,
                shaped, f"{_s(N, b)}·{_s(b, a)} = {_s(N, a)}", (nt.grad_id(dst), w), nt.grad_id(src), k - 1,
                group)


def _hidden_activation(s: Structure, k: int) -> Step:
    """d ← d ⊙ f'(H_k) for a hidden layer k, the second sub-step after d ← d·W_{k+1}ᵀ."""
    a, b = s.layers[k], s.layers[k + 1]
    h, o, w = nt.pre_id(k), nt.post_id(k), nt.weight_id(k + 1)
    fp = _fprime_tex(s, k)
    return Step(
        nt.backward_step_id(h), "backward", "grad_activation", h, (edge_id(h, o),),
        rf"d \leftarrow d \odot {fp}",
        rf"{_ug(h, N, a)} = {_ug(o, N, a)} \odot {nt.under(fp, N, a)}",
        f"{_s(N, a)} ⊙ {_s(N, a)} = {_s(N, a)}",
        (nt.grad_id(o), nt.fprime_id(k)), nt.grad_id(h), k, nt.group_id(k),
        merged_latex=rf"d \leftarrow d \cdot {nt.label(w)}^T \odot {fp}",
        merged_shapes=f"{_s(N, b)}·{_s(b, a)} ⊙ {_s(N, a)} = {_s(N, a)}",
    )


# --- update ----------------------------------------------------------------------------------------------

def _update(param: str, k: int, rows: int, cols: int) -> Step:
    p = nt.label(param)
    g = nt.grad_frac(param)
    return Step(nt.update_step_id(param), "update", "update", param, (),
                rf"{p} \leftarrow {p} - \eta \cdot {g}",
                rf"{_u(param, rows, cols)} \leftarrow {_u(param, rows, cols)} - \eta \cdot {nt.under(g, rows, cols)}",
                f"{_s(rows, cols)} − η·{_s(rows, cols)} = {_s(rows, cols)}",
                (param, nt.grad_id(param)), nt.updated_id(param), k)


# --- the list --------------------------------------------------------------------------------------------

def build_steps(s: Structure) -> tuple[Step, ...]:
    """Every step of one iteration in the contract's order (the d sub-steps always separate)."""
    steps: list[Step] = []
    for k in range(1, s.depth + 1):
        steps.append(_linear(s, k))
        if not s.act(k).is_identity:
            steps.append(_activation(s, k))
    steps.append(_loss(s))
    steps.append(_grad_output(s))
    if not s.act(s.depth).is_identity:
        steps.append(_grad_output_activation(s))
    for k in range(s.depth, 0, -1):
        steps.append(_grad_weight(s, k))
        if s.bias:
            steps.append(_grad_bias(s, k))
        if k > 1:
            steps.append(_through_weight(s, k))
            if not s.act(k - 1).is_identity:
                steps.append(_hidden_activation(s, k - 1))
    for k in range(1, s.depth + 1):
        steps.append(_update(nt.weight_id(k), k, s.layers[k - 1], s.layers[k]))
        if s.bias:
            steps.append(_update(nt.bias_id(k), k, 1, s.layers[k]))
    return tuple(steps)


@lru_cache(maxsize=256)
def steps_for(layers: tuple[int, ...], activations: tuple[str, ...], bias: bool, loss: str) -> tuple[Step, ...]:
    """The cached step list of one structure."""
    return build_steps(Structure.of(layers, activations, bias, loss))
