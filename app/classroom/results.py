"""A room's results log: one record per answer a student sends (every change, in order: a changed answer is a
later record), kept in the room store within BACKPROP_CLASS_RESULTS_BYTES, for the presenter to download
during the class and for BACKPROP_CLASS_IDLE_SECONDS after it ends. The page turns it into CSV
(static/js/classroom/results-csv.js) in its language's convention.

A record keeps the student's id (never sent out); the download shows their name (given at joining) or,
without one, their place in the class, which the page labels "Student 7".
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from app.classroom.questions import Answer, Question
from app.classroom.store import Results, RoomStore
from app.web.json import dumps

VERDICTS = ("right", "close", "wrong")
MAX_TARGET_TEXT = 64  # a step or matrix id from the question's target


def verdict_of(answer: Answer) -> str:
    """The verdict of an answer of a kind the judging rule does not grade (shape, choice): right or wrong."""
    return "right" if answer.correct else "wrong"


def _where(target: Any) -> dict[str, Any]:
    """The step, matrix and cell a question's target names, read defensively (the target is the page's)."""
    if not isinstance(target, dict):
        return {"step": "", "matrix": "", "cell": None}
    text = {name: target.get(name) if isinstance(target.get(name), str) else "" for name in ("stepId", "matrix")}
    row, col = target.get("row"), target.get("col")
    cell = [row, col] if all(isinstance(n, int) and not isinstance(n, bool) for n in (row, col)) else None
    return {"step": text["stepId"][:MAX_TARGET_TEXT], "matrix": text["matrix"][:MAX_TARGET_TEXT], "cell": cell}


def _shown_answer(question: Question, answer: Answer) -> Any:
    """The answer as the student gave it: a number, [rows, cols], a sign, the chosen option's text, a matrix."""
    if question.kind == "choice":
        return question.options[answer.value]
    if question.kind == "shape":
        return list(answer.value)
    return answer.value


def record(question: Question, answer: Answer, student_id: str, *, verdict: str | None = None, variant: str = "",
           place: int | None = None, now: float | None = None) -> bytes:
    """One record of the log (JSON). `verdict`: the answer's by the judging rule ("right", "close" or "wrong"),
    else right/wrong from `correct` (shape, choice); with variants the caller passes the student's variant label."""
    verdict = verdict or verdict_of(answer)
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    return dumps({
        "time": round((time.time() if now is None else now) * 1000),
        "sid": student_id,
        "place": place,
        "variant": variant,
        "question": question.id,
        "kind": question.kind,
        "prompt": question.prompt,
        **_where(question.target),
        "answer": _shown_answer(question, answer),
        "verdict": verdict,
    })


async def record_answer(store: RoomStore, code: str, question: Question, answer: Answer, student_id: str,
                        **details: Any) -> None:
    await store.record_result(code, record(question, answer, student_id, **details))


def download(code: str, results: Results) -> dict[str, Any]:
    """What the presenter downloads: the records with each student's name or place, never their id. Students
    without a place of their own are numbered after the highest place, in order of their first answer."""
    records = [orjson.loads(raw) for raw in results.records]
    places: dict[str, int] = {entry["sid"]: entry["place"] for entry in records if entry.get("place")}
    next_place = max(places.values(), default=0)
    for entry in records:
        if entry["sid"] not in places:
            next_place += 1
            places[entry["sid"]] = next_place
    shown = [{"student": results.names.get(entry["sid"], ""), **{k: v for k, v in entry.items() if k != "sid"},
              "place": places[entry["sid"]]} for entry in records]
    return {"code": code, "ended": results.ended, "dropped": results.dropped, "records": shown}
