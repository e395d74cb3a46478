"""Each student their own numbers (issue 14, "In class"), against a real server on 127.0.0.1 in both stores: the
variants mode, a student's own numbers over HTTP (and who may read them), and questions judged on each
student's own trace by the one judging rule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from app.classroom.questions import MAX_ITERATION
from app.core.variants import after_iterations, trace_of, variant_request
from tests.classroom.helpers import Client, Server, join, presenter, run, running_server

pytestmark = pytest.mark.timeout(120)

CLASS = 30


@pytest.fixture(scope="module", params=["memory", "redis"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    redis_url = ""
    if request.param == "redis":
        redis = request.getfixturevalue("redis_server")
        redis.flush()
        redis_url = redis.url
    with running_server(redis_url=redis_url, messages_per_second=1000, joins_per_minute=10_000,
                        heartbeat_seconds=1) as running:
        yield running


async def numbers(server: Server, code: str, credential: str | None, **query: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.get(f"{server.http}/api/class/rooms/{code}/numbers", params=query, headers=headers)


async def switch_variants(teacher: Client, preset: str | None, students: tuple[Client, ...] | list[Client] = ()) -> None:
    await teacher.send(type="variants", preset=preset, id=1)
    frame = await teacher.expect("variants")
    assert frame["preset"] == preset
    await teacher.expect("ack")
    for student in students:
        assert (await student.expect("variants"))["preset"] == preset


async def ask(teacher: Client, students: list[Client], question: dict[str, Any]) -> str:
    await teacher.send(type="ask", question=question)
    await teacher.expect("question")
    question_id = (await teacher.expect("ack"))["question_id"]
    for student in students:
        await student.expect("question")
    return question_id


async def reveal(teacher: Client, students: list[Client], question_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    await teacher.send(type="reveal", question_id=question_id)
    frames = [await teacher.expect("reveal", "ack") for _ in range(2)]
    tally = next(frame["tally"] for frame in frames if frame["type"] == "reveal")
    results = []
    for student in students:
        await student.expect("reveal")
        results.append(await student.expect("result"))
    return tally, results


async def tally_of(teacher: Client, answers: int) -> dict[str, Any]:
    tally = await teacher.expect("tally")
    while tally["answers"] < answers:
        tally = await teacher.expect("tally")
    return tally


def h1_by_hand(request: dict[str, Any]) -> list[list[float]]:
    """H1 = X·W1 as a student computes it, to 3 decimals."""
    return np.round(np.asarray(request["X"]) @ np.asarray(request["weights"][0]), 3).tolist()


def test_a_class_of_30_each_with_their_own_numbers_judged_on_them(server: Server) -> None:
    room = server.create_room()
    code = room["code"]

    async def scenario() -> None:
        teacher = await presenter(server, room)
        students = [await join(server, code) for _ in range(CLASS)]
        ids = [student.welcome["student_id"] for student in students]
        await switch_variants(teacher, "exercise", students)

        own = [(await numbers(server, code, student_id)).json() for student_id in ids]
        assert [n["place"] for n in own] == list(range(1, CLASS + 1))
        assert len({n["label"] for n in own}) == CLASS  # distinct labels …
        assert len({json.dumps(n["request"]) for n in own}) == CLASS  # … and distinct numbers
        assert all(n["preset"] == "exercise" and n["iteration"] == 0 and n["loss_history"] == [] for n in own)
        public = {json.dumps(variant_request("exercise", k)["X"]) + json.dumps(variant_request("exercise", k)["weights"])
                  for k in range(1, 31)}
        assert not public & {json.dumps(n["request"]["X"]) + json.dumps(n["request"]["weights"]) for n in own}

        # A hand calculation (cells): everyone right on their own numbers → every cell right for all 30.
        teacher_h1 = h1_by_hand(own[0]["request"])  # the page's expected value: ignored in variants mode
        question = {"kind": "cells", "expected": teacher_h1, "decimals": 3, "iteration": 0,
                    "target": {"stepId": "fwd:H1", "matrix": "H1", "row": 0, "col": 0}}
        question_id = await ask(teacher, students, question)
        for student, mine in zip(students, own):
            await student.send(type="answer", question_id=question_id, answer=h1_by_hand(mine["request"]))
            await student.expect("answered")
        tally = await tally_of(teacher, CLASS)
        assert "cells_right" not in tally and "verdicts" not in tally and "right" not in tally  # nothing before Reveal
        tally, results = await reveal(teacher, students, question_id)
        assert tally["cells_right"] == [[CLASS, CLASS]] * 4
        assert tally["verdicts"] == {"right": CLASS, "close": 0, "wrong": 0}
        assert all(result["correct"] and result["verdict"] == "right" for result in results)
        assert np.allclose(results[3]["expected"], h1_by_hand(own[3]["request"]), atol=5e-4)

        # The same question again: student 1 types their neighbour's numbers and is judged wrong.
        question_id = await ask(teacher, students, question)
        for k, (student, mine) in enumerate(zip(students, own)):
            typed = h1_by_hand(own[1]["request"] if k == 0 else mine["request"])
            await student.send(type="answer", question_id=question_id, answer=typed)
            await student.expect("answered")
        await tally_of(teacher, CLASS)
        tally, results = await reveal(teacher, students, question_id)
        assert not results[0]["correct"] and results[0]["verdict"] == "wrong"
        assert tally["right"] == CLASS - 1 and tally["verdicts"]["right"] == CLASS - 1
        assert min(min(row) for row in tally["cells_right"]) < CLASS

    run(scenario())


def test_a_value_question_after_next_iteration_is_judged_by_the_one_rule_on_each_students_trace(server: Server) -> None:
    room = server.create_room()
    code = room["code"]

    async def scenario() -> None:
        teacher = await presenter(server, room)
        students = [await join(server, code) for _ in range(3)]
        await switch_variants(teacher, "exercise", students)
        own = [(await numbers(server, code, s.welcome["student_id"], iteration=1)).json() for s in students]
        start = [(await numbers(server, code, s.welcome["student_id"])).json() for s in students]
        # Iteration 1 is iteration 0's update; its loss history holds iteration 0's loss.
        first = trace_of(start[0]["request"])
        assert own[0]["request"]["weights"] == [w.tolist() for w in first.updated_W]
        assert own[0]["loss_history"] == [{"iteration": 0, "loss": first.loss}]

        # dL/dW3[0][0] = (O2ᵀ·d)[0][0]: right from the exact value, from the shown (rounded) inputs, close, wrong.
        question_id = await ask(teacher, students, {
            "kind": "value", "expected": 0.0, "decimals": 3, "iteration": 1,
            "target": {"stepId": "bwd:dL/dW3", "matrix": "dL/dW3", "row": 1, "col": 0}})
        traces = [trace_of(n["request"]) for n in own]
        exact = [float(t.matrix("dL/dW3")[1][0]) for t in traces]
        O2 = [np.round(t.O[1], 3) for t in traces]
        d = [np.round(t.matrix("dL/dy_hat"), 3) for t in traces]
        shown = [float((o.T @ g)[1][0]) for o, g in zip(O2, d)]
        typed = [round(shown[0], 3), exact[1] + 0.003, exact[2] + 0.5]
        for student, value in zip(students, typed):
            await student.send(type="answer", question_id=question_id, answer=value)
            await student.expect("answered")
        tally = await tally_of(teacher, 3)
        assert tally["counts"] == [] and "verdicts" not in tally  # raw values mean nothing across variants
        tally, results = await reveal(teacher, students, question_id)
        assert [r["verdict"] for r in results] == ["right", "close", "wrong"]
        assert tally["verdicts"] == {"right": 1, "close": 1, "wrong": 1}
        assert results[1]["expected"] == pytest.approx(exact[1])
        # The results log (the presenter's download) keeps each student's label, place and own verdict.
        async with httpx.AsyncClient(trust_env=False) as client:
            log = (await client.get(f"{server.http}/api/class/rooms/{code}/results",
                                    headers={"Authorization": f"Bearer {room['token']}"})).json()
        assert [(r["variant"], r["place"], r["verdict"]) for r in log["records"]] == [
            (n["label"], n["place"], verdict) for n, verdict in zip(own, ("right", "close", "wrong"))]

    run(scenario())


def test_own_numbers_and_questions_on_them_go_on_past_iteration_100(server: Server) -> None:
    """A class that pressed Next iteration past 100 (or trained before switching variants on): each student's
    numbers at iteration 150, the next iteration from them, and a question there judged on them."""
    room = server.create_room()
    code = room["code"]

    async def scenario() -> None:
        teacher = await presenter(server, room)
        students = [await join(server, code) for _ in range(2)]
        await switch_variants(teacher, "exercise", students)
        ids = [s.welcome["student_id"] for s in students]
        at_150 = [(await numbers(server, code, i, iteration=150)).json() for i in ids]
        at_151 = [(await numbers(server, code, i, iteration=151)) for i in ids]
        assert [r.status_code for r in at_151] == [200, 200]
        following, losses = after_iterations(at_150[0]["request"], 1)
        assert at_151[0].json()["request"] == following
        assert at_151[0].json()["loss_history"] == at_150[0]["loss_history"] + [{"iteration": 150, "loss": losses[0]}]

        question_id = await ask(teacher, students, {
            "kind": "value", "expected": 0.0, "decimals": 3, "iteration": 151,
            "target": {"stepId": "fwd:H1", "matrix": "H1", "row": 1, "col": 0}})
        mine = [float(trace_of(r.json()["request"]).matrix("H1")[1][0]) for r in at_151]
        for student, value in zip(students, (mine[0], mine[0] + 0.5)):
            await student.send(type="answer", question_id=question_id, answer=value)
            await student.expect("answered")
        await tally_of(teacher, 2)
        tally, results = await reveal(teacher, students, question_id)
        assert [r["verdict"] for r in results] == ["right", "wrong"]

    run(scenario())


def test_own_numbers_are_the_students_own_and_stay_theirs(server: Server) -> None:
    room, other_room = server.create_room(), server.create_room()
    code = room["code"]

    async def scenario() -> None:
        teacher = await presenter(server, room)
        alice, bob = await join(server, code), await join(server, code)
        stranger = await join(server, other_room["code"])
        alice_id, bob_id = alice.welcome["student_id"], bob.welcome["student_id"]

        off = await numbers(server, code, alice_id)
        assert off.status_code == 409 and off.json()["detail"][0]["type"] == "variants_off"
        await switch_variants(teacher, "xor")

        missing = await numbers(server, code, None)
        assert missing.status_code == 401 and missing.json()["detail"][0]["type"] == "student_id"
        foreign = await numbers(server, code, stranger.welcome["student_id"])
        assert foreign.status_code == 403 and foreign.json()["detail"][0]["type"] == "not_a_student"
        mine = (await numbers(server, code, alice_id)).json()
        theirs = await numbers(server, code, alice_id, place=2)
        assert theirs.status_code == 403 and theirs.json()["detail"][0]["type"] == "own_numbers_only"
        assert "their own" in theirs.json()["detail"][0]["msg"]
        bad = await numbers(server, code, alice_id, iteration=MAX_ITERATION + 1)
        assert bad.status_code == 422 and bad.json()["detail"][0]["type"] == "iteration"

        # The presenter sees any student's numbers (and must name whose).
        assert (await numbers(server, code, room["token"])).status_code == 422
        shown = (await numbers(server, code, room["token"], place=1)).json()
        assert shown == mine and shown["label"] == "S1"
        assert (await numbers(server, code, room["token"], place=2)).json() == (await numbers(server, code, bob_id)).json()
        async with httpx.AsyncClient(trust_env=False) as client:
            listed = await client.get(f"{server.http}/api/class/rooms/{code}/students",
                                      headers={"Authorization": f"Bearer {room['token']}"})
            refused = await client.get(f"{server.http}/api/class/rooms/{code}/students",
                                       headers={"Authorization": f"Bearer {alice_id}"})
        assert [s["label"] for s in listed.json()["students"]] == ["S1", "S2"]
        assert refused.status_code == 403

        # Closing and reopening the page on the same device (its stored id): the same place, the same numbers.
        await alice.close()
        again = await join(server, code, student_id=alice_id)
        assert again.welcome["student_id"] == alice_id
        assert again.snapshot["variants"] == "xor"
        assert (await numbers(server, code, alice_id)).json() == mine
        # A late joiner gets numbers of their own.
        late = await join(server, code)
        assert (await numbers(server, code, late.welcome["student_id"])).json()["label"] == "S3"

        # Only a preset with variants; off again for everyone.
        await teacher.send(type="variants", preset="moons", id=2)
        error = await teacher.expect("error")
        assert error["code"] == "no_variants" and error["field"] == "preset"
        await switch_variants(teacher, None)
        assert (await numbers(server, code, alice_id)).status_code == 409

    run(scenario())


def test_the_next_iteration_starts_from_the_students_latest_numbers_and_gives_the_same_bytes() -> None:
    from app.classroom.own_numbers import numbers_job

    seed = "a" * 64
    first = numbers_job("xor", seed, 4, 1)
    assert numbers_job("xor", seed, 4, 3, first) == numbers_job("xor", seed, 4, 3)
    assert json.loads(numbers_job("xor", seed, 4, 3))["loss_history"][0] == json.loads(first)["loss_history"][0]


def test_a_server_run_inside_another_leaves_the_outer_runs_pool_to_students_numbers() -> None:
    """A test client's run beside a live server on the same app: when the inner run stops its pool, students'
    numbers go on through the outer run's (they failed with "cannot schedule new futures after shutdown")."""
    import asyncio
    import dataclasses

    from app.main import create_app
    from app.settings import Settings

    app = create_app(dataclasses.replace(Settings.from_env({}), cpu_workers=1, bundle=False))
    numbers = app.state.classroom.numbers

    async def scenario() -> None:
        async with app.router.lifespan_context(app) as outer:
            async with app.router.lifespan_context(app) as inner:
                assert numbers.compute is inner["compute"]
            assert numbers.compute is outer["compute"]
            assert await numbers.of("exercise", "ab" * 32, 1, 0)
        assert numbers.compute is None

    asyncio.run(scenario())


def test_a_changed_answer_is_judged_from_the_remembered_right_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer path (handlers._own_expected): a student's numbers are decoded and traced once per question,
    not for every answer; the numbers at the student's latest iteration are not computed again."""
    import asyncio

    from app.api.answers import AnswerCache
    from app.classroom import own_numbers

    numbers = own_numbers.StudentNumbers(AnswerCache(1 << 20))
    traced, jobs = [], []
    real_expected, real_job = own_numbers.own_expected, own_numbers.numbers_job
    monkeypatch.setattr(own_numbers, "own_expected", lambda *args: traced.append(args) or real_expected(*args))
    monkeypatch.setattr(own_numbers, "numbers_job", lambda *args: jobs.append(args) or real_job(*args))

    async def scenario() -> None:
        first = await numbers.of("exercise", "ab" * 32, 1, 2)
        for _ in range(3):  # the same question answered three times, and the presenter showing the student
            exact, shown = await numbers.expected("exercise", "ab" * 32, 1, 2, "fwd:H1", "H1", 3)
            assert await numbers.of("exercise", "ab" * 32, 1, 2) is first
        assert np.allclose(exact, trace_of(json.loads(first)["request"]).matrix("H1"))
        await numbers.expected("exercise", "ab" * 32, 1, 2, "bwd:dL/dW3", "dL/dW3", 3)  # another question

    asyncio.run(scenario())
    assert (len(jobs), len(traced)) == (1, 2)
