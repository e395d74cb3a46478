"""Questions and answers: validation that names the field, answer checks, exact tallies."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.classroom.questions import QuestionError, parse_answer, parse_name, parse_question, tally


def ask(**raw: Any) -> Any:
    return parse_question("q1", raw, 0)


@pytest.mark.parametrize(("raw", "answer", "correct"), [
    ({"kind": "value", "expected": 0.25, "decimals": 2}, 0.254, True),
    ({"kind": "value", "expected": 0.25, "decimals": 2}, 0.27, False),
    ({"kind": "shape", "expected": [3, 2]}, [3, 2], True),
    ({"kind": "shape", "expected": [3, 2]}, [2, 3], False),
    ({"kind": "sign", "expected": "-"}, "-", True),
    ({"kind": "sign", "expected": "-"}, "+", False),
    ({"kind": "choice", "options": ["a", "b", "c"], "expected": 2}, 2, True),
    ({"kind": "choice", "options": ["a", "b", "c"], "expected": 2}, 0, False),
])
def test_answers_are_checked(raw: dict[str, Any], answer: Any, correct: bool) -> None:
    assert parse_answer(ask(**raw), answer).correct is correct


def test_students_do_not_see_the_right_answer_until_the_reveal() -> None:
    question = ask(kind="shape", expected=[3, 2], prompt="Shape of O1?")

    assert "expected" not in question.public()


@pytest.mark.parametrize(("raw", "field"), [
    ({"kind": "guess"}, "question.kind"),
    ({"kind": "value", "expected": float("nan")}, "question.expected"),
    ({"kind": "value", "expected": 1, "decimals": 7}, "question.decimals"),
    ({"kind": "value", "expected": 1, "shown": "1"}, "question.shown"),
    ({"kind": "cells", "expected": [[1, 2]], "shown": [[1]]}, "question.shown"),
    ({"kind": "shape", "expected": [0, 2]}, "question.expected"),
    ({"kind": "choice", "options": ["only one"], "expected": 0}, "question.options"),
    ({"kind": "choice", "options": ["a", "b"], "expected": 2}, "question.expected"),
    ({"kind": "cells", "expected": [[1, 2], [3]]}, "question.expected"),
    ({"kind": "sign", "expected": "+", "prompt": "x" * 501}, "question.prompt"),
])
def test_a_bad_question_names_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(QuestionError) as error:
        ask(**raw)

    assert error.value.field == field


@pytest.mark.parametrize("answer", ["0.5", True, float("inf")])
def test_a_bad_answer_names_the_field(answer: Any) -> None:
    with pytest.raises(QuestionError) as error:
        parse_answer(ask(kind="value", expected=0.5), answer)

    assert error.value.field == "answer"


@pytest.mark.parametrize("name", ["x" * 33, 7])
def test_a_bad_name_names_the_field(name: Any) -> None:
    with pytest.raises(QuestionError) as error:
        parse_name(name)

    assert error.value.field == "name"


def test_names_lose_control_and_bidi_characters() -> None:
    assert parse_name(" Ann\u202e\u0000 ") == "Ann"
    assert parse_name("Аленка Е\u0308") == "Аленка Ё"  # NFC: one code point, as typed on another keyboard


def test_the_tally_counts_one_answer_per_student() -> None:
    question = ask(kind="sign", expected="+")
    answers = {"s1": parse_answer(question, "+"), "s2": parse_answer(question, "-")}
    answers["s2"] = parse_answer(question, "+")  # a second answer replaces the first

    summary = tally(replace(question, revealed=True), answers, {"s1": "Ann", "s3": "Bob (did not answer)"})

    assert (summary["answers"], summary["right"]) == (2, 2)
    assert summary["counts"] == [{"answer": "+", "count": 2, "correct": True, "verdict": "right"}]
    assert summary["named"] == [{"name": "Ann", "correct": True}]


def test_the_tally_says_nothing_of_which_answer_is_right_before_the_reveal() -> None:
    question = ask(kind="sign", expected="+")
    answers = {"s1": parse_answer(question, "+"), "s2": parse_answer(question, "-")}

    summary = tally(question, answers, {"s1": "Ann"})

    assert "right" not in summary and summary["named"] == [{"name": "Ann"}]
    assert all(set(count) == {"answer", "count"} for count in summary["counts"])
    cells = ask(kind="cells", expected=[[1.0]], decimals=1)
    assert "cells_right" not in tally(cells, {"s1": parse_answer(cells, [[1.0]])})


def test_value_answers_within_the_tolerance_share_one_bar() -> None:
    question = ask(kind="value", expected=0.5727, decimals=3)
    answers = {f"s{n}": parse_answer(question, value) for n, value in enumerate([0.573, 0.5727, 0.5731, 0.9])}

    counts = tally(question, answers)["counts"]

    assert counts == [{"answer": 0.573, "count": 3}, {"answer": 0.9, "count": 1}]


def test_shape_answers_are_rows_and_cols_not_text() -> None:
    question = ask(kind="shape", expected=[4, 2])

    counts = tally(question, {"s1": parse_answer(question, [4, 2])})["counts"]

    assert counts == [{"answer": [4, 2], "count": 1}]


def test_hand_calculation_is_checked_cell_by_cell() -> None:
    question = ask(kind="cells", expected=[[1.0, 2.0], [3.0, 4.0]], decimals=1)
    answers = {
        "s1": parse_answer(question, [[1.0, 2.0], [3.0, 4.04]]),
        "s2": parse_answer(question, [[1.0, None], [-3.0, 4.0]]),
    }

    summary = tally(replace(question, revealed=True), answers)

    assert summary["cells_right"] == [[2, 1], [1, 2]]
    assert summary["right"] == 1
    with pytest.raises(QuestionError, match="2×2 matrix"):
        parse_answer(question, [[1.0, 2.0]])


def test_a_class_question_without_variants_is_judged_by_the_one_rule() -> None:
    """The class's numbers (the presenter's `expected`, and `shown`: the same from the rounded inputs on screen)
    judged as the solo check and variants mode judge: right from either, close within ten times, else wrong."""
    question = ask(kind="value", expected=-2.1289, shown=-2.1304, decimals=3)
    verdicts = {typed: parse_answer(question, typed).verdict for typed in (-2.130, -2.1289, -2.133, -2.2)}

    assert verdicts == {-2.130: "right", -2.1289: "right", -2.133: "close", -2.2: "wrong"}
    assert [parse_answer(question, typed).correct for typed in (-2.130, -2.133)] == [True, False]
    cells = ask(kind="cells", expected=[[-2.1289, 1.0]], shown=[[-2.1304, None]], decimals=3)
    answer = parse_answer(cells, [[-2.130, 1.004]])
    assert (answer.verdict, answer.cells_right) == ("close", ((True, False),))
    sign = ask(kind="sign", expected="-")
    assert [parse_answer(sign, typed).verdict for typed in ("-", "+")] == ["right", "wrong"]


def test_after_the_reveal_the_tally_counts_right_close_and_wrong_and_each_bar_holds_one_verdict() -> None:
    question = ask(kind="value", expected=0.2, decimals=3)
    typed = [0.1996, 0.2004, 0.2003, 0.203, 0.2033, 0.9]
    answers = {f"s{n}": parse_answer(question, value) for n, value in enumerate(typed)}

    before = tally(question, answers)
    summary = tally(replace(question, revealed=True), answers)

    assert "verdicts" not in before and all("verdict" not in bar for bar in before["counts"])
    assert summary["verdicts"] == {"right": 3, "close": 2, "wrong": 1}
    assert summary["counts"] == [{"answer": 0.2, "count": 3, "correct": True, "verdict": "right"},
                                 {"answer": 0.2033, "count": 2, "correct": False, "verdict": "close"},
                                 {"answer": 0.9, "count": 1, "correct": False, "verdict": "wrong"}]
    assert question.public()["decimals"] == 3 and "shown" not in question.public()
