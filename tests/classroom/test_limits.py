"""Each classroom limit holds and is answered with a message naming it; expiry and a server restart."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.classroom.helpers import Client, join, open_socket, presenter, refused, run, running_server

pytestmark = pytest.mark.timeout(90)


def test_rooms_students_message_size_and_rate_limits() -> None:
    with running_server(max_rooms=2, max_students=2, max_message_bytes=2048, messages_per_second=2) as server:
        room = server.create_room()
        server.create_room()
        third = httpx.post(f"{server.http}/api/class/rooms", json={}, trust_env=False)
        assert third.status_code == 503
        assert "BACKPROP_CLASS_MAX_ROOMS" in third.json()["detail"][0]["msg"]

        async def scenario() -> None:
            teacher = await presenter(server, room)
            first = await join(server, room["code"])
            await join(server, room["code"])
            frame, close_code = await refused(server, code=room["code"])
            assert (frame["code"], close_code) == ("room_full", 4503)
            assert "BACKPROP_CLASS_MAX_STUDENTS" in frame["message"]
            # A student already in the class is not a new one: a reload gets in while the class is full.
            await join(server, room["code"], student_id=first.welcome["student_id"])

            await teacher.send(type="command", command={"type": "load", "rows": "x" * 3000})
            too_big = await teacher.expect("error")
            assert too_big["code"] == "too_big" and "2048" in too_big["message"]

            for n in range(12):  # a burst of twice the rate is allowed (the refused too-big message took one)
                await teacher.send(type="command", command={"type": "step", "to": n})
            frames = [await teacher.receive() for _ in range(12 + 3)]  # 3 × (command, ack), 9 errors
            errors = [f for f in frames if f["type"] == "error"]
            assert len(errors) == 9 and {f["code"] for f in errors} == {"rate_limited"}
            assert "BACKPROP_CLASS_MESSAGES_PER_SECOND" in errors[0]["message"]
            assert [f["seq"] for f in frames if f["type"] == "ack"] == [1, 2, 3]

        run(scenario())


def test_joins_are_rate_limited_per_address_but_reconnects_are_not_joins() -> None:
    with running_server(joins_per_minute=3, sockets_per_second=1000) as server:
        room = server.create_room()

        async def scenario() -> None:
            students = [await join(server, room["code"]) for _ in range(3)]
            frame, close_code = await refused(server, code=room["code"])
            assert (frame["code"], close_code) == ("rate_limited", 4429)
            assert "BACKPROP_CLASS_JOINS_PER_MINUTE" in frame["message"]
            for role, extra in (("student", {"epoch": "0" * 16}), ("presenter", {"token": "t" * 43})):
                probe, close_code = await refused(server, code="ABCDEF", role=role, **extra)
                assert (probe["code"], close_code) == ("rate_limited", 4429)  # no probing codes past the limit
            for _ in range(10):
                for student in students:
                    await student.close()
                students = [await join(server, room["code"], student_id=s.welcome["student_id"],
                                       epoch=s.welcome["epoch"], last_seq=0) for s in students]

        run(scenario())
        lookup = server.get(f"/api/class/rooms/{room['code']}")
        assert lookup.status_code == 429 and lookup.headers["retry-after"]


def test_a_room_without_its_presenter_expires_and_its_pages_hear_it() -> None:
    with running_server(idle_seconds=1, heartbeat_seconds=1) as server:
        kept, left = server.create_room(), server.create_room()

        async def scenario() -> None:
            teacher = await presenter(server, kept)
            student = await join(server, left["code"])
            ended = await student.expect("ended", timeout=15)
            await asyncio.wait_for(student.websocket.wait_closed(), 10)
            assert ended["reason"] == "expired" and student.websocket.close_code == 4410
            assert (await teacher.barrier()) == 0  # the room with its presenter is still there
            assert server.get(f"/api/class/rooms/{kept['code']}").json()["lifecycle"] == "live"
            await teacher.close()
            while server.get(f"/api/class/rooms/{kept['code']}").status_code == 200:
                await asyncio.sleep(0.2)

        run(scenario())
        gone = server.get(f"/api/class/rooms/{kept['code']}").json()["detail"][0]
        assert gone["type"] == "class_ended"


def test_after_a_restart_pages_learn_the_class_has_ended() -> None:
    with running_server() as server:
        room = server.create_room()

        async def first_life() -> dict[str, Any]:
            student = await join(server, room["code"])
            return student.welcome

        welcome = run(first_life())
        port = int(server.host.rsplit(":", 1)[1])

    with running_server(port=port) as restarted:
        async def second_life() -> tuple[dict[str, Any], int | None]:
            return await refused(restarted, code=room["code"], student_id=welcome["student_id"],
                                 epoch=welcome["epoch"], last_seq=welcome["seq"])

        frame, close_code = run(second_life())
        assert (frame["code"], close_code) == ("class_ended", 4410)
        assert restarted.create_room()["epoch"] != welcome["epoch"]


def test_a_slow_consumer_does_not_delay_the_others() -> None:
    # Frames as large as a command may be (1 KiB), enough of them to fill the socket buffers of a phone that
    # stopped reading (the server's send buffers shrunk to 4 KiB: a few hundred frames fill them many times over).
    # The send timeout (a socket that takes nothing is closed, 1006) is tested on its own: here it must not win.
    with running_server(queue_size=16, messages_per_second=100_000, log_size=5000, send_buffer=4096,
                        send_timeout_seconds=120) as server:
        room = server.create_room()
        count = 500
        filler = "x" * 950

        async def scenario() -> None:
            teacher = await presenter(server, room)
            fast = await join(server, room["code"])
            slow = Client(await open_socket(server, receive_buffer=4096))
            await slow.send(type="hello", code=room["code"])
            await slow.expect("welcome")
            await slow.expect("snapshot")  # a new page's own: only a later one says it fell behind
            slow.websocket.transport.pause_reading()  # a phone that stopped reading
            reading = asyncio.create_task(teacher.drain())  # the presenter's page reads what it is sent

            seqs = []
            for n in range(1, count + 1):  # in step with the fast follower: it never has a reason to lag
                await teacher.send(type="command", command={"type": "step", "to": n, "pad": filler})
                seqs.append((await fast.expect("command"))["seq"])
            assert seqs == list(range(1, count + 1))  # all of them, in order, while the slow one still sleeps

            reading.cancel()
            slow.websocket.transport.resume_reading()
            seen: list[str] = []
            with contextlib.suppress(ConnectionClosed):  # closed by the server: one of the two outcomes
                while "snapshot" not in seen and len(seen) <= count:
                    seen.append((await slow.receive())["type"])
            # It fell behind: it got a snapshot instead of the frames it missed, or was dropped to resync.
            assert "snapshot" in seen or slow.websocket.close_code == 4008, (seen[:5], slow.websocket.close_code)
            assert seen.count("command") < count

        run(scenario())
