"""The room store in Redis (BACKPROP_REDIS_URL): any number of server processes serve the same classes.

The key schema and the Lua scripts are in app/classroom/redis_keys.py, the reader loop of each room in
app/classroom/redis_reader.py, questions and answers as bytes in app/classroom/codecs.py.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.classroom.codecs import AnswerCodec, QuestionCodec
from app.classroom.issued import ENDED_SECONDS  # ended:{code} is kept as long as the in-process store keeps a code
from app.classroom.questions import Answer, Question
from app.classroom.redis_keys import (
    ADD_STUDENT, APPEND, APPEND_STATE, RECORD, SEATED_FROM, key, result_keys, room_keys,
)
from app.classroom.redis_reader import CONNECT_TIMEOUT_S, REDIS_DOWN, StreamReaders, delivery_from
from app.classroom.store import (
    _TRANSITIONS, FLAGS, QUESTIONS_KEPT, RESULTS_BYTES, RESULTS_SECONDS, ROOM_BYTES, Delivery, Lifecycle, Listener,
    Presence, Results, Room, RoomStore, StoreError,
)
from app.classroom.tokens import new_epoch, new_join_code, new_presenter_token, new_seed, token_digest
from app.web.json import dumps

log = logging.getLogger(__name__)

VOLATILE_KEPT = 16  # latest-wins frames: only the newest matter
POOL_CONNECTIONS, POOL_WAIT_S = 32, 10.0  # shared connections per process; how long a call waits for one


class RedisRoomStore(RoomStore):
    """Rooms in Redis; see the module docstring. `on_link(up)` hears when Redis goes away and comes back."""

    unavailable_errors = REDIS_DOWN

    def __init__(self, url: str, log_size: int, room_seconds: float, presence_seconds: float,
                 clock: Callable[[], float] = time.time, questions_kept: int = QUESTIONS_KEPT,
                 results_bytes: int = RESULTS_BYTES, results_seconds: float = RESULTS_SECONDS,
                 room_bytes: int = ROOM_BYTES) -> None:
        self.url, self.log_size, self.clock, self.questions_kept = url, log_size, clock, questions_kept
        self.room_bytes = room_bytes  # a room's log and state, as in the in-memory store
        self.room_seconds = max(1, int(room_seconds))
        self.results_bytes, self.results_seconds = results_bytes, max(1, int(results_seconds))
        self.presence_seconds = presence_seconds
        self.origin = secrets.token_hex(6)  # this process, so it skips its own volatile frames in the stream
        # Bursts (300 students joining or leaving at once) wait for one of a bounded set of connections.
        self.redis = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_CONNECTIONS, timeout=POOL_WAIT_S, socket_connect_timeout=CONNECT_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0)))
        self._append = self.redis.register_script(APPEND)
        self._append_state = self.redis.register_script(APPEND_STATE)
        self._record = self.redis.register_script(RECORD)
        self._add_student = self.redis.register_script(ADD_STUDENT)
        self._seated_from = self.redis.register_script(SEATED_FROM)
        self._readers = StreamReaders(url, self.origin, self._link)
        self.link_up = True
        self.on_link: Callable[[bool], Awaitable[None] | None] | None = None

    async def close(self) -> None:
        await self._readers.close()
        await self.redis.aclose()
        await self.redis.connection_pool.disconnect()  # a pool given to the client is not closed with it

    # ---- rooms ------------------------------------------------------------------------------------------

    async def create_room(self, max_rooms: int) -> tuple[Room, str]:
        now = self.clock()
        rooms = key("rooms")
        await self.redis.zremrangebyscore(rooms, "-inf", now)
        if await self.redis.zcard(rooms) >= max_rooms:
            raise StoreError(
                "too_many_rooms",
                f"this server already runs {max_rooms} classes, its limit (BACKPROP_CLASS_MAX_ROOMS); "
                "end one or raise the limit",
            )
        token = new_presenter_token()
        while True:
            code = new_join_code()
            room = Room(code, new_epoch(), token_digest(token), Lifecycle.CREATED, now, seed=new_seed())
            fields = {"epoch": room.epoch, "token": room.token_digest.hex(), "lifecycle": room.lifecycle.value,
                      "changed_at": repr(now), "head": 0, "state_seq": 0, "question_id": "", "questions": 0,
                      "seed": room.seed, "variants": "", "seated": 0}
            if await self.redis.exists(key("ended", code)):
                continue
            if await self.redis.hsetnx(key("room", code), "epoch", room.epoch):
                break
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key("room", code), mapping=fields)
            pipe.expire(key("room", code), self.room_seconds)
            pipe.hset(key("resultsmeta", code), mapping={"token": room.token_digest.hex(), "bytes": 0, "dropped": 0})
            pipe.expire(key("resultsmeta", code), self.room_seconds)
            pipe.zadd(rooms, {code: now + self.room_seconds})
            pipe.expire(rooms, self.room_seconds)
            await pipe.execute()
        return room, token

    async def room(self, code: str) -> Room | None:
        data = await self.redis.hgetall(key("room", code))
        if not data or b"token" not in data:
            return None
        return Room(
            code, data[b"epoch"].decode(), bytes.fromhex(data[b"token"].decode()), Lifecycle(data[b"lifecycle"].decode()),
            float(data[b"changed_at"]), int(data[b"head"]), int(data[b"state_seq"]), data[b"question_id"].decode() or None,
            data.get(b"locked") == b"1", data.get(b"projector") == b"1",
            data.get(b"seed", b"").decode(), data.get(b"variants", b"").decode(),
        )

    async def has_ended(self, code: str) -> bool:
        return bool(await self.redis.exists(key("ended", code)))

    async def set_lifecycle(self, code: str, lifecycle: Lifecycle) -> None:
        room = await self.room(code)
        if room is None:
            raise StoreError("unknown_class", f"no class with code {code}")
        if lifecycle == room.lifecycle:
            return
        if lifecycle not in _TRANSITIONS[room.lifecycle]:
            raise StoreError("bad_transition", f"a {room.lifecycle.value} room cannot become {lifecycle.value}")
        now = self.clock()
        fields = {"lifecycle": lifecycle.value, "changed_at": repr(now)}
        if lifecycle == Lifecycle.LIVE:
            fields["presenter_until"] = repr(now + self.presence_seconds)
        await self.redis.hset(key("room", code), mapping=fields)

    async def keep_alive(self, code: str, presenter: bool = False) -> None:
        """Renew the TTL of a room a process still serves (its heartbeat calls this), and the presenter's lease
        when the presenter is connected to this process: a room whose presenter's process died (or who left
        while Redis was away) counts as idle from when the lease lapsed, whoever else is connected."""
        keys = room_keys(code)
        async with self.redis.pipeline(transaction=False) as pipe:
            if presenter:
                pipe.hset(key("room", code), "presenter_until", repr(self.clock() + self.presence_seconds))
            for name in (*keys, *result_keys(code)):
                pipe.expire(name, self.room_seconds)
            pipe.zadd(key("rooms"), {code: self.clock() + self.room_seconds}, xx=True)
            pipe.expire(key("rooms"), self.room_seconds)
            await pipe.execute()

    # ---- the ordered log --------------------------------------------------------------------------------

    async def append(self, code: str, message: dict[str, Any]) -> Delivery:
        head = dumps(message)[:-1].decode()
        seq = int(await self._append(keys=[key("room", code), key("log", code), key("state", code)],
                                     args=[head, self.log_size, self.room_seconds, self.room_bytes]))
        return self._appended(code, head, seq, message["type"])

    def _appended(self, code: str, head: str, seq: int, kind: str) -> Delivery:
        """The delivery of a frame a script appended (seq 0: the room is gone), handed to this process's
        listeners at once when nothing is missing before it (no wait for the round trip through the reader)."""
        if seq == 0:
            raise StoreError("unknown_class", f"no class with code {code}")
        delivery = Delivery(f'{head},"seq":{seq}}}', seq, kind)
        reader = self._readers.get(code)
        if reader is not None and reader.last_seq == seq - 1:
            reader.deliver(delivery)
        return delivery

    async def since(self, code: str, seq: int) -> list[Delivery] | None:
        room = await self.room(code)
        if room is None:
            raise StoreError("unknown_class", f"no class with code {code}")
        if seq >= room.head:
            return []
        entries = await self.redis.xrange(key("log", code), f"{seq + 1}-0", "+")
        if not entries or int(entries[0][0].split(b"-")[0]) != seq + 1:
            return None
        return [delivery_from(fields[b"frame"]) for _, fields in entries]

    async def append_state(self, code: str, state: bytes) -> Delivery:
        head = dumps({"type": "state"})[:-1].decode()
        seq = int(await self._append_state(keys=[key("room", code), key("log", code), key("state", code)],
                                           args=[head, self.log_size, self.room_seconds, self.room_bytes, state]))
        return self._appended(code, head, seq, "state")

    async def set_flag(self, code: str, name: str, value: bool) -> None:
        if name not in FLAGS:
            raise ValueError(f"unknown room flag {name!r}")
        await self.redis.hset(key("room", code), name, "1" if value else "0")

    async def state(self, code: str) -> tuple[int, bytes | None]:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hget(key("room", code), "state_seq")
            pipe.get(key("state", code))
            state_seq, state = await pipe.execute()
        if state_seq is None:
            raise StoreError("unknown_class", f"no class with code {code}")
        return int(state_seq), state

    # ---- delivery ---------------------------------------------------------------------------------------

    async def subscribe(self, code: str, listener: Listener) -> Callable[[], None]:
        reader = self._readers.get(code)
        if reader is None:
            room = await self.room(code)
            if room is None:
                raise StoreError("unknown_class", f"no class with code {code}")
            reader = self._readers.start(code, room.head)
        reader.listeners.append(listener)

        def unsubscribe() -> None:
            if listener in reader.listeners:
                reader.listeners.remove(listener)
            if not reader.listeners:
                self._readers.stop(code, reader)

        return unsubscribe

    async def publish_volatile(self, code: str, message: dict[str, Any], audience: str = "all") -> None:
        frame = dumps(message)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(key("vol", code), {"frame": frame, "origin": self.origin}, maxlen=VOLATILE_KEPT,
                      approximate=False)
            pipe.expire(key("vol", code), self.room_seconds)
            await pipe.execute()
        reader = self._readers.get(code)
        if reader is not None:
            reader.deliver(Delivery(frame.decode(), None, message["type"], audience))

    async def _link(self, up: bool) -> None:
        if up == self.link_up:
            return
        self.link_up = up
        if up:
            await self.redis.connection_pool.disconnect()  # its connections died with the old link
        log.warning("classroom: Redis %s", "is back" if up else f"unreachable at {self.url}; reconnecting")
        if self.on_link is not None:
            result = self.on_link(up)
            if result is not None:
                await result

    # ---- students and presence --------------------------------------------------------------------------

    async def add_student(self, code: str, student_id: str) -> None:
        await self._add_student(keys=[key("room", code), key("students", code)], args=[student_id, self.room_seconds])

    async def places(self, code: str) -> dict[str, int]:
        raw = await self.redis.hgetall(key("students", code))
        return {student.decode(): int(place) for student, place in raw.items()}

    async def place(self, code: str, student_id: str) -> int | None:
        place = await self.redis.hget(key("students", code), student_id)
        return int(place) if place is not None else None

    async def set_variants(self, code: str, preset_id: str) -> None:
        await self.redis.hset(key("room", code), "variants", preset_id)

    async def known_student(self, code: str, student_id: str) -> bool:
        return bool(await self.redis.hexists(key("students", code), student_id))

    async def seat(self, code: str, student_id: str, address: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key("addresses", code), student_id, address)
            pipe.expire(key("addresses", code), self.room_seconds)
            await pipe.execute()

    async def seated_from(self, code: str, address: str) -> int:
        return int(await self._seated_from(keys=[key("present", code), key("addresses", code)],
                                           args=[repr(self.clock()), address]))

    async def set_presence(self, code: str, student_id: str, exploring: bool) -> None:
        until = self.clock() + self.presence_seconds
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key("present", code), {student_id: until})
            if exploring:
                pipe.zadd(key("exploring", code), {student_id: until})
            else:
                pipe.zrem(key("exploring", code), student_id)
            for name in ("present", "exploring"):
                pipe.expire(key(name, code), self.room_seconds)
            await pipe.execute()

    async def touch_presence(self, code: str, student_ids: list[str]) -> None:
        if not student_ids:
            return
        until = self.clock() + self.presence_seconds
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in ("present", "exploring"):
                pipe.zadd(key(name, code), dict.fromkeys(student_ids, until), xx=True)
            await pipe.execute()

    async def drop_presence(self, code: str, student_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(key("present", code), student_id)
            pipe.zrem(key("exploring", code), student_id)
            await pipe.execute()

    async def presence(self, code: str) -> Presence:
        now = self.clock()
        async with self.redis.pipeline(transaction=True) as pipe:
            for name in ("present", "exploring"):
                pipe.zremrangebyscore(key(name, code), "-inf", now)
                pipe.zcard(key(name, code))
            _, students, _, exploring = await pipe.execute()
        return Presence(students, exploring)

    # ---- questions and answers --------------------------------------------------------------------------

    async def put_question(self, code: str, question: Question) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key("questions", code), question.id, QuestionCodec.encode(question))
            pipe.expire(key("questions", code), self.room_seconds)
            pipe.hset(key("room", code), "question_id", question.id)
            forgotten = f"q{int(question.id[1:]) - self.questions_kept}"  # ids count up: q1, q2, …
            pipe.hdel(key("questions", code), forgotten)
            pipe.delete(key("answers", code, forgotten))
            await pipe.execute()

    async def question(self, code: str, question_id: str) -> Question | None:
        raw = await self.redis.hget(key("questions", code), question_id)
        return QuestionCodec.decode(raw) if raw is not None else None

    async def clear_question(self, code: str) -> None:
        await self.redis.hset(key("room", code), "question_id", "")

    async def next_question_id(self, code: str) -> str:
        if not await self.redis.exists(key("room", code)):
            raise StoreError("unknown_class", f"no class with code {code}")
        return f"q{await self.redis.hincrby(key('room', code), 'questions', 1)}"

    async def put_answer(self, code: str, question_id: str, student_id: str, answer: Answer) -> None:
        answers = key("answers", code, question_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(answers, student_id, AnswerCodec.encode(answer))
            pipe.expire(answers, self.room_seconds)
            await pipe.execute()

    async def answers(self, code: str, question_id: str) -> dict[str, Answer]:
        raw = await self.redis.hgetall(key("answers", code, question_id))
        return {student.decode(): AnswerCodec.decode(value) for student, value in raw.items()}

    # ---- names and results -----------------------------------------------------------------------------

    async def set_name(self, code: str, student_id: str, name: str) -> None:
        if not await self.redis.exists(key("room", code)):
            raise StoreError("unknown_class", f"no class with code {code}")
        async with self.redis.pipeline(transaction=True) as pipe:
            if name:
                pipe.hset(key("names", code), student_id, name)
                pipe.expire(key("names", code), self.room_seconds)
            else:
                pipe.hdel(key("names", code), student_id)
            await pipe.execute()

    async def names(self, code: str) -> dict[str, str]:
        raw = await self.redis.hgetall(key("names", code))
        return {student.decode(): name.decode() for student, name in raw.items()}

    async def name(self, code: str, student_id: str) -> str:
        raw = await self.redis.hget(key("names", code), student_id)
        return raw.decode() if raw is not None else ""

    async def record_result(self, code: str, record: bytes) -> None:
        if not int(await self._record(keys=[key("room", code), key("results", code), key("resultsmeta", code)],
                                      args=[record, self.results_bytes, self.room_seconds])):
            raise StoreError("unknown_class", f"no class with code {code}")

    async def results(self, code: str) -> Results | None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(key("resultsmeta", code))
            pipe.lrange(key("results", code), 0, -1)
            pipe.hgetall(key("names", code))
            pipe.exists(key("room", code))
            meta, records, names, live = await pipe.execute()
        if not meta or b"token" not in meta:
            return None
        return Results(bytes.fromhex(meta[b"token"].decode()), list(records),
                       {student.decode(): name.decode() for student, name in names.items()},
                       int(meta.get(b"dropped", 0)), not live)

    # ---- expiry and join limits -------------------------------------------------------------------------

    async def expire(self, code: str) -> None:
        room = await self.room(code)
        if room is None:
            return
        questions = [field.decode() for field in await self.redis.hkeys(key("questions", code))]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(*room_keys(code),
                        *[key("answers", code, question) for question in questions])
            for name in result_keys(code):  # the results outlive the room a while, to be downloaded
                pipe.expire(name, self.results_seconds)
            pipe.zrem(key("rooms"), code)
            pipe.set(key("ended", code), 1, ex=ENDED_SECONDS)
            await pipe.execute()
        self._readers.stop(code)

    async def expire_idle(self, idle_seconds: float) -> list[str]:
        now = self.clock()
        cutoff = now - idle_seconds
        expired = []
        for raw in await self.redis.zrange(key("rooms"), 0, -1):
            code = raw.decode()
            room = await self.room(code)
            if room is None:
                await self.redis.zrem(key("rooms"), code)
                continue
            idle_since = room.changed_at
            if room.lifecycle == Lifecycle.LIVE:
                lease = await self.redis.hget(key("room", code), "presenter_until")
                idle_since = float(lease) if lease is not None and float(lease) < now else float("inf")
            if room.lifecycle != Lifecycle.EXPIRED and idle_since <= cutoff:
                await self.expire(code)
                expired.append(code)
        return expired

    async def allow_join(self, address: str, per_minute: int) -> bool:
        minute = int(self.clock() // 60)
        joins = key("joins", address, str(minute))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(joins)
            pipe.expire(joins, 120)
            count, _ = await pipe.execute()
        return int(count) <= per_minute
