"""Which node each layer produces and reads: the naming rules the step list and the graph share.

For layer k (1..K): its pre-activation node is H{k} (y_hat for an identity output layer), its output node
is O{k} (H{k} for an identity hidden layer, y_hat for the last layer), and it reads the previous layer's
output node (X for k = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import notation as nt
from .activations import ACTIVATIONS, Activation
from .losses import LOSSES, Loss


@dataclass(frozen=True)
class Structure:
    """A spec's structure (layers, activations, bias, loss) with the registry objects resolved."""

    layers: tuple[int, ...]
    acts: tuple[Activation, ...]
    bias: bool
    loss: Loss

    @classmethod
    def of(cls, layers: tuple[int, ...], activations: tuple[str, ...], bias: bool, loss: str) -> "Structure":
        return cls(layers, tuple(ACTIVATIONS[a] for a in activations), bias, LOSSES[loss])

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    def act(self, k: int) -> Activation:
        return self.acts[k - 1]

    def pre_node(self, k: int) -> str:
        if k == self.depth and self.act(k).is_identity:
            return nt.OUTPUT
        return nt.pre_id(k)

    def out_node(self, k: int) -> str:
        if k == self.depth:
            return nt.OUTPUT
        return nt.pre_id(k) if self.act(k).is_identity else nt.post_id(k)

    def in_node(self, k: int) -> str:
        return nt.INPUT if k == 1 else self.out_node(k - 1)

    def width(self, k: int) -> int:
        return self.layers[k]

    def d_nodes(self) -> tuple[str, ...]:
        """The node of every d stage, in the backward pass's order."""
        nodes = [nt.OUTPUT]
        if not self.act(self.depth).is_identity:
            nodes.append(nt.pre_id(self.depth))
        for k in range(self.depth, 1, -1):
            nodes.append(self.out_node(k - 1))
            if not self.act(k - 1).is_identity:
                nodes.append(nt.pre_id(k - 1))
        return tuple(nodes)


def edge_id(source: str, target: str) -> str:
    return f"{source}->{target}"
