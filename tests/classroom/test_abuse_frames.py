"""No client drowns the class (1): every frame is counted before it is parsed, each kind of message has its
budget, and what is over it costs nothing. A real server on 127.0.0.1; `websockets` clients."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import orjson
import pytest
from websockets.exceptions import ConnectionClosed

from app.classroom.budget import QUESTIONS_BURST
from app.classroom.socket_protocol import FRAMES_PER_SOCKET, AddressPace
from tests.classroom.helpers import Client, join, open_socket, presenter, run, running_server

pytestmark = pytest.mark.timeout(90)


async def frames_until_closed(client: Client, limit: int = 10_000) -> list[dict[str, Any]]:
    """Every frame the server sends until it closes the socket (at most `limit`)."""
    frames: list[dict[str, Any]] = []
    with contextlib.suppress(ConnectionClosed, asyncio.TimeoutError):
        while len(frames) < limit:
            frames.append(await client.receive(timeout=10))
    return frames


def test_compression_is_never_negotiated() -> None:
    """A few compressed bytes must never inflate into megabytes to parse (the compressed-frame bomb)."""
    with running_server() as server:
        async def scenario() -> None:
            websocket = await open_socket(server, compression="deflate")  # the client offers permessage-deflate
            assert websocket.response is not None
            assert "Sec-WebSocket-Extensions" not in websocket.response.headers
            assert websocket.protocol.extensions == []

        run(scenario())


@pytest.mark.parametrize("flood", [
    '{"type": "ping"}',
    '{"type": "pointer", "pointer": [1, 2]}',  # a student's pointer is refused, and counted like the rest
    '{"type": "answer", "question_id": "q1", "answer": 1}',
    "{not json",
])
def test_a_student_over_budget_is_told_why_and_closed(flood: str) -> None:
    with running_server(messages_per_second=5) as server:
        room = server.create_room()

        async def scenario() -> None:
            student = await join(server, room["code"])
            for _ in range(300):
                await student.websocket.send(flood)
            frames = await frames_until_closed(student)
            assert student.websocket.close_code == 4429
            errors = [frame for frame in frames if frame.get("code") == "rate_limited"]
            assert 1 <= len(errors) <= 3, frames[-5:]  # a refusal is answered a few times, then the socket closes
            assert "closing this connection" in errors[-1]["message"]
            assert "BACKPROP_CLASS_MESSAGES_PER_SECOND" in errors[-1]["message"]
            assert len(frames) <= 2 * 5 + 3 + 2  # the burst's answers, the refusals, a background frame or two

        run(scenario())


def test_a_presenter_over_budget_is_refused_never_closed() -> None:
    with running_server() as server:
        room = server.create_room()

        async def scenario() -> None:
            teacher = await presenter(server, room)
            for n in range(150):  # 30 pointer moves a second, bursts of 60
                await teacher.send(type="pointer", pointer=n)
            await teacher.send(type="command", id="after", command={"type": "step", "to": 1})
            refused = 0
            while (frame := await teacher.expect("ack", "error", "command"))["type"] != "ack":
                if frame["type"] == "command":
                    continue
                assert frame["code"] == "rate_limited" and frame["about"] == "pointer", frame
                refused += 1
            assert frame["id"] == "after"  # still connected, and its command was taken
            assert refused >= 30  # past the burst of 60 (the socket's pace lets the bucket refill a little meanwhile)

        run(scenario())


def test_resyncs_and_questions_have_their_own_budgets() -> None:
    with running_server(resyncs_per_minute=1, questions_per_minute=1) as server:
        room = server.create_room()
        question = {"kind": "shape", "expected": [3, 2], "prompt": "Shape of O1?"}

        async def scenario() -> None:
            teacher = await presenter(server, room)
            for n in range(QUESTIONS_BURST + 1):
                await teacher.send(type="ask", id=n, question=question)
            frames = [await teacher.expect("ack", "error", "question") for _ in range(QUESTIONS_BURST * 2 + 1)]
            answers = [frame for frame in frames if frame["type"] != "question"]
            assert [frame["type"] for frame in answers] == ["ack"] * QUESTIONS_BURST + ["error"], answers
            assert "BACKPROP_CLASS_QUESTIONS_PER_MINUTE" in answers[-1]["message"]
            await teacher.send(type="command", id="still", command={"type": "step", "to": 1})
            assert (await teacher.expect("ack", "command"))["type"] == "command"
            assert (await teacher.expect("ack"))["id"] == "still"  # other messages have their own budget

            student = await join(server, room["code"])
            for _ in range(3):
                await student.send(type="resync", last_seq=0)
                await student.expect("snapshot")
            await student.send(type="resync", last_seq=0)
            refusal = await student.expect("error")
            assert refusal["code"] == "rate_limited" and "BACKPROP_CLASS_RESYNCS_PER_MINUTE" in refusal["message"]

        run(scenario())


def test_every_frame_is_paced_control_frames_too() -> None:
    """WebSocket pings are answered by the protocol itself: they are paced like messages (5 a second, bursts
    of 10 here), so 30 of them cannot be answered sooner than (30 - 10) / 5 = 4 s."""
    with running_server(frames_per_second=5) as server:
        room = server.create_room()

        async def scenario() -> None:
            student = await join(server, room["code"])
            started = time.monotonic()
            pongs = [await student.websocket.ping() for _ in range(30)]
            await asyncio.wait_for(asyncio.gather(*pongs), 60)
            assert time.monotonic() - started >= 3.5
            assert await student.barrier() == 0  # paced, not refused: the socket goes on

        run(scenario())


def test_a_socket_that_stops_reading_is_closed() -> None:
    with running_server(send_timeout_seconds=1, send_buffer=4096) as server:
        room = server.create_room()

        async def scenario() -> None:
            teacher = await presenter(server, room)
            stalled = Client(await open_socket(server, receive_buffer=4096))
            await stalled.send(type="hello", code=room["code"])
            await stalled.expect("welcome")
            stalled.websocket.transport.pause_reading()  # a socket that stops reading
            draining = asyncio.create_task(teacher.drain())
            for n in range(150):  # 130 KB, over both sides' buffers and the server's high-water mark (64 KiB)
                await teacher.send(type="command", command={"type": "step", "to": n, "pad": "x" * 850})
                await asyncio.sleep(0.05)  # within the presenter's budget (20 a second)
            await asyncio.sleep(3)  # the send timeout (1 s), with room for a busy machine
            stalled.websocket.transport.resume_reading()
            frames = await frames_until_closed(stalled, limit=1000)
            assert stalled.websocket.close_code == 1006, frames[-3:]  # cut off: it was not reading
            assert len(frames) < 150
            draining.cancel()

        run(scenario())


def test_a_read_full_of_messages_is_taken_one_at_a_time() -> None:
    """300 messages in one write: the server parses them as its budget allows and closes the socket at the
    third refusal, so nearly all of them are never parsed nor answered."""
    with running_server(messages_per_second=5) as server:
        room = server.create_room()

        async def scenario() -> None:
            student = await join(server, room["code"])
            frame = orjson.dumps({"type": "ping"})
            masked = bytes([0x81, 0x80 | len(frame)]) + b"\0\0\0\0" + frame  # masked with zeros: as is
            student.websocket.transport.write(masked * 300)
            frames = await frames_until_closed(student)
            assert student.websocket.close_code == 4429
            assert sum(frame["type"] == "pong" for frame in frames) <= 2 * 5 + 2

        run(scenario())


def test_an_address_frame_rate_grows_with_its_sockets_and_falls_back() -> None:
    """One client gains FRAMES_PER_SOCKET a second per socket it opens, no more; closed, the address is back at base."""
    pace = AddressPace(10)
    buckets = [pace.opened("10.0.0.7") for _ in range(3)]
    assert (buckets[-1].rate, buckets[-1].burst) == (10 + 3 * FRAMES_PER_SOCKET, 2 * (10 + 3 * FRAMES_PER_SOCKET))
    assert pace.opened("10.0.0.8").rate == 10 + FRAMES_PER_SOCKET  # another address has its own
    for _ in range(3):
        pace.closed("10.0.0.7")
    assert (pace.buckets.bucket("10.0.0.7").rate, "10.0.0.7" in pace.sockets) == (10, False)


def test_a_hall_behind_one_address_says_hello_at_once() -> None:
    """60 students behind one NAT address open the page together: their 60 hellos fit the address's frame rate
    (here 5 a second, bursts of 10, plus each socket's share), well within the hello timeout; paced at 5 a second
    the last would wait 10 s and be closed."""
    hall = 60
    with running_server(address_frames_per_second=5, hello_timeout_seconds=3, joins_per_minute=hall,
                        sockets_per_second=hall) as server:
        room = server.create_room()

        async def student() -> Client:
            client = Client(await open_socket(server, source="127.0.0.2"))
            await client.send(type="hello", code=room["code"])
            return client

        async def scenario() -> None:
            students = await asyncio.gather(*(student() for _ in range(hall)))
            welcomes = await asyncio.gather(*(client.receive() for client in students))
            assert [frame["type"] for frame in welcomes] == ["welcome"] * hall

        run(scenario())
