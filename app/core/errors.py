"""How the core refuses input: SpecError names the field and the rule, and quotes the input by a short excerpt."""

from __future__ import annotations

import sys
from numbers import Integral
from typing import Any

# How much of an offending input a message may quote: a 2 MB name must not come back in a 2 MB answer.
EXCERPT_CHARS = 80


def shown(value: Any) -> str:
    """An input as a message quotes it: its repr, cut to an 80-character excerpt; a huge integer by its
    number of digits ("an integer of 401 digits")."""
    if isinstance(value, Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**EXCERPT_CHARS:
        try:
            return f"an integer of {len(str(abs(int(value))))} digits"
        except ValueError:  # past Python's limit on converting an int to text
            return f"an integer of more than {sys.get_int_max_str_digits()} digits"
    text = repr(value[:EXCERPT_CHARS + 1] if isinstance(value, (str, list, tuple)) else value)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"


class SpecError(ValueError):
    """A request breaks a rule. `field` names the offending input ("X", "weights[1]", "activations[2]" …).

    `rule` names the rule for rules a person can break from the page's editor ("width_range", "input_columns" …)
    and `params` holds its numbers, so a client can say the same in its own language; None otherwise."""

    def __init__(self, field: str, message: str, rule: str | None = None, **params: Any):
        super().__init__(message)
        self.field = field
        self.message = message
        self.rule = rule
        self.params = params

    def __reduce__(self) -> tuple[Any, tuple[str, str, str | None, dict[str, Any]]]:
        # Raised in a worker process, it comes back through pickle whole (app/api/cpu.py).
        return _rebuild_spec_error, (self.field, self.message, self.rule, self.params)


def _rebuild_spec_error(field: str, message: str, rule: str | None, params: dict[str, Any]) -> SpecError:
    return SpecError(field, message, rule, **params)
