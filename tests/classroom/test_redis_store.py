"""What only the Redis store has to do: presence that lapses, keys that expire, logs that stay bounded."""

from __future__ import annotations

import asyncio

import redis.asyncio as redis

from app.classroom.questions import parse_answer, parse_question
from app.classroom.redis_store import RedisRoomStore
from app.classroom.store import Lifecycle
from tests.classroom.test_store import Clock
from tests.redis_server import RedisServer

HEARTBEAT = 5.0


def test_presence_lapses_within_two_heartbeats_unless_renewed(redis_server: RedisServer) -> None:
    redis_server.flush()
    clock = Clock()

    async def scenario() -> None:
        store = RedisRoomStore(redis_server.url, log_size=10, room_seconds=600, presence_seconds=2 * HEARTBEAT,
                               clock=clock)
        try:
            room, _ = await store.create_room(max_rooms=5)
            await store.set_presence(room.code, "kept", exploring=True)
            await store.set_presence(room.code, "gone", exploring=False)  # its process died: never renewed
            clock.now += HEARTBEAT
            await store.touch_presence(room.code, ["kept"])
            assert (await store.presence(room.code)).students == 2
            clock.now += HEARTBEAT + 0.1
            presence = await store.presence(room.code)
            assert (presence.students, presence.exploring) == (1, 1)
        finally:
            await store.close()

    asyncio.run(scenario())


def test_every_key_has_a_ttl_and_the_log_stays_bounded(redis_server: RedisServer) -> None:
    redis_server.flush()

    async def scenario() -> None:
        store = RedisRoomStore(redis_server.url, log_size=10, room_seconds=600, presence_seconds=10)
        client = redis.Redis.from_url(redis_server.url)
        try:
            room, _ = await store.create_room(max_rooms=5)
            await store.subscribe(room.code, lambda delivery: None)
            for n in range(25):
                await store.append(room.code, {"type": "command", "command": {"n": n}})
            await store.append_state(room.code, b'{"n":25}')
            await store.add_student(room.code, "s1")
            await store.set_presence(room.code, "s1", exploring=True)
            question = parse_question("q1", {"kind": "sign", "expected": "+"}, 0)
            await store.put_question(room.code, question)
            await store.put_answer(room.code, "q1", "s1", parse_answer(question, "+"))
            await store.publish_volatile(room.code, {"type": "pointer", "pointer": 1})
            await store.allow_join("10.0.0.1", 10)
            assert await client.xlen(f"bp:log:{room.code}") == 10
            keys = [key.decode() async for key in client.scan_iter("bp:*")]
            assert len(keys) >= 10
            ttls = {key: await client.ttl(key) for key in keys}  # bp:rooms too: it lapses with its last room
            assert all(ttl > 0 for ttl in ttls.values()), ttls
            # The room index forgets rooms whose TTL passed (scores are deadlines), so it stays bounded too.
            assert await client.zscore("bp:rooms", room.code) is not None
        finally:
            await client.aclose()
            await store.close()

    asyncio.run(scenario())


def test_a_room_whose_presenters_process_died_expires_after_the_idle_time(redis_server: RedisServer) -> None:
    redis_server.flush()
    clock = Clock()
    idle = 60.0

    async def scenario() -> None:
        # Process A serves the presenter, B a student; A dies (it stops renewing the presenter's lease) while
        # B's heartbeat keeps renewing the room.
        a = RedisRoomStore(redis_server.url, log_size=10, room_seconds=2 * idle, presence_seconds=2 * HEARTBEAT,
                           clock=clock)
        b = RedisRoomStore(redis_server.url, log_size=10, room_seconds=2 * idle, presence_seconds=2 * HEARTBEAT,
                           clock=clock)
        try:
            room, _ = await a.create_room(max_rooms=5)
            await a.set_lifecycle(room.code, Lifecycle.LIVE)
            for _ in range(3):
                clock.now += HEARTBEAT
                await a.keep_alive(room.code, presenter=True)
                await b.keep_alive(room.code)
            assert await b.expire_idle(idle) == []  # a live presenter: never idle
            for _ in range(int(idle / HEARTBEAT) + 2):  # A is gone; B still beats
                clock.now += HEARTBEAT
                await b.keep_alive(room.code)
                expired = await b.expire_idle(idle)
                if expired:
                    break
            assert expired == [room.code] and await b.has_ended(room.code)
            assert clock.now - 3 * HEARTBEAT - 2 * HEARTBEAT >= idle  # not before the lease lapsed + idle time
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())
