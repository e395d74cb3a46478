"""The classroom protocol against a real server on 127.0.0.1, with `websockets` clients."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.classroom.helpers import (
    Server,
    commands_until,
    join,
    open_socket,
    presenter,
    put_state,
    refused,
    run,
    running_server,
    upload,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    # Generous rates: these tests are about the protocol; the limits have their own servers (test_limits.py).
    # A heartbeat every second: the heartbeat's and the hello timeout's tests need no server of their own.
    with running_server(messages_per_second=1000, joins_per_minute=10_000, log_size=20,
                        heartbeat_seconds=1) as running:
        yield running


def step(n: int) -> dict[str, Any]:
    return {"type": "step", "to": n}


def test_a_late_joiner_gets_the_state_then_the_commands_after_it(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        state = {"request": {"X": [[0.1, 0.2]] * 8}, "step": 2}
        await teacher.send(type="command", command=step(1))
        await teacher.barrier()
        assert await upload(server, room, state) == 2
        await teacher.send(type="command", command=step(3))
        await teacher.barrier()

        student = await join(server, room["code"])
        snapshot = student.snapshot
        assert snapshot is not None

        assert student.welcome["seq"] == 3 and student.welcome["role"] == "student"
        assert snapshot["state_seq"] == 2 and "state" not in snapshot  # the state comes over HTTP
        assert [entry["command"] for entry in snapshot["entries"]] == [step(3)]
        assert snapshot["complete"] is True
        fetched = server.get(f"/api/class/rooms/{room['code']}/state")
        assert fetched.json() == state and fetched.headers["x-state-seq"] == "2"

    run(scenario())


def test_every_follower_gets_every_command_once_in_order(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        students = [await join(server, room["code"]) for _ in range(5)]
        for n in range(1, 16):
            await teacher.send(type="command", command=step(n), id=n)
        acks = []
        while len(acks) < 15:
            frame = await teacher.receive()
            acks += [frame] if frame["type"] == "ack" else []

        for student in students:
            frames = await commands_until(student, 15)
            assert [(f["seq"], f["command"]) for f in frames] == [(n, step(n)) for n in range(1, 16)]
            assert await student.barrier() == 15  # nothing after the 15th: each came once
        assert [(a["id"], a["seq"]) for a in acks] == [(n, n) for n in range(1, 16)]

    run(scenario())


def test_a_student_cannot_drive(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        await teacher.send(type="command", command=step(1))
        await teacher.barrier()
        student, other = await join(server, room["code"]), await join(server, room["code"])

        for kind in ("command", "ask", "reveal", "pointer", "end"):
            await student.send(type=kind, command=step(99), pointer={"x": 1}, question={"kind": "sign"}, id=kind)
            error = await student.expect("error")
            assert (error["code"], error["id"], error["about"]) == ("not_presenter", kind, kind)

        assert await teacher.barrier() == 1
        assert await other.barrier() == 1  # no command, question or pointer reached the other student

    run(scenario())


def test_a_wrong_token_is_refused(server: Server) -> None:
    room = server.create_room()
    frame, close_code = run(refused(server, code=room["code"], role="presenter", token="x" * 43))

    assert (frame["code"], close_code) == ("bad_token", 4401)


def test_a_reconnect_gets_the_missed_commands_or_a_snapshot_when_the_log_is_shorter(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        student = await join(server, room["code"])
        await teacher.send(type="command", command=step(1))
        await commands_until(student, 1)
        student_id, epoch = student.welcome["student_id"], student.welcome["epoch"]
        await student.close()
        for n in range(2, 6):
            await teacher.send(type="command", command=step(n))
        await teacher.barrier()

        back = await join(server, room["code"], student_id=student_id, epoch=epoch, last_seq=1)
        missed = await commands_until(back, 5)
        assert back.welcome["student_id"] == student_id  # the same student, not a new join
        assert [frame["seq"] for frame in missed] == [2, 3, 4, 5]

        # A gap noticed on a live connection: resync from the last seq the page applied.
        await back.send(type="resync", epoch=epoch, last_seq=3)
        assert [frame["seq"] for frame in await commands_until(back, 5)] == [4, 5]

        # Further back than the log (20 entries): a snapshot instead.
        await back.close()
        for n in range(6, 40):
            await teacher.send(type="command", command=step(n))
            await teacher.barrier()
            if n % 5 == 0:
                await upload(server, room, {"step": n})
        await teacher.barrier()
        late = await join(server, room["code"], student_id=student_id, epoch=epoch, last_seq=1)
        snapshot = await late.expect("snapshot")  # epoch and last_seq given: not consumed by join
        assert (snapshot["seq"], snapshot["state_seq"]) == (45, 41)
        assert [entry["command"] for entry in snapshot["entries"]] == [step(n) for n in range(36, 40)]

    run(scenario())


def test_the_same_student_in_a_new_tab_replaces_the_old_connection(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        await presenter(server, room)
        first = await join(server, room["code"])
        again = await join(server, room["code"], student_id=first.welcome["student_id"])

        assert (await first.expect("error"))["code"] == "replaced"
        await asyncio.wait_for(first.websocket.wait_closed(), 10)
        assert first.websocket.close_code == 4409
        assert again.welcome["student_id"] == first.welcome["student_id"]

    run(scenario())


def test_a_command_is_refused_once_the_log_no_longer_reaches_back_to_the_state(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        for n in range(1, 20):
            await teacher.send(type="command", command=step(n))
            await teacher.expect("command")
            await teacher.expect("ack")
        await teacher.send(type="command", command=step(20))
        refusal = await teacher.expect("error")
        assert await upload(server, room, {"step": 19}) == 20
        await teacher.expect("state")
        await teacher.send(type="command", command=step(20))

        assert refusal["code"] == "state_required"
        assert welcome_state_every(teacher) == 5  # the presenter uploads long before: every log_size / 4
        assert (await teacher.expect("command"))["seq"] == 21

    run(scenario())


def test_a_reloaded_presenter_is_told_how_many_entries_the_log_holds_since_its_last_state(server: Server) -> None:
    """Its page counts on from there (static/js/classroom/presenter.js), not from 0, so it uploads in time."""
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        first = teacher.welcome["since_state"]
        for n in range(1, 4):
            await teacher.send(type="command", command=step(n))
        await teacher.send(type="lock", locked=True)
        await teacher.barrier()
        reloaded = await presenter(server, room)
        assert reloaded.welcome["since_state"] == first + 4  # three commands and the lock
        assert await upload(server, room, {"step": 3}) > 0
        again = await presenter(server, room)
        assert again.welcome["since_state"] == 0

    run(scenario())


def welcome_state_every(client: Any) -> int:
    return int(client.welcome["state_every"])


def test_the_state_goes_over_http_and_no_frame_carries_it(server: Server) -> None:
    room = server.create_room()
    state = {"request": {"X": [[0.123456789, -0.987654321]] * 512, "y": [[1.0]] * 512}, "step": 4,
             "lossHistory": [{"iteration": 0, "loss": 0.5}] * 10_000}

    async def scenario() -> dict[str, Any]:
        await presenter(server, room)
        student = await join(server, room["code"])
        assert (await put_state(server, room, state, token="x" * 43)).status_code == 403
        assert (await put_state(server, room, state, token="")).status_code == 401
        await upload(server, room, state)
        return await student.expect("state")

    frame = run(scenario())
    fetched = server.get(f"/api/class/rooms/{room['code']}/state")
    again = server.get(f"/api/class/rooms/{room['code']}/state", headers={"If-None-Match": fetched.headers["etag"]})

    assert frame == {"type": "state", "seq": 1}  # the frame stays small
    assert fetched.json() == state and fetched.headers["x-state-seq"] == "1"
    assert again.status_code == 304


def test_a_command_too_big_for_a_frame_is_refused(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> dict[str, Any]:
        teacher = await presenter(server, room)
        await teacher.send(type="command", command={"type": "load", "request": {"X": [[0.5, 0.5]] * 512}})
        return await teacher.expect("error")

    assert run(scenario())["code"] == "too_big"


def test_a_heartbeat_carries_the_latest_seq(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> dict[str, Any]:
        teacher = await presenter(server, room)
        student = await join(server, room["code"])
        await teacher.send(type="command", command=step(1))
        await teacher.send(type="command", command=step(2))
        await commands_until(student, 2)
        while (frame := await student.receive())["type"] != "beat":
            pass
        return frame

    assert run(scenario())["seq"] == 2


def test_questions_tally_and_reveal(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        alice, bob = await join(server, room["code"]), await join(server, room["code"])
        question = {"kind": "choice", "prompt": "Which shape has ∂L/∂W2?", "options": ["2×3", "3×2", "3×3"],
                    "expected": 1}
        await teacher.send(type="ask", question=question, id="ask")
        await teacher.expect("question")
        assert (await teacher.expect("ack"))["id"] == "ask"
        asked = await alice.expect("question")
        question_id = asked["question"]["id"]
        assert "expected" not in asked["question"]  # the right answer stays on the server

        await alice.send(type="answer", question_id=question_id, answer=0, name="  Alice<b>\u202e ")
        await alice.send(type="answer", question_id=question_id, answer=1, name="Alice")  # replaces her first
        assert (await bob.expect("question"))["question"]["id"] == question_id
        await bob.send(type="answer", question_id=question_id, answer=2)
        for student in (alice, alice, bob):
            await student.expect("answered")
        tally = await teacher.expect("tally")
        while tally["answers"] < 2:
            tally = await teacher.expect("tally")
        assert tally["answers"] == 2 and "right" not in tally  # nothing says which is right before the reveal
        assert sorted((c["answer"], c["count"]) for c in tally["counts"]) == [(1, 1), (2, 1)]
        assert tally["named"] == [{"name": "Alice"}]

        await teacher.send(type="reveal", question_id=question_id)
        reveal = await alice.expect("reveal")
        assert (reveal["expected"], reveal["tally"]["answers"], reveal["tally"]["right"]) == (1, 2, 1)
        assert sorted((c["answer"], c["correct"]) for c in reveal["tally"]["counts"]) == [(1, True), (2, False)]
        assert (await alice.expect("result"))["correct"] is True
        await bob.expect("reveal")
        assert (await bob.expect("result"))["correct"] is False

        await bob.send(type="answer", question_id=question_id, answer=1)
        assert (await bob.expect("error"))["code"] == "question_closed"

    run(scenario())


def test_hand_calculation_gives_the_presenter_per_cell_right_counts(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        students = [await join(server, room["code"]) for _ in range(3)]
        await teacher.send(type="ask", question={"kind": "cells", "expected": [[0.5, -1.0], [2.0, 0.25]],
                                                 "decimals": 2, "target": {"matrix_id": "H1"}})
        await teacher.expect("question")
        question_id = (await teacher.expect("ack"))["question_id"]
        for student in students:
            await student.expect("question")
        answers = [[[0.5, -1.0], [2.0, 0.25]], [[0.501, 1.0], [2.0, None]], [[0.4, -1.0], [2.0, 0.3]]]
        for student, answer in zip(students, answers):
            await student.send(type="answer", question_id=question_id, answer=answer)
            await student.expect("answered")
        tally = await teacher.expect("tally")
        while tally["answers"] < 3:
            tally = await teacher.expect("tally")

        assert "cells_right" not in tally and "right" not in tally
        await teacher.send(type="reveal", question_id=question_id)
        reveal = await students[0].expect("reveal")
        assert reveal["tally"]["cells_right"] == [[2, 2], [3, 1]]
        assert reveal["tally"]["right"] == 1
        await students[1].expect("reveal")
        result = await students[1].expect("result")
        assert result["cells_right"] == [[True, False], [True, False]]  # which of their cells were wrong

    run(scenario())


def test_pointer_moves_are_coalesced_and_the_last_one_wins(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> list[dict[str, Any]]:
        teacher = await presenter(server, room)
        student = await join(server, room["code"])
        for x in range(60):  # a burst as large as the pointer's budget (app/classroom/budget.py)
            await teacher.send(type="pointer", pointer={"cell": [0, x]})
        await teacher.barrier()
        received = []
        while not received or received[-1]["pointer"] != {"cell": [0, 59]}:
            frame = await student.receive()
            if frame["type"] == "pointer":
                received.append(frame)
        return received

    received = run(scenario())
    assert len(received) < 60  # at most 30 a second reach students; none was refused as over the rate


def test_the_presenter_sees_how_many_students_are_connected_and_exploring(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> dict[str, Any]:
        teacher = await presenter(server, room)
        student, other = await join(server, room["code"]), await join(server, room["code"])
        await student.send(type="mode", exploring=True)
        await other.barrier()
        await student.barrier()
        while True:
            presence = await teacher.expect("presence")
            if presence == {"type": "presence", "students": 2, "exploring": 1}:
                return presence

    run(scenario())


def test_ending_the_class_tells_every_page(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        student = await join(server, room["code"])
        await teacher.send(type="end")
        ended = await student.expect("ended")
        await asyncio.wait_for(student.websocket.wait_closed(), 10)
        assert ended["reason"] == "ended_by_presenter" and student.websocket.close_code == 4410
        frame, close_code = await refused(server, code=room["code"], epoch=student.welcome["epoch"], last_seq=1)
        assert (frame["code"], close_code) == ("class_ended", 4410)

    run(scenario())
    assert server.get(f"/api/class/rooms/{room['code']}").json()["detail"][0]["type"] == "class_ended"


def test_bad_messages_are_answered_and_change_nothing(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        for message, code in [
            ('{"type": "command", "command": {"type": "x", "to": NaN}}', "bad_message"),
            ('[1, 2]', "bad_message"),
            ('{"type": "command", "command": "step"}', "bad_command"),
            ('{"type": "teleport"}', "unknown_type"),
            ('{"type": "ask", "question": {"kind": "value", "expected": "1"}}', "bad_answer"),
        ]:
            await teacher.websocket.send(message)
            assert (await teacher.expect("error"))["code"] == code
        assert await teacher.barrier() == 0

    run(scenario())


def test_a_first_message_that_is_not_hello_is_refused(server: Server) -> None:
    frame, close_code = run(refused(server, code="ABCDEF", role="teacher"))
    assert (frame["code"], frame["field"], close_code) == ("bad_hello", "role", 4400)


def test_an_unknown_code_is_refused_with_a_message(server: Server) -> None:
    frame, close_code = run(refused(server, code="ABCDEF"))
    assert (frame["code"], close_code) == ("unknown_class", 4404)
    assert "ABCDEF" in frame["message"]


def test_a_presenter_who_comes_back_gets_the_open_questions_tally_and_the_rooms_flags(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        student = await join(server, room["code"])
        await teacher.send(type="lock", locked=True, id="lock")
        await teacher.send(type="projector", projector=True)
        await teacher.send(type="ask", question={"kind": "sign", "expected": "+"})
        assert [frame["type"] for frame in await commands_until(student, 3)] == ["lock", "projector", "question"]
        question_id = "q1"
        await student.send(type="answer", question_id=question_id, answer="-")
        await student.expect("answered")
        await teacher.close()

        back = await presenter(server, room)
        tally = await back.expect("tally")
        assert back.snapshot is not None
        assert (back.snapshot["locked"], back.snapshot["projector"]) == (True, True)
        assert back.snapshot["question"]["id"] == question_id and "expected" not in back.snapshot["question"]
        assert (tally["question_id"], tally["answers"]) == (question_id, 1)

        again = await join(server, room["code"], student_id=student.welcome["student_id"])
        assert again.welcome["your_answer"] == {"question_id": question_id, "answer": "-"}

    run(scenario())
