"""Several real server processes on 127.0.0.1 sharing one real Redis: one class, whichever process a page reaches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from app import server as server_module
from app.cli import main
from tests.classroom.helpers import (Client, commands_until, join, open_socket, presenter, refused, run, running_server,
                                     running_servers)
from tests.redis_server import RedisServer, running_redis

pytestmark = pytest.mark.timeout(120)


def step(n: int) -> dict[str, Any]:
    return {"type": "step", "to": n}


async def send_steps(teacher: Client, first: int, last: int) -> None:
    for n in range(first, last + 1):
        await teacher.send(type="command", command=step(n))
        while (frame := await teacher.expect("ack", "command"))["type"] != "ack":
            pass  # the presenter hears its own commands too
        assert frame["seq"] == n


def test_several_workers_refuse_to_start_without_redis(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("BACKPROP_REDIS_URL", raising=False)
    assert main(["serve", "--workers", "2", "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert "--workers 2 needs BACKPROP_REDIS_URL" in error and "never see it" in error


def test_students_on_another_process_follow_every_command_and_a_third_process_serves_a_late_joiner(
        redis_server: RedisServer) -> None:
    redis_server.flush()
    url = redis_server.url
    with running_servers(3, own_process=True, redis_url=url) as (a, b, c):  # c serves the late joiner
        room = a.create_room()

        async def scenario() -> None:
            teacher = await presenter(a, room)
            students = [await join(b, room["code"]) for _ in range(3)]
            await send_steps(teacher, 1, 10)
            for student in students:
                assert [(f["seq"], f["command"]) for f in await commands_until(student, 10)] == \
                    [(n, step(n)) for n in range(1, 11)]

            late = await join(c, room["code"])
            assert late.welcome["seq"] == 10 and late.welcome["epoch"] == teacher.welcome["epoch"]
            assert late.snapshot is not None and [e["seq"] for e in late.snapshot["entries"]] == list(range(1, 11))
            await send_steps(teacher, 11, 12)
            assert [f["seq"] for f in await commands_until(late, 12)] == [11, 12]
            assert [f["seq"] for f in await commands_until(students[0], 12)] == [11, 12]
            presence = await teacher.expect("presence")  # counted across processes B and C
            while presence["students"] != 4:
                presence = await teacher.expect("presence")

        run(scenario())


def test_redis_killed_mid_class_pauses_every_page_and_the_class_resumes_when_it_is_back() -> None:
    # Redis persisting every write (as the README advises for a class): a restart keeps the rooms and logs.
    with running_redis("--appendonly", "yes", "--appendfsync", "always") as redis_server:
        url = redis_server.url
        with running_servers(2, own_process=True, redis_url=url) as (a, b):
            room = a.create_room()

            async def scenario() -> None:
                teacher = await presenter(a, room)
                student = await join(b, room["code"])
                await send_steps(teacher, 1, 3)
                assert [f["seq"] for f in await commands_until(student, 3)] == [1, 2, 3]

                redis_server.stop()
                assert (await teacher.expect("paused"))["reason"]
                assert (await student.expect("paused"))["reason"]
                await teacher.send(type="command", command=step(4))
                refusal = await teacher.expect("error")
                assert refusal["code"] == "paused" and refusal["message"].startswith("not sent, class paused")

                redis_server.start()
                await teacher.expect("resumed")
                await student.expect("resumed")
                await send_steps(teacher, 4, 5)
                assert [(f["seq"], f["command"]) for f in await commands_until(student, 5)] == \
                    [(4, step(4)), (5, step(5))]

            run(scenario())


def test_300_students_over_2_processes_get_20_commands_in_order(redis_server: RedisServer) -> None:
    redis_server.flush()
    url, students_count, commands = redis_server.url, 300, 20
    hall = {"joins_per_minute": students_count, "sockets_per_second": students_count}  # one address, all at once
    with running_servers(2, own_process=True, redis_url=url, **hall) as (a, b):
        room = a.create_room()

        async def scenario() -> None:
            teacher = await presenter(a, room)
            gate = asyncio.Semaphore(50)

            async def join_one(n: int) -> Client:
                async with gate:
                    return await join((a, b)[n % 2], room["code"])

            students = await asyncio.gather(*(join_one(n) for n in range(students_count)))
            await send_steps(teacher, 1, commands)
            received = await asyncio.wait_for(
                asyncio.gather(*(commands_until(student, commands) for student in students)), 60)
            expected = [(n, step(n)) for n in range(1, commands + 1)]
            assert all([(f["seq"], f["command"]) for f in frames] == expected for frames in received)

        run(scenario())


def test_seats_count_per_room_across_processes_and_sockets_per_process(redis_server: RedisServer,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two app instances sharing Redis. A room's caps are the room's, whichever process a page reaches: students
    (BACKPROP_CLASS_MAX_STUDENTS) and students from one address (BACKPROP_CLASS_JOINS_PER_MINUTE) are counted in
    Redis. Connection caps guard each process's own sockets: class sockets per address are counted per process."""
    redis_server.flush()
    monkeypatch.setattr(server_module, "REFUSAL_DELAY_SECONDS", 0.5)  # a refused socket's 403 comes sooner
    caps = {"joins_per_minute": 20, "sockets_per_second": 100, "sockets_per_address": 25, "max_students": 22}
    with running_server(redis_url=redis_server.url, **caps) as a, running_server(redis_url=redis_server.url, **caps) as b:
        room = a.create_room()
        code = room["code"]

        async def scenario() -> None:
            for server in (a, b):
                for _ in range(10):
                    await join(server, code, source="127.0.0.2")
            phone = await join(b, code, source="127.0.0.7")
            await phone.close()
            while a.get(f"/api/class/rooms/{code}").json()["students"] > 20:
                await asyncio.sleep(0.05)
            # The phone comes back through the hall's address (a reconnect, not a join): its 20 seats are taken,
            # 10 of them on the other process.
            frame, close_code = await refused(a, code=code, source="127.0.0.2", student_id=phone.welcome["student_id"])
            assert (frame["code"], close_code) == ("room_full", 4503)
            assert "BACKPROP_CLASS_JOINS_PER_MINUTE" in frame["message"]
            await join(b, code, source="127.0.0.3")
            await join(a, code, source="127.0.0.4")  # 22 students: the room is full, in both processes
            for server, source in ((a, "127.0.0.5"), (b, "127.0.0.6")):
                frame, close_code = await refused(server, code=code, source=source)
                assert (frame["code"], close_code) == ("room_full", 4503)
                assert "BACKPROP_CLASS_MAX_STUDENTS" in frame["message"]

            for _ in range(25):
                await open_socket(a, source="127.0.0.9")
            with pytest.raises(InvalidStatus):
                await open_socket(a, source="127.0.0.9")
            await open_socket(b, source="127.0.0.9")  # another process: sockets are its own

        run(scenario())
