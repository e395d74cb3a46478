"""A class on Redis when Redis misbehaves: it comes back empty, or stalls for a while."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from tests.classroom.helpers import join, presenter, run, running_server
from tests.redis_server import RedisServer

pytestmark = pytest.mark.timeout(90)


def redis_command(server: RedisServer, *words: str) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(" ".join(words).encode() + b"\r\n")
        sock.recv(64)


def test_a_redis_that_came_back_empty_ends_the_class_as_lost_not_expired(redis_server: RedisServer) -> None:
    redis_server.flush()
    with running_server(redis_url=redis_server.url, heartbeat_seconds=1) as server:
        room = server.create_room()

        async def scenario() -> dict[str, Any]:
            await presenter(server, room)
            student = await join(server, room["code"])
            redis_server.flush()  # as a Redis restarted without persistence
            return await student.expect("ended")

        assert run(scenario())["reason"] == "lost"  # the page says the class is gone, not "the teacher was away"


def test_commands_delayed_by_a_stalled_redis_are_not_counted_as_a_burst(redis_server: RedisServer) -> None:
    redis_server.flush()
    rate, stall = 5, 3.0
    with running_server(redis_url=redis_server.url, messages_per_second=rate) as server:
        room = server.create_room()

        async def scenario() -> list[dict[str, Any]]:
            teacher = await presenter(server, room)
            await teacher.barrier()
            redis_command(redis_server, "CLIENT", "PAUSE", str(int(stall * 1000)), "WRITE")
            count = int(stall * rate)  # sent at the allowed rate while Redis stalls
            for n in range(1, count + 1):
                await teacher.send(type="command", command={"type": "step", "stepId": f"s{n}"}, id=n)
                await asyncio.sleep(1 / rate)
            answers = []
            deadline = time.monotonic() + 30
            while len(answers) < count and time.monotonic() < deadline:
                frame = await teacher.expect("ack", "error", "command")
                if frame["type"] != "command":
                    answers.append(frame)
            return answers

        answers = run(scenario())
        assert [frame["type"] for frame in answers] == ["ack"] * int(stall * rate), answers
