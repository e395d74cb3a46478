"""The one place for notation: node ids, matrix ids, step ids, LaTeX labels and shape strings.

Conventions (docs/contract.md): K weight layers, k = 1..K; rows are observations, columns are neurons;
O_0 = X. A layer with the identity activation has no O node: its output is H_k itself.
"""

from __future__ import annotations

# Node ids that do not depend on a layer.
INPUT = "X"
TARGET = "y"
OUTPUT = "y_hat"
LOSS = "L"

_LABELS = {INPUT: "X", TARGET: "y", OUTPUT: r"\hat{y}", LOSS: "L"}


def weight_id(k: int) -> str:
    return f"W{k}"


def bias_id(k: int) -> str:
    return f"b{k}"


def pre_id(k: int) -> str:
    return f"H{k}"


def post_id(k: int) -> str:
    return f"O{k}"


def label(node: str) -> str:
    """LaTeX label of a node id: "W2" -> "W_{2}", "y_hat" -> r"\\hat{y}"."""
    if node in _LABELS:
        return _LABELS[node]
    return f"{node[0]}_{{{node[1:]}}}"


# Matrix ids of the backward pass and the update (what step.inputs / step.output name).
def grad_id(node: str) -> str:
    """Id of ∂L/∂node: a d stage ("dL/dH2") or a parameter gradient ("dL/dW2")."""
    return f"dL/d{node}"


def fprime_id(k: int) -> str:
    return f"f'(H{k})"


def updated_id(param: str) -> str:
    return f"{param}_new"


def grad_name(node: str) -> str:
    r"""Short LaTeX name of ∂L/∂node, e.g. "\partial L/\partial H_{2}" (the d-stage table titles)."""
    return rf"\partial L/\partial {label(node)}"


def grad_frac(node: str) -> str:
    r"""Display-style LaTeX of ∂L/∂node: "\frac{\partial L}{\partial H_{2}}"."""
    return rf"\frac{{\partial L}}{{\partial {label(node)}}}"


def local_frac(top: str, bottom: str) -> str:
    r"""LaTeX of a local derivative ∂top/∂bottom between two nodes."""
    return rf"\frac{{\partial {label(top)}}}{{\partial {label(bottom)}}}"


# Step ids.
def forward_step_id(node: str) -> str:
    return f"fwd:{node}"


LOSS_STEP_ID = "loss:L"


def backward_step_id(node: str) -> str:
    return f"bwd:{grad_id(node)}"


def update_step_id(param: str) -> str:
    return f"upd:{param}"


def group_id(k: int) -> str:
    """Group shared by the two d sub-steps that carry d from layer k+1 down to H_k."""
    return f"bwd:d{k}"


# How many decimals the page may show numbers with, and shows at first. Six digits already go past what a
# learner compares by hand; more would only show float noise in the tables.
DECIMALS_MIN = 0
DECIMALS_MAX = 6
DECIMALS_DEFAULT = 3


# Shapes. Rows that depend on the data are a literal n.
ROWS = "n"


def shape_text(rows: int | str, cols: int | str) -> str:
    """Plain-text shape: "[n×2]"."""
    return f"[{rows}×{cols}]"


def shape_tex(rows: int | str, cols: int | str) -> str:
    r"""LaTeX shape: "[n\times 2]"."""
    return rf"[{rows}\times {cols}]"


def under(tex: str, rows: int | str, cols: int | str) -> str:
    r"""A factor with its shape written under it: \underbrace{W_{2}}_{[2\times 2]}."""
    return rf"\underbrace{{{tex}}}_{{{shape_tex(rows, cols)}}}"
