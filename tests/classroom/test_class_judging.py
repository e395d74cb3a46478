"""One judging rule for every class answer (issue 14): without "each student their own numbers" too, a value, sign
or hand-calculation answer is judged by app/core/judging.judge against the class's numbers (the presenter's trace:
its `expected`, and `shown` from the inputs as rounded on screen): right, close or wrong, in both stores, and the
tally after Reveal counts them as in variants mode."""

from __future__ import annotations

import httpx
import pytest

from tests.classroom.helpers import Server, join, presenter, run
from tests.classroom.test_own_numbers import ask, reveal, server, tally_of  # noqa: F401 (the fixture: both stores)

pytestmark = pytest.mark.timeout(120)

# dL/dW3 as in the issue: O₂ᵀ·d from the 3-decimal inputs on screen gives −2.130 and −1.910, more than half a
# unit of the last decimal from the exact values (the presenter's page sends both).
VALUE = {"kind": "value", "expected": -2.1289, "shown": -2.1304, "decimals": 3,
         "target": {"stepId": "bwd:dL/dW3", "matrix": "dL/dW3", "row": 0, "col": 0}}
CELLS = {"kind": "cells", "expected": [[-2.1289], [-1.9057]], "shown": [[-2.1304], [-1.9101]], "decimals": 3,
         "target": {"stepId": "bwd:dL/dW3", "matrix": "dL/dW3", "row": 0, "col": 0}}


def test_a_class_without_variants_is_judged_right_close_or_wrong_by_the_one_rule(server: Server) -> None:  # noqa: F811
    room = server.create_room()
    code = room["code"]

    async def scenario() -> None:
        teacher = await presenter(server, room)
        students = [await join(server, code) for _ in range(4)]

        question_id = await ask(teacher, students, VALUE)
        typed = [-2.130, -2.1289, -2.133, -2.2]  # from the shown inputs, exact, close, wrong
        for student, value in zip(students, typed):
            await student.send(type="answer", question_id=question_id, answer=value)
            await student.expect("answered")
        before = await tally_of(teacher, 4)
        assert "verdicts" not in before and all(set(bar) == {"answer", "count"} for bar in before["counts"])
        tally, results = await reveal(teacher, students, question_id)
        assert [r["verdict"] for r in results] == ["right", "right", "close", "wrong"]
        assert [r["correct"] for r in results] == [True, True, False, False]
        assert tally["verdicts"] == {"right": 2, "close": 1, "wrong": 1} and tally["right"] == 2
        assert tally["counts"] == [{"answer": -2.1289, "count": 2, "correct": True, "verdict": "right"},
                                   {"answer": -2.133, "count": 1, "correct": False, "verdict": "close"},
                                   {"answer": -2.2, "count": 1, "correct": False, "verdict": "wrong"}]

        question_id = await ask(teacher, students, CELLS)
        for student, cells in zip(students, ([[-2.130], [-1.910]], [[-2.1289], [-1.902]], [[-2.1], [-1.9]],
                                             [[None], [-1.9057]])):
            await student.send(type="answer", question_id=question_id, answer=cells)
            await student.expect("answered")
        await tally_of(teacher, 4)
        tally, results = await reveal(teacher, students, question_id)
        assert [r["verdict"] for r in results] == ["right", "close", "wrong", "wrong"]
        assert tally["cells_right"] == [[2], [2]] and tally["verdicts"] == {"right": 1, "close": 1, "wrong": 2}

        async with httpx.AsyncClient(trust_env=False) as client:
            log = (await client.get(f"{server.http}/api/class/rooms/{code}/results",
                                    headers={"Authorization": f"Bearer {room['token']}"})).json()
        assert [r["verdict"] for r in log["records"]] == ["right", "right", "close", "wrong",
                                                          "right", "close", "wrong", "wrong"]

    run(scenario())
