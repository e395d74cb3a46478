"""One connection's queue: a consumer that falls behind gets a snapshot, and is closed if it falls behind again."""

from __future__ import annotations

import asyncio
from typing import Any

from app.classroom.fanout import Connection
from app.classroom.protocol import CLOSE_TOO_SLOW


class StalledSocket:
    """A WebSocket whose sends wait until `flowing` is set, like a phone that stopped reading."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.flowing = asyncio.Event()

    async def send(self, message: dict[str, Any]) -> None:
        await self.flowing.wait()
        self.sent.append(message.get("text", message.get("code")))


def test_a_consumer_that_falls_behind_again_before_it_caught_up_is_closed() -> None:
    async def scenario() -> list[Any]:
        socket = StalledSocket()

        async def snapshot() -> str:
            return "snapshot"

        connection = Connection(socket, queue_size=3, snapshot=snapshot)  # type: ignore[arg-type]
        connection.start()
        for n in range(5):  # the fifth overflows the queue of 3 (the first is already being sent)
            connection.offer(f"frame {n}")
            await asyncio.sleep(0)
        assert connection.queued == 0  # the queue was dropped for a snapshot
        for n in range(5, 9):
            connection.offer(f"frame {n}")  # overflows again before it caught up: closed
        socket.flowing.set()
        assert connection.task is not None
        await asyncio.wait_for(connection.task, 5)
        return socket.sent

    sent = asyncio.run(scenario())
    assert sent == ["frame 0", CLOSE_TOO_SLOW]  # nothing more after the close: it resyncs when it reconnects


def test_a_consumer_that_falls_behind_gets_a_snapshot_and_again_after_it_caught_up() -> None:
    async def scenario() -> list[Any]:
        socket = StalledSocket()

        async def snapshot() -> str:
            return "snapshot"

        connection = Connection(socket, queue_size=2, snapshot=snapshot)  # type: ignore[arg-type]
        connection.start()
        for n in range(4):
            connection.offer(f"a{n}")
            await asyncio.sleep(0)
        socket.flowing.set()
        await asyncio.sleep(0.05)  # drained: caught up
        socket.flowing.clear()
        for n in range(4):
            connection.offer(f"b{n}")
            await asyncio.sleep(0)
        socket.flowing.set()
        await asyncio.sleep(0.05)
        await connection.stop()
        return socket.sent

    sent = asyncio.run(scenario())
    assert sent == ["a0", "snapshot", "b0", "snapshot"]  # the frames that overflowed were replaced by snapshots


def test_offering_never_waits_for_the_socket() -> None:
    async def scenario() -> int:
        socket = StalledSocket()
        connection = Connection(socket, queue_size=100)  # type: ignore[arg-type]
        connection.start()
        for n in range(50):
            connection.offer(f"frame {n}")  # returns at once although nothing can be sent
        queued = connection.queued
        await connection.stop()
        return queued

    assert asyncio.run(scenario()) >= 49


def test_room_frames_offered_during_a_catch_up_go_out_after_the_welcome_and_the_catch_up() -> None:
    async def scenario() -> list[Any]:
        socket = StalledSocket()
        connection = Connection(socket, queue_size=100)  # type: ignore[arg-type]
        connection.start()
        connection.hold()
        connection.offer("beat")  # a room frame while the welcome is being prepared (awaits in between)
        connection.push("welcome")
        connection.push("snapshot")
        connection.offer("command 7")
        connection.release()
        socket.flowing.set()
        await asyncio.sleep(0.05)
        await connection.stop()
        return socket.sent

    assert asyncio.run(scenario()) == ["welcome", "snapshot", "beat", "command 7"]
