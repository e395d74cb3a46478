"""Judging answers on each student's own numbers (issue 14): what the server does on the event loop per `ask` and per
`answer` in variants mode, in process (no sockets: the handler's own calls, the same on every version).

A class of 300 at iteration 0 and at iteration 100 (a longer loss history in each student's numbers). Each
student's numbers are fetched first, as their page does on Next iteration. Then, per phase, the median µs of
- `ask`: checking a question's target against the preset's network (MessageHandlers._check_own_target);
- `first answer`: the right answer on a student's own numbers, a hand calculation of H1 (_own_expected);
- `changed answer`: the same student answering the same question again;
- `next question`: a value question (dL/dW3) at the same iteration, each student's first answer to it.

    .venv/bin/python bench/bench_own_answers.py [--students 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _server import load_average  # noqa: E402  (bench/ is on sys.path when run as a script)
from app.classroom.questions import parse_question  # noqa: E402
from app.classroom.service import Classroom  # noqa: E402
from app.settings import Settings  # noqa: E402

H1 = {"kind": "cells", "expected": [[0.0, 0.0]] * 4, "decimals": 3,
      "target": {"stepId": "fwd:H1", "matrix": "H1", "row": 0, "col": 0}}
DW3 = {"kind": "value", "expected": 0.0, "decimals": 3,
       "target": {"stepId": "bwd:dL/dW3", "matrix": "dL/dW3", "row": 1, "col": 0}}


def median_us(times: list[float]) -> float:
    return statistics.median(times) * 1e6


async def timed(calls) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for call in calls:
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


async def phase(classroom: Classroom, students: int, iteration: int) -> dict[str, float]:
    room, _ = await classroom.create_room()
    handlers, numbers = classroom.handlers, classroom.numbers
    await classroom.store.set_variants(room.code, "exercise")
    room = await classroom.store.room(room.code)
    assert room is not None
    places = range(1, students + 1)
    for place in places:  # the students' pages fetch their numbers (Next iteration)
        await numbers.of("exercise", room.seed, place, iteration)
    h1 = parse_question("qa", {**H1, "iteration": iteration}, 100)
    h1 = type(h1)(**{**h1.__dict__, "own": "exercise"})
    dw3 = parse_question("qb", {**DW3, "iteration": iteration}, 100)
    dw3 = type(dw3)(**{**dw3.__dict__, "own": "exercise"})

    async def check() -> None:
        handlers._check_own_target(h1)

    def expected(question, place):  # type: ignore[no-untyped-def]
        return lambda: handlers._own_expected(room, question, place)

    return {
        "ask": median_us(await timed([check] * 50)),
        "first answer": median_us(await timed([expected(h1, p) for p in places])),
        "changed answer": median_us(await timed([expected(h1, p) for p in places])),
        "next question": median_us(await timed([expected(dw3, p) for p in places])),
    }


async def main(students: int) -> None:
    classroom = Classroom(Settings(class_max_rooms=10))
    print(f"{students} students, µs per call (median), {load_average()}")
    for iteration in (0, 100):
        figures = await phase(classroom, students, iteration)
        print(f"iteration {iteration:>3}: " + ", ".join(f"{name} {value:,.0f}" for name, value in figures.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    asyncio.run(main(parser.parse_args().students))
