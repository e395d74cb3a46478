"""The room store's contract: the in-process store and the Redis store (a real redis-server) pass the same tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from app.classroom.questions import parse_answer, parse_question
from app.classroom.redis_store import RedisRoomStore
from app.classroom.store import Delivery, Lifecycle, MemoryRoomStore, RoomStore, StoreError
from tests.redis_server import RedisServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def memory_store(clock: Clock) -> RoomStore:
    return MemoryRoomStore(log_size=5, clock=clock)


def redis_store(clock: Clock, url: str) -> RoomStore:
    return RedisRoomStore(url, log_size=5, room_seconds=3600, presence_seconds=10, clock=clock)


@pytest.fixture(params=["memory", "redis"])
def store_and_clock(request: pytest.FixtureRequest) -> Iterator[tuple[RoomStore, Clock]]:
    clock = Clock()
    if request.param == "memory":
        yield memory_store(clock), clock
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    store = redis_store(clock, server.url)
    _opened.append(store)
    yield store, clock


_opened: list[RoomStore] = []


def run(coroutine: Any) -> Any:
    """Run a scenario on a fresh loop; the stores it used let go of their connections on that loop."""

    async def closing() -> Any:
        try:
            return await coroutine
        finally:
            for store in _opened:
                await store.close()
            _opened.clear()

    return asyncio.run(closing())


def test_append_gives_dense_seqs_and_since_replays_them_in_order(store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, _ = store_and_clock

    async def scenario() -> None:
        room, _ = await store.create_room(max_rooms=5)
        seen: list[Delivery] = []
        await store.subscribe(room.code, seen.append)
        for n in range(1, 5):
            await store.append(room.code, {"type": "command", "command": {"type": "step", "to": n}})

        assert [d.seq for d in seen] == [1, 2, 3, 4]
        assert orjson.loads(seen[0].frame) == {"type": "command", "command": {"type": "step", "to": 1}, "seq": 1}
        assert [d.seq for d in await store.since(room.code, 1) or []] == [2, 3, 4]
        assert await store.since(room.code, 4) == []
        for n in range(5, 9):
            await store.append(room.code, {"type": "command", "command": {"type": "step", "to": n}})
        assert await store.since(room.code, 1) is None  # the log (5) no longer reaches back to seq 2
        assert [d.seq for d in await store.since(room.code, 3) or []] == [4, 5, 6, 7, 8]

    run(scenario())


def test_state_snapshot_and_epoch(store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, _ = store_and_clock

    async def scenario() -> None:
        room, token = await store.create_room(max_rooms=5)
        other, _ = await store.create_room(max_rooms=5)
        assert room.epoch != other.epoch and room.code != other.code
        assert token.encode() not in room.token_digest  # only a digest is kept
        assert await store.state(room.code) == (0, None)
        seen: list[Delivery] = []
        await store.subscribe(room.code, seen.append)
        await store.append(room.code, {"type": "command", "command": {}})
        delivery = await store.append_state(room.code, b'{"step":1}')
        assert (delivery.seq, delivery.kind, orjson.loads(delivery.frame)) == (2, "state", {"type": "state", "seq": 2})
        assert await store.state(room.code) == (2, b'{"step":1}')
        assert (await store.room(room.code)).state_seq == 2  # type: ignore[union-attr]
        assert [d.kind for d in seen] == ["command", "state"]
        await store.set_flag(room.code, "locked", True)
        assert (await store.room(room.code)).locked is True  # type: ignore[union-attr]
        assert (await store.room(room.code)).projector is False  # type: ignore[union-attr]

    run(scenario())


def test_answers_are_one_per_student_and_presence_counts(store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, _ = store_and_clock

    async def scenario() -> None:
        room, _ = await store.create_room(max_rooms=5)
        question = parse_question(await store.next_question_id(room.code), {"kind": "sign", "expected": "+"}, 0)
        await store.put_question(room.code, question)
        await store.put_answer(room.code, question.id, "s1", parse_answer(question, "-"))
        await store.put_answer(room.code, question.id, "s1", parse_answer(question, "+"))
        await store.put_answer(room.code, question.id, "s2", parse_answer(question, "+"))
        answers = await store.answers(room.code, question.id)
        assert sorted(answers) == ["s1", "s2"] and all(a.correct for a in answers.values())
        assert (await store.room(room.code)).question_id == question.id  # type: ignore[union-attr]

        await store.add_student(room.code, "s1")
        assert await store.known_student(room.code, "s1") and not await store.known_student(room.code, "s9")
        await store.set_presence(room.code, "s1", False)
        await store.set_presence(room.code, "s2", True)
        await store.drop_presence(room.code, "s1")
        presence = await store.presence(room.code)
        assert (presence.students, presence.exploring) == (1, 1)

    run(scenario())


def test_lifecycle_limits_and_expiry(store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, clock = store_and_clock

    async def scenario() -> None:
        room, _ = await store.create_room(max_rooms=2)
        live, _ = await store.create_room(max_rooms=2)
        with pytest.raises(StoreError) as error:
            await store.create_room(max_rooms=2)
        assert error.value.code == "too_many_rooms"

        await store.set_lifecycle(live.code, Lifecycle.LIVE)
        with pytest.raises(StoreError):
            await store.set_lifecycle(live.code, Lifecycle.CREATED)
        for _ in range(20):  # the presenter's process beats every 5 s
            clock.now += 5
            await store.keep_alive(live.code, presenter=True)
        assert await store.expire_idle(50) == [room.code]  # created and never live; the live one stays
        assert await store.room(room.code) is None and await store.has_ended(room.code)
        await store.set_lifecycle(live.code, Lifecycle.IDLE)
        assert await store.expire_idle(50) == []  # idle only since now
        clock.now += 100
        assert await store.expire_idle(50) == [live.code]
        await store.create_room(max_rooms=2)  # expired rooms no longer count

    run(scenario())


def test_join_attempts_are_limited_per_address(store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, _ = store_and_clock

    async def scenario() -> None:
        allowed = [await store.allow_join("10.0.0.7", per_minute=3) for _ in range(5)]
        assert allowed == [True, True, True, False, False]
        assert await store.allow_join("10.0.0.8", per_minute=3)  # another address has its own count

    run(scenario())


def test_volatile_frames_reach_subscribers_without_a_seq(store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, _ = store_and_clock

    async def scenario() -> None:
        room, _ = await store.create_room(max_rooms=5)
        seen: list[Delivery] = []
        await store.subscribe(room.code, seen.append)
        await store.publish_volatile(room.code, {"type": "tally", "answers": 2}, audience="presenters")
        assert seen == [Delivery('{"type":"tally","answers":2}', None, "tally", "presenters")]
        assert (await store.room(room.code)).head == 0  # type: ignore[union-attr]

    run(scenario())


def test_a_code_is_ended_only_after_its_room_ended_and_an_unissued_code_never(
        store_and_clock: tuple[RoomStore, Clock]) -> None:
    """Both stores answer alike: the lookup's `class_ended` versus `unknown_class` (issue 13)."""
    store, _ = store_and_clock

    async def scenario() -> None:
        room, _ = await store.create_room(max_rooms=2)
        assert not await store.has_ended(room.code)  # live
        await store.expire(room.code)
        assert await store.has_ended(room.code)
        mistyped = room.code[:-1] + ("A" if room.code[-1] != "A" else "B")
        assert not await store.has_ended(mistyped)
        again, _ = await store.create_room(max_rooms=2)
        assert again.code != room.code  # an ended code is not handed out again while it is remembered

    run(scenario())


def test_students_keep_their_place_and_the_room_its_secret_seed_and_variants(store_and_clock: Any) -> None:
    """Issue 14 in class: places 1, 2, 3 … in order of first join, kept on a rejoin; a secret seed per room
    (distinct between rooms, kept by the store); the variants mode as a room setting (both stores)."""
    store, _ = store_and_clock

    async def scenario() -> None:
        room, _ = await store.create_room(10)
        other, _ = await store.create_room(10)
        assert len(room.seed) == 64 and room.seed != other.seed
        assert (await store.room(room.code)).seed == room.seed  # type: ignore[union-attr]
        assert "seed" not in repr(room)  # never in a log line
        for student in ("a", "b", "c", "a", "b"):
            await store.add_student(room.code, student)
        assert await store.places(room.code) == {"a": 1, "b": 2, "c": 3}
        assert await store.place(room.code, "c") == 3 and await store.place(room.code, "zz") is None
        assert await store.place(other.code, "a") is None
        assert (await store.room(room.code)).variants == ""  # type: ignore[union-attr]
        await store.set_variants(room.code, "exercise")
        assert (await store.room(room.code)).variants == "exercise"  # type: ignore[union-attr]
        await store.set_variants(room.code, "")
        assert (await store.room(room.code)).variants == ""  # type: ignore[union-attr]

    run(scenario())
