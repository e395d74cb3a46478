"""No client drowns the class (3): a room's memory is bounded, in questions and in bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from app.classroom.questions import parse_answer, parse_question
from app.classroom.redis_store import RedisRoomStore
from app.classroom.store import MemoryRoomStore, RoomStore
from tests.redis_server import RedisServer

KEPT = 3
ROOM_BYTES = 2 * 1024 * 1024


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[RoomStore]:
    if request.param == "memory":
        yield MemoryRoomStore(log_size=500, questions_kept=KEPT, room_bytes=ROOM_BYTES)
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    yield RedisRoomStore(server.url, log_size=500, room_seconds=3600, presence_seconds=10, questions_kept=KEPT,
                         room_bytes=ROOM_BYTES)


def test_a_room_keeps_its_latest_questions_only(store: RoomStore) -> None:
    async def scenario() -> None:
        try:
            room, _ = await store.create_room(max_rooms=5)
            for _ in range(KEPT + 2):
                question = parse_question(await store.next_question_id(room.code), {"kind": "sign", "expected": "+"}, 0)
                await store.put_question(room.code, question)
                await store.put_answer(room.code, question.id, "s1", parse_answer(question, "+"))
            kept = [f"q{n}" for n in range(3, KEPT + 3)]
            assert [await store.question(room.code, f"q{n}") for n in (1, 2)] == [None, None]
            assert [(await store.question(room.code, q)).id for q in kept] == kept  # type: ignore[union-attr]
            assert await store.answers(room.code, "q1") == {}
            assert list(await store.answers(room.code, kept[-1])) == ["s1"]
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_log_of_large_frames_is_bounded_in_bytes(store: RoomStore) -> None:
    question = {"type": "question", "question": {"id": "q1", "prompt": "x" * 250_000}}

    async def scenario() -> None:
        try:
            room, _ = await store.create_room(max_rooms=5)
            await store.append_state(room.code, b"{" + b" " * 100_000 + b"}")  # seq 1
            for _ in range(39):  # 10 MB of frames
                await store.append(room.code, question)
            assert await store.since(room.code, 1) is None  # the oldest are gone: a page catches up by snapshot
            reach = [seq for seq in range(1, 40) if await store.since(room.code, seq) is not None][0]
            kept = await store.since(room.code, reach) or []
            assert 4 <= len(kept) <= 8 and kept[-1].seq == 40  # the latest, within 2 MiB with the state
            assert sum(len(delivery.frame) for delivery in kept) + 100_002 <= ROOM_BYTES
            assert (await store.state(room.code))[1] == b"{" + b" " * 100_000 + b"}"  # the state stays
        finally:
            await store.close()

    asyncio.run(scenario())
