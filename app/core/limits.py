"""The core's limits (how large anything it accepts may be) and defaults (what a request may leave out)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Size limits of everything the core accepts."""

    max_layers: int = 8  # weight layers
    max_width: int = 16
    max_rows: int = 512
    max_predict_rows: int = 4096  # predict() only: a 30×30 grid of inputs, or a finer one, in one call
    max_epochs: int = 10_000
    max_snapshots: int = 50
    max_seed: int = 2**32 - 1
    # Work of one train() call: epochs × (rows + budget_row_overhead) × parameters, where the overhead
    # stands for each epoch's fixed cost. The worst allowed call takes about 2–3 s on a 2-core machine.
    train_budget: int = 1_800_000_000
    budget_row_overhead: int = 128
    # Work of one gradient check: rows × parameters × (2 × parameters + 1), the forward passes it runs
    # (two per parameter, plus the analytic pass) by their size. The worst allowed check takes about 1 s.
    gradcheck_budget: int = 400_000_000


LIMITS = Limits()


@dataclass(frozen=True)
class Defaults:
    """What a network starts with when a request leaves a field out: the course exercise's settings.
    `epochs` is what the page's Train button offers first."""

    layers: tuple[int, ...] = (2, 2, 2, 1)
    hidden_activation: str = "sigmoid"
    output_activation: str = "identity"
    bias: bool = False
    loss: str = "half_sse"
    learning_rate: float = 0.1
    seed: int = 0
    init: str = "xavier_uniform"
    epochs: int = 200


DEFAULTS = Defaults()
