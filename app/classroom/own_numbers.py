"""Each student their own numbers (issue 14, "In class"): a room in variants mode gives every student a variant
of the class's preset drawn from the room's secret seed and the student's place (app/core/variants.py's
`student_request`), shown with a label of its own. Computed from those small inputs, through the answer memory
and the compute pool like any trace; questions are judged on each student's own trace (app/core/judging.py)."""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

import numpy as np
import orjson

from app.api.answers import AnswerCache, answer_key
from app.core.presets import preset as find_preset
from app.core.shown_inputs import shown_inputs_result
from app.core.variants import after_iterations, student_request, trace_of
from app.web.json import dumps

TRACE_WORK = 100_000  # one small trace in the compute pool's units (app/api/cpu.py's SMALL_WORK; bench/bench_own_answers.py)
DRAW_WORK = 2 * TRACE_WORK  # the draws until one keeps the rules


def label(place: int) -> str:
    """What a student's page shows of its own numbers ("S7"): distinct per student, not a public variant number."""
    return f"S{place}"


def numbers_job(preset_id: str, seed: str, place: int, iteration: int, start: bytes | None = None) -> bytes:
    """The student's request at `iteration` and the loss of each iteration before it, as JSON; from `start` (this
    function's answer at an earlier iteration) when given, so each Next iteration costs one trace, not k."""
    if start is None:
        request, history, done = student_request(preset_id, seed, place), [], 0
    else:
        earlier = orjson.loads(start)
        request, history, done = earlier["request"], earlier["loss_history"], earlier["iteration"]
    request, losses = after_iterations(request, iteration - done)
    history += [{"iteration": done + k, "loss": loss} for k, loss in enumerate(losses)]
    return dumps({"iteration": iteration, "request": request, "loss_history": history})


class StudentNumbers:
    """Students' own numbers through the answer memory and, once the server runs, its compute pool (`compute`).
    Each student's latest numbers are kept too (`LATEST_KEPT` students): the next iteration starts from them. And
    the right answers a question asks of each student's numbers (`EXPECTED_KEPT`): a changed answer, or the same
    question asked again, is judged without decoding and tracing the student's numbers again."""

    LATEST_KEPT = 4096
    EXPECTED_KEPT = 8192

    def __init__(self, answers: AnswerCache, compute: Any = None) -> None:
        self.answers, self.compute = answers, compute
        # Not one memory with `answers`: it is found by student (their newest iteration), which the answer memory's
        # exact keys cannot find, and from a first sighting; both hold the same bytes object, not a copy.
        self._latest: OrderedDict[tuple[str, str, int], tuple[int, bytes]] = OrderedDict()
        self._expected: OrderedDict[tuple[Any, ...], tuple[np.ndarray, np.ndarray | None]] = OrderedDict()

    async def of(self, preset_id: str, seed: str, place: int, iteration: int) -> bytes:
        """`numbers_job`'s answer, remembered (the seed is in the key, which never leaves this process) and
        computed in the compute pool's lane for its work (inline without a pool: tests that drive the service alone)."""
        student = (preset_id, seed, place)
        latest = self._latest.get(student)
        if latest is not None and latest[0] == iteration:
            self._latest.move_to_end(student)
            return latest[1]
        key = answer_key("class-own-numbers", f"{preset_id}|{seed}|{place}|{iteration}".encode())
        content = self.answers.get(key)
        if content is None:
            start = latest[1] if latest is not None and latest[0] <= iteration else None
            args = (preset_id, seed, place, iteration, start)
            work = (iteration - latest[0]) * TRACE_WORK if start is not None else DRAW_WORK + iteration * TRACE_WORK
            compute = self.compute
            content = await compute.run(work, numbers_job, *args) if compute is not None else numbers_job(*args)
            self.answers.put(key, content)
            if latest is None or latest[0] <= iteration:
                _remember(self._latest, student, (iteration, content), self.LATEST_KEPT)
        return content

    async def expected(self, preset_id: str, seed: str, place: int, iteration: int, step_id: str, matrix: str,
                       decimals: int) -> tuple[np.ndarray, np.ndarray | None]:
        """`own_expected` on the student's numbers at `iteration`, remembered per student and question."""
        key = (preset_id, seed, place, iteration, step_id, matrix, decimals)
        found = self._expected.get(key)
        if found is not None:
            self._expected.move_to_end(key)
            return found
        content = await self.of(preset_id, seed, place, iteration)
        found = own_expected(decode(content)["request"], step_id, matrix, decimals)
        _remember(self._expected, key, found, self.EXPECTED_KEPT)
        return found


def _remember(memory: OrderedDict[Any, Any], key: Any, value: Any, kept: int) -> None:
    """`key` → `value` as the newest entry, the oldest let go past `kept`."""
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > kept:
        memory.popitem(last=False)


@functools.cache
def preset_network(preset_id: str) -> tuple[frozenset[str], dict[str, tuple[int, int]]]:
    """The step ids and matrix shapes of a preset's network (the same for every student's variant of it):
    traced once per preset, not on every question."""
    trace = trace_of(find_preset(preset_id).to_dict()["request"])
    return frozenset(step.id for step in trace.steps), {name: shape_of(value) for name, value in trace.matrices().items()}


def shape_of(value: Any) -> tuple[int, int]:
    rows, cols = np.atleast_2d(np.asarray(value, dtype=float)).shape
    return rows, cols


def own_expected(request: dict[str, Any], step_id: str, matrix: str, decimals: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The matrix asked about on the student's own trace (exact), and the same from the shown inputs (None when
    the matrix is not the step's result)."""
    trace = trace_of(request)
    step = next(step for step in trace.steps if step.id == step_id)
    exact = np.atleast_2d(np.asarray(trace.matrix(matrix), dtype=float))
    shown = shown_inputs_result(trace, step, decimals) if step.output == matrix else None
    return exact, shown


def decode(content: bytes) -> dict[str, Any]:
    return orjson.loads(content)
