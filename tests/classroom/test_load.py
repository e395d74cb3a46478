"""Bounded load on 127.0.0.1: 300 students in one class, 20 commands, then all of them reconnect at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.classroom.helpers import Client, commands_until, join, presenter, run, running_server

STUDENTS = 300
COMMANDS = 20
MISSED = 5  # commands sent while every student is away
CATCH_UP_SECONDS = 15

pytestmark = pytest.mark.timeout(120)


def test_300_students_follow_20_commands_in_order_and_all_catch_up_after_reconnecting() -> None:
    # Exactly 300 joins a minute from one address: the reconnects pass only because they are not joins.
    # A hall behind one address (all clients are 127.0.0.1), all opening their sockets within a second.
    with running_server(own_process=True, joins_per_minute=STUDENTS, sockets_per_second=STUDENTS) as server:
        room = server.create_room()

        async def scenario() -> None:
            teacher = await presenter(server, room)
            reading = asyncio.create_task(teacher.drain())
            gate = asyncio.Semaphore(50)

            async def join_one(**hello: Any) -> Client:
                async with gate:
                    return await join(server, room["code"], **hello)

            students = await asyncio.gather(*(join_one() for _ in range(STUDENTS)))
            for n in range(1, COMMANDS + 1):
                await teacher.send(type="command", command={"type": "step", "to": n})

            received = await asyncio.gather(*(commands_until(student, COMMANDS) for student in students))
            expected = [(n, {"type": "step", "to": n}) for n in range(1, COMMANDS + 1)]
            assert all([(f["seq"], f["command"]) for f in frames] == expected for frames in received)

            await asyncio.gather(*(student.close() for student in students))
            for n in range(COMMANDS + 1, COMMANDS + MISSED + 1):
                await teacher.send(type="command", command={"type": "step", "to": n})

            async def reconnect(student: Client) -> list[int]:
                back = await join_one(student_id=student.welcome["student_id"], epoch=student.welcome["epoch"],
                                      last_seq=COMMANDS)
                return [frame["seq"] for frame in await commands_until(back, COMMANDS + MISSED)]

            caught_up = await asyncio.wait_for(asyncio.gather(*(reconnect(s) for s in students)), CATCH_UP_SECONDS)
            assert all(seqs == list(range(COMMANDS + 1, COMMANDS + MISSED + 1)) for seqs in caught_up)
            reading.cancel()

        run(scenario())
