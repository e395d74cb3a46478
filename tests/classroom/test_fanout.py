"""One connection's queue: a consumer that falls behind gets a snapshot, and is closed if it falls behind again."""

from __future__ import annotations

import asyncio
from typing import Any

from app.classroom.fanout import Connection, offer_all, wire_frame
from app.classroom.protocol import CLOSE_TOO_SLOW
from app.classroom.socket_protocol import PacedWebSocketProtocol
from tests.classroom.helpers import commands_until, join, presenter, run, running_server


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


class DirectSocket(StalledSocket):
    """A socket whose own writer (socket_protocol's `write_now`) takes framed bytes while `open_now` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.open_now = True
        self.written: list[bytes] = []

    def write_now(self, wire: bytes) -> bool:
        if self.open_now:
            self.written.append(wire)
        return self.open_now


def test_a_room_frame_is_written_at_once_framed_for_the_wire_when_nothing_is_ahead_of_it() -> None:
    async def scenario() -> DirectSocket:
        socket = DirectSocket()
        connection = Connection(socket, queue_size=100, write_now=socket.write_now)  # type: ignore[arg-type]
        connection.start()
        offer_all([connection], "command 1")
        assert connection.queued == 0  # written, not queued: no task switch per student
        await connection.stop()
        return socket

    socket = asyncio.run(scenario())
    assert socket.written == [wire_frame("command 1")] and socket.sent == []
    assert wire_frame("command 1") == b"\x81\x09command 1"  # FIN + text, unmasked, 9 bytes


def test_a_room_frame_never_overtakes_what_is_queued_or_being_sent() -> None:
    async def scenario() -> tuple[list[Any], list[bytes]]:
        socket = DirectSocket()
        connection = Connection(socket, queue_size=100, write_now=socket.write_now)  # type: ignore[arg-type]
        connection.start()
        connection.push("welcome")  # queued for the sender task, which waits on the socket
        offer_all([connection], "command 1")
        await asyncio.sleep(0.01)
        offer_all([connection], "command 2")  # the welcome is being sent still: after it
        socket.flowing.set()
        await asyncio.sleep(0.05)
        offer_all([connection], "command 3")  # all sent: written at once
        socket.open_now = False
        offer_all([connection], "command 4")  # the socket cannot take it now (buffer full): the queue
        await asyncio.sleep(0.05)
        await connection.stop()
        return socket.sent, socket.written

    sent, written = asyncio.run(scenario())
    assert sent == ["welcome", "command 1", "command 2", "command 4"]
    assert written == [wire_frame("command 3")]


def test_frames_held_for_a_catch_up_are_never_written_ahead_of_it() -> None:
    async def scenario() -> tuple[list[Any], list[bytes]]:
        socket = DirectSocket()
        socket.flowing.set()
        connection = Connection(socket, queue_size=100, write_now=socket.write_now)  # type: ignore[arg-type]
        connection.start()
        connection.hold()
        offer_all([connection], "beat")
        connection.push("welcome")
        connection.release()
        await asyncio.sleep(0.05)
        await connection.stop()
        return socket.sent, socket.written

    assert asyncio.run(scenario()) == (["welcome", "beat"], [])


def test_a_real_server_writes_room_frames_through_the_socket_own_writer_in_order(monkeypatch: Any) -> None:
    """The reliance on uvicorn's protocol (socket_protocol.py's `write_now`, offered in the scope): the fast path
    is taken, and every student still hears every command once, in order, after its welcome and snapshot."""
    written: list[bool] = []
    original = PacedWebSocketProtocol.write_now

    def counting(self: PacedWebSocketProtocol, wire: bytes) -> bool:
        written.append(original(self, wire))
        return written[-1]

    monkeypatch.setattr(PacedWebSocketProtocol, "write_now", counting)
    with running_server() as server:
        room = server.create_room()

        async def scenario() -> list[list[int]]:
            teacher = await presenter(server, room)
            students = [await join(server, room["code"]) for _ in range(3)]
            for n in range(30):
                await teacher.send(type="command", id=n, command={"type": "step", "to": n})
            acks: list[int] = []
            while len(acks) < 30:  # the presenter hears its own commands too
                frame = await teacher.expect("ack", "command")
                if frame["type"] == "ack":
                    acks.append(frame["seq"])
            last = max(acks)
            heard = [await commands_until(student, last) for student in students]
            return [[frame["command"]["to"] for frame in frames if frame["type"] == "command"] for frames in heard]

        heard = run(scenario())
    assert heard == [list(range(30))] * 3
    assert written.count(True) >= 3 * 30  # each student's commands (and the presenter's own) written at once
