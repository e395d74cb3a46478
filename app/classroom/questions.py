"""Questions a presenter asks and the answers students give: validation, checks and tallies (pure).

Kinds: `value` (one number), `shape` ([rows, cols]), `sign` ("+", "-" or "0"), `choice` (an option's index) and
`cells` (a hand-calculated matrix, checked cell by cell). The right answer comes from the presenter's page with
the question (the class's numbers: the presenter's trace, and the same result from the inputs as shown,
`shown`) and stays on the server until the reveal. Every number is judged by the one rule of
app/core/judging.py (right / close / wrong at the question's decimals, the class's 3 when it names none), a sign
right or wrong: `verdict`. In variants mode (`own`: each student their own numbers) a value, sign or cells
question is judged the same way on the student's own trace (app/classroom/own_numbers.py): the handler passes
that student's expected value in.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.core.judging import judge, tolerance as decimals_tolerance
from app.core.notation import DECIMALS_DEFAULT, DECIMALS_MAX, DECIMALS_MIN

KINDS = ("value", "shape", "sign", "choice", "cells")
SIGNS = ("+", "-", "0")
MAX_PROMPT_CHARS = 500
MAX_OPTION_CHARS = 200
MAX_OPTIONS = 8
MAX_NAME_CHARS = 32
MAX_SHAPE = 100_000
MAX_CELLS = 1024
MAX_TARGET_BYTES = 1024
TALLY_TOP = 12  # distinct answers listed in a tally; the rest are counted as "other"
OWN_KINDS = ("value", "sign", "cells")  # judged right / close / wrong (in variants mode on each student's numbers)
VERDICTS = ("right", "close", "wrong")
# The class's iteration a student's own numbers (and a question on them) may be at: one Train click's most epochs.
# From the student's latest numbers the next iteration is one trace; from nothing (another process on Redis, a
# restart) it is this many traces in the compute pool: the bound keeps one student's catch-up a short wait.
MAX_ITERATION = 10_000


class QuestionError(ValueError):
    """A question or an answer breaks a rule; `field` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    expected: Any  # kept on the server until the reveal
    tolerance: float = 0.0  # half a unit of the last decimal: a value's right band and its histogram's bar width
    options: tuple[str, ...] = ()
    target: Any = None  # which matrix / cell / edge the page asks about (opaque unless `own`)
    revealed: bool = False
    decimals: int | None = None  # the class's shown decimals: numbers are judged by the one rule at these
    own: str = ""  # variants mode: the preset whose student variants it is judged on ("" the page's expected)
    iteration: int = 0  # the class's iteration the question is about (variants mode)
    shown: Any = None  # `expected` as computed from the inputs as shown (rounded), where the page knows it

    @property
    def judged_at(self) -> int:
        """The decimals its numbers are judged at (questions stored before every one named them: the default)."""
        return self.decimals if self.decimals is not None else DECIMALS_DEFAULT

    def public(self) -> dict[str, Any]:
        """What students see: everything but the right answer (and the right answer once revealed)."""
        shown: dict[str, Any] = {"id": self.id, "kind": self.kind, "prompt": self.prompt, "target": self.target}
        if self.kind == "choice":
            shown["options"] = list(self.options)
        if self.kind == "cells":
            shown["rows"], shown["cols"] = len(self.expected), len(self.expected[0])
        if self.kind in ("value", "cells"):
            shown["decimals"] = self.judged_at  # what the page groups value answers at
        if self.own:
            shown["own"] = True  # judged on each student's own numbers (variants mode)
        if self.revealed:
            shown["expected"] = self.expected
        return shown


@dataclass(frozen=True)
class Answer:
    value: Any
    correct: bool
    cells_right: tuple[tuple[bool, ...], ...] = field(default=())
    verdict: str = ""  # right | close | wrong by the one judging rule ("" for kinds without one)
    expected: Any = None  # variants mode: the right answer on this student's own numbers


def parse_question(question_id: str, raw: Any, target_size: int) -> Question:
    """A question from the presenter's `ask` message; QuestionError names the field and the rule."""
    if not isinstance(raw, dict):
        raise QuestionError("question", "question must be an object")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise QuestionError("question.kind", f"question.kind must be one of {', '.join(KINDS)}")
    prompt = raw.get("prompt", "")
    if not isinstance(prompt, str) or len(prompt) > MAX_PROMPT_CHARS:
        raise QuestionError("question.prompt", f"question.prompt must be text of at most {MAX_PROMPT_CHARS} characters")
    if target_size > MAX_TARGET_BYTES:
        raise QuestionError("question.target", f"question.target must encode to at most {MAX_TARGET_BYTES} bytes")
    options: tuple[str, ...] = ()
    if kind == "choice":
        options = _options(raw.get("options"))
    expected = _expected(kind, raw.get("expected"), options)
    decimals = raw.get("decimals", DECIMALS_DEFAULT)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not DECIMALS_MIN <= decimals <= DECIMALS_MAX:
        raise QuestionError("question.decimals", f"question.decimals must be a whole number from {DECIMALS_MIN} to "
                            f"{DECIMALS_MAX}")
    shown = _shown(kind, raw.get("shown"), expected)
    iteration = raw.get("iteration", 0)
    if isinstance(iteration, bool) or not isinstance(iteration, int) or not 0 <= iteration <= MAX_ITERATION:
        raise QuestionError("question.iteration", f"question.iteration must be a whole number from 0 to {MAX_ITERATION}")
    return Question(question_id, kind, _clean_text(prompt), expected, decimals_tolerance(decimals), options,
                    raw.get("target"), decimals=decimals, iteration=iteration, shown=shown)


def own_target(question: Question) -> tuple[str, str, int, int]:
    """(step id, matrix id, row, col) of a question judged on each student's own numbers; QuestionError unless
    its target names them (a `cells` question's row and col are ignored: the whole matrix)."""
    target = question.target
    rule = "question.target must be {stepId, matrix, row, col} of the step asked about (each student their own numbers)"
    if not isinstance(target, dict):
        raise QuestionError("question.target", rule)
    step, matrix, row, col = (target.get(name) for name in ("stepId", "matrix", "row", "col"))
    cells = question.kind == "cells"
    if not (isinstance(step, str) and isinstance(matrix, str)):
        raise QuestionError("question.target", rule)
    if not cells and not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (row, col)):
        raise QuestionError("question.target", rule)
    return step, matrix, (0 if cells else row), (0 if cells else col)


def _expected(kind: str, value: Any, options: tuple[str, ...]) -> Any:
    where = "question.expected"
    if kind == "value":
        return _number(value, where)
    if kind == "shape":
        return _shape(value, where)
    if kind == "sign":
        return _sign(value, where)
    if kind == "choice":
        return _choice(value, len(options), where)
    return _matrix(value, where, allow_blank=False)


def _shown(kind: str, value: Any, expected: Any) -> Any:
    """The page's `question.shown`: a number (value) or a matrix of `expected`'s shape with null for a cell it does
    not know (cells); None when not sent (the exact result alone judges)."""
    where, rule = "question.shown", "question.shown must be null, or the expected answer computed from the shown inputs"
    if value is None or kind not in ("value", "cells"):
        return None
    if kind == "value":
        return _number(value, where)
    shown = _matrix(value, where, allow_blank=True)
    if (len(shown), len(shown[0])) != (len(expected), len(expected[0])):
        raise QuestionError(where, f"{rule}: a {len(expected)}×{len(expected[0])} matrix like question.expected")
    return shown


def _number_verdict(question: Question, given: float | None, expected: float, shown: float | None = None) -> str:
    """The one judging rule at the question's decimals."""
    return judge(given, expected, question.judged_at, shown).verdict


def parse_answer(question: Question, value: Any, own: Any = None, shown: Any = None) -> Answer:
    """A student's answer, checked against the right one: the class's (the presenter's `expected` and `shown`),
    or in variants mode the student's own (`own`, and `shown` the result of their shown inputs where known);
    QuestionError names the field and the rule."""
    where = "answer"
    expected, shown = (question.expected, question.shown) if own is None else (own, shown)
    if question.kind == "value":
        given = _number(value, where)
        verdict = _number_verdict(question, given, expected, shown)
        return Answer(given, verdict == "right", verdict=verdict, expected=own)
    if question.kind == "sign":
        sign = _sign(value, where)
        verdict = "right" if sign == expected else "wrong"
        return Answer(sign, verdict == "right", verdict=verdict, expected=own)
    if question.kind == "shape":
        shape = _shape(value, where)
        return Answer(shape, shape == question.expected)
    if question.kind == "choice":
        index = _choice(value, len(question.options), where)
        return Answer(index, index == question.expected)
    return _cells_answer(question, value, expected, own is not None, shown)


def _cells_answer(question: Question, value: Any, expected: Any, own: bool, shown: Any) -> Answer:
    given = _matrix(value, "answer", allow_blank=True)
    rows, cols = len(expected), len(expected[0])
    if len(given) != rows or any(len(row) != cols for row in given):
        raise QuestionError("answer", f"answer must be a {rows}×{cols} matrix (null for a cell left blank)")
    verdicts = [[_number_verdict(question, cell, want, None if shown is None else shown[r][c])
                 for c, (cell, want) in enumerate(zip(row, wants))] for r, (row, wants) in enumerate(zip(given, expected))]
    right = tuple(tuple(verdict == "right" for verdict in row) for row in verdicts)
    flat = [verdict for row in verdicts for verdict in row]
    overall = "right" if all(v == "right" for v in flat) else "close" if all(v in ("right", "close") for v in flat) else "wrong"
    return Answer(given, overall == "right", right, overall, expected if own else None)


def verdict_fields(answer: Answer) -> dict[str, Any]:
    """What a student hears of their own answer after the reveal: right or not, the verdict by the judging rule,
    the right cells of a hand calculation and, on their own numbers, their own right answer."""
    fields: dict[str, Any] = {"correct": answer.correct}
    if answer.verdict:
        fields["verdict"] = answer.verdict
    if answer.cells_right:
        fields["cells_right"] = answer.cells_right
    if answer.expected is not None:
        fields["expected"] = answer.expected
    return fields


def answer_key(question: Question, value: Any) -> Any:
    """How an answer is shown on its bar: [rows, cols], "+", an option's index, a number."""
    if question.kind == "shape":
        return [value[0], value[1]]
    return value


def _value_groups(question: Question, answers: list[Answer]) -> list[tuple[float, list[Answer]]]:
    """Numbers within the question's tolerance of a group's smallest one share its bar, shown as the group's
    median (0.573 and 0.5727 at 3 decimals are one bar, not two both reading "0.573"). Once revealed, the right
    answers are one bar at the right value and a bar holds one verdict (close and wrong ones apart)."""
    if question.revealed:
        right = [answer for answer in answers if answer.verdict == "right"]
        return ([(question.expected, right)] if right else []) + [
            group for verdict in ("close", "wrong")
            for group in _bands(question, [answer for answer in answers if answer.verdict == verdict])]
    return _bands(question, answers)


def _bands(question: Question, answers: list[Answer]) -> list[tuple[float, list[Answer]]]:
    groups: list[tuple[float, list[Answer]]] = []
    for answer in sorted(answers, key=lambda a: a.value):
        if groups and answer.value - groups[-1][0] <= question.tolerance:
            groups[-1][1].append(answer)
        else:
            groups.append((answer.value, [answer]))
    return [(members[len(members) // 2].value, members) for _, members in groups]


def tally(question: Question, answers: dict[str, Answer], names: dict[str, str] | None = None) -> dict[str, Any]:
    """The presenter's live view of one question: counts per distinct answer and the names of those who answered
    (`names`: student id → the name given at joining). Which answers are right is in it only once the question is
    revealed (the projector must not give the answer away)."""
    revealed = question.revealed
    names = names or {}
    summary: dict[str, Any] = {
        "question_id": question.id,
        "kind": question.kind,
        "answers": len(answers),
        "named": sorted(
            ({"name": names[student], **({"correct": answer.correct} if revealed else {})}
             for student, answer in answers.items() if names.get(student)),
            key=lambda entry: entry["name"],
        ),
    }
    if revealed:
        summary["right"] = sum(answer.correct for answer in answers.values())
    if revealed and question.kind in OWN_KINDS:
        # After the reveal, how many were right, close or wrong, in variants mode and without (and, for a hand
        # calculation, how many got each cell right).
        summary["verdicts"] = {verdict: sum(answer.verdict == verdict for answer in answers.values())
                               for verdict in VERDICTS}
    if question.kind == "cells":
        if revealed:
            rows, cols = len(question.expected), len(question.expected[0])
            counts = [[0] * cols for _ in range(rows)]
            for answer in answers.values():
                for r, row in enumerate(answer.cells_right):
                    for c, ok in enumerate(row):
                        counts[r][c] += ok
            summary["cells_right"] = counts
        return summary
    if question.own and question.kind in OWN_KINDS:
        summary["counts"], summary["other"] = [], 0
        return summary
    groups: Counter[str] = Counter()
    shown: dict[str, Any] = {}
    right_keys: set[str] = set()
    verdicts: dict[str, str] = {}
    if question.kind == "value":
        grouped = _value_groups(question, list(answers.values()))
    else:
        keyed: dict[str, list[Answer]] = {}
        for answer in answers.values():
            keyed.setdefault(repr(answer_key(question, answer.value)), []).append(answer)
        grouped = [(answer_key(question, members[0].value), members) for members in keyed.values()]
    for key, members in grouped:
        text = repr(key)
        groups[text] += len(members)
        shown[text] = key
        if any(answer.correct for answer in members):
            right_keys.add(text)
        if members[0].verdict:  # one verdict a bar (value bars are grouped by it, other kinds by the answer)
            verdicts[text] = members[0].verdict
    top = groups.most_common(TALLY_TOP)
    summary["counts"] = [{"answer": shown[text], "count": count,
                          **({"correct": text in right_keys} if revealed else {}),
                          **({"verdict": verdicts[text]} if revealed and text in verdicts else {})}
                         for text, count in top]
    summary["other"] = len(answers) - sum(count for _, count in top)
    return summary


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise QuestionError(where, f"{where} must be a finite number")
    return float(value)


def _shape(value: Any, where: str) -> tuple[int, int]:
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SHAPE for n in value)):
        raise QuestionError(where, f"{where} must be [rows, cols], two whole numbers from 1 to {MAX_SHAPE}")
    return (value[0], value[1])


def _sign(value: Any, where: str) -> str:
    if value not in SIGNS:
        raise QuestionError(where, f'{where} must be "+", "-" or "0"')
    return value


def _choice(value: Any, count: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise QuestionError(where, f"{where} must be an option's index, 0 to {count - 1}")
    return value


def _options(value: Any) -> tuple[str, ...]:
    where = "question.options"
    if (not isinstance(value, list) or not 2 <= len(value) <= MAX_OPTIONS
            or any(not isinstance(text, str) or len(text) > MAX_OPTION_CHARS for text in value)):
        raise QuestionError(where, f"{where} must be 2 to {MAX_OPTIONS} texts of at most {MAX_OPTION_CHARS} characters")
    return tuple(_clean_text(text) for text in value)


def _matrix(value: Any, where: str, *, allow_blank: bool) -> tuple[tuple[float | None, ...], ...]:
    rule = f"{where} must be a non-empty matrix (a list of equal-length rows) of at most {MAX_CELLS} finite numbers"
    if not isinstance(value, list) or not value or not all(isinstance(row, list) and row for row in value):
        raise QuestionError(where, rule)
    if len({len(row) for row in value}) != 1 or len(value) * len(value[0]) > MAX_CELLS:
        raise QuestionError(where, rule)
    return tuple(
        tuple(None if cell is None and allow_blank else _number(cell, where) for cell in row) for row in value
    )


def parse_name(value: Any) -> str:
    """A student's optional name (given at joining): text, NFC, no control characters, at most MAX_NAME_CHARS
    characters; "" for none."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise QuestionError("name", "name must be text")
    name = _clean_text(value).strip()
    if len(name) > MAX_NAME_CHARS:
        raise QuestionError("name", f"name must be at most {MAX_NAME_CHARS} characters")
    return name


def _clean_text(text: str) -> str:
    """NFC, with control and format characters (e.g. bidi overrides) removed; escaping is the page's job."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) not in ("Cc", "Cf"))
