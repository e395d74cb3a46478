"""compute_trace: one full iteration (forward, loss, backward, update) with every intermediate matrix kept.

Per call the work is the arithmetic plus a few list appends: formulas, names and the graph come from a
per-structure cache, and one finiteness check over a handful of arrays decides whether to look closer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from . import notation as nt
from .graph import Graph, graph_for
from .gradcheck import GradCheck, gradient_check
from .layout import Structure
from .matrices import check_data
from .passes import backward, forward
from .spec import NetworkSpec
from .steps import Step, steps_for

Array = np.ndarray


class DStage(NamedTuple):
    """One stage of d: the node it is the derivative of, its LaTeX name (∂L/∂H_2 …) and its value."""

    node: str
    name: str
    value: Array


@dataclass(slots=True)
class Trace:
    """Everything one iteration computes. List index k holds layer k + 1 (H[0] is H_1)."""

    spec: NetworkSpec
    X: Array
    y: Array
    H: list[Array]
    O: list[Array]
    y_hat: Array
    loss: float
    d: list[DStage]
    fprime: list[Array]
    dW: list[Array]
    db: list[Array]
    updated_W: list[Array]
    updated_b: list[Array]
    steps: tuple[Step, ...]
    graph: Graph
    gradcheck: GradCheck | None
    warnings: list[str]
    finite: bool = True  # every matrix holds finite numbers only (else `warnings` names the ones that do not)

    def matrix(self, matrix_id: str) -> Array | float:
        """The value behind a matrix id of the contract ("W2", "dL/dH2", "f'(H1)", "W3_new", "L" …)."""
        return _resolve(self, matrix_id)

    def matrices(self) -> dict[str, Array | float]:
        """Every matrix id of this trace with its value, in pipeline order."""
        return {mid: _resolve(self, mid) for mid in matrix_ids(self.spec)}


class _Plan(NamedTuple):
    structure: Structure
    d_nodes: tuple[str, ...]
    d_names: tuple[str, ...]
    steps: tuple[Step, ...]
    graph: Graph
    param_slices: tuple[tuple[int, int, tuple[int, ...]], ...]  # (start, stop, shape) in flat_params


def _param_slices(layers: tuple[int, ...], bias: bool) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
    shapes = [(a, b) for a, b in zip(layers[:-1], layers[1:])] + ([(b,) for b in layers[1:]] if bias else [])
    slices, start = [], 0
    for shape in shapes:
        stop = start + math.prod(shape)
        slices.append((start, stop, shape))
        start = stop
    return tuple(slices)


@lru_cache(maxsize=256)
def _plan(layers: tuple[int, ...], activations: tuple[str, ...], bias: bool, loss: str) -> _Plan:
    structure = Structure.of(layers, activations, bias, loss)
    d_nodes = structure.d_nodes()
    return _Plan(structure, d_nodes, tuple(nt.grad_name(node) for node in d_nodes),
                 steps_for(layers, activations, bias, loss), graph_for(layers, activations, bias, loss),
                 _param_slices(layers, bias))


def compute_trace(spec: NetworkSpec, X: Any, y: Any, gradcheck: bool = False) -> Trace:
    """Run one iteration of the spec on (X, y) and keep every intermediate matrix.

    X and y are validated by check_data (SpecError on a bad shape or value). Overflow never raises: the
    trace then holds NaN/infinity and `warnings` says which matrices and what to change.
    With gradcheck=True the analytic gradients are also compared with central finite differences.
    """
    X, y = check_data(spec, X, y, check_finite=False)  # NaN/inf in X or y surface in the final check
    plan = _plan(spec.layers, spec.activations, spec.bias, spec.loss)
    s = plan.structure
    with np.errstate(all="ignore"):
        H, O = forward(spec.weights, spec.biases, s.acts, X)
        y_hat = O[-1]
        loss, d_out = s.loss.value_and_grad(y_hat, y, H[-1])
        g = backward(spec.weights, s.acts, s.loss, s.bias, X, y, H, O, d_out)
        new_params = np.concatenate(g.dW + g.db, axis=None)  # θ − η·∇θ for all parameters at once
        new_params *= -spec.learning_rate
        new_params += spec.flat_params
        scan = H[0] if spec.scan_layers == 1 else np.concatenate(H[:spec.scan_layers], axis=None)
        # Sums of squares (the cheapest reductions): NaN/inf anywhere below makes them NaN/inf.
        checked = new_params.dot(new_params) + np.vdot(scan, scan) + loss
    new = [new_params[start:stop].reshape(shape) for start, stop, shape in plan.param_slices]
    K = len(H)
    d = list(map(DStage, plan.d_nodes, plan.d_names, g.stages))
    trace = Trace(spec, X, y, H, O, y_hat, loss, d, g.fprime, g.dW, g.db, new[:K], new[K:], plan.steps,
                  plan.graph, None, [])
    if not math.isfinite(checked):
        check_data(spec, X, y)  # a non-finite input is the caller's mistake: SpecError naming it
        found = nonfinite_warnings(trace)
        trace.warnings.extend(found)
        trace.finite = not found
    if gradcheck:
        trace.gradcheck = gradient_check(spec, X, y)
    return trace


# Why checking the first spec.scan_layers H's, the updated parameters and L is enough: weights are finite,
# so a non-finite value comes from overflow or from X and y. A non-finite X makes its row of H_1
# non-finite, a non-finite y the loss; deeper H's are bounded by the weights (spec._layers_to_scan).
# O_k is non-finite only if H_k is; f' is bounded; a non-finite d stays non-finite down the backward
# pass (inf·0 = NaN) and reaches ∂L/∂W_k and so W_k_new. A false alarm (a finite sum that overflows)
# (squares past 1e154 overflow too) only costs the detailed scan below.

def nonfinite_warnings(trace: Trace) -> list[str]:
    """Human-readable warnings naming every matrix of the trace that holds NaN or infinity."""
    bad = [mid for mid, value in trace.matrices().items() if not np.isfinite(value).all()]
    if not bad:
        return []
    return [f"non-finite values (overflow) in {', '.join(bad)}: lower the learning rate, or start from "
            f"smaller weights (another init scheme or seed)"]


def matrix_ids(spec: NetworkSpec) -> list[str]:
    """Every matrix id a trace of this spec resolves, in pipeline order."""
    K = spec.depth
    plan = _plan(spec.layers, spec.activations, spec.bias, spec.loss)
    ids = [nt.INPUT, nt.TARGET]
    for k in range(1, K + 1):
        ids += [nt.weight_id(k)] + ([nt.bias_id(k)] if spec.bias else [])
        ids += [nt.pre_id(k), nt.post_id(k)]
    ids += [nt.OUTPUT, nt.LOSS]
    ids += [nt.grad_id(node) for node in plan.d_nodes]
    ids += [nt.fprime_id(k) for k in range(1, K + 1)]
    for k in range(1, K + 1):
        params = [nt.weight_id(k)] + ([nt.bias_id(k)] if spec.bias else [])
        ids += [nt.grad_id(p) for p in params] + [nt.updated_id(p) for p in params]
    return ids


def _resolve(trace: Trace, mid: str) -> Array | float:
    simple = {nt.INPUT: trace.X, nt.TARGET: trace.y, nt.OUTPUT: trace.y_hat, nt.LOSS: trace.loss}
    if mid in simple:
        return simple[mid]
    if mid.startswith("f'(H"):
        return trace.fprime[int(mid[4:-1]) - 1]
    if mid.endswith("_new"):
        param = mid[:-4]
        return (trace.updated_W if param[0] == "W" else trace.updated_b)[int(param[1:]) - 1]
    if mid.startswith("dL/d"):
        return _resolve_grad(trace, mid[4:])
    k = int(mid[1:]) - 1
    table = {"W": trace.spec.weights, "b": trace.spec.biases, "H": trace.H, "O": trace.O}
    return table[mid[0]][k]


def _resolve_grad(trace: Trace, node: str) -> Array:
    for stage in trace.d:
        if stage.node == node:
            return stage.value
    if node[0] in "Wb" and node[1:].isdigit():
        return (trace.dW if node[0] == "W" else trace.db)[int(node[1:]) - 1]
    raise KeyError(f"no matrix dL/d{node} in this trace")
