"""The room store in Redis (BACKPROP_REDIS_URL): any number of server processes serve the same classes.

Keys, all under "bp:" and all with a TTL (nothing grows without bound):
- `room:{code}` hash: epoch, token digest, lifecycle, changed_at (wall clock: processes share it), head,
  state_seq, question id and count; `state:{code}` the presenter's encoded state;
- `log:{code}` stream of the ordered frames, entry id "{seq}-0", trimmed to the log size; a Lua script does
  HINCRBY head and XADD together, so seq stays dense and in log order whichever process appends;
- `vol:{code}` stream of latest-wins frames (pointer, tally, presence), trimmed to a few entries;
- `students:{code}` set; `present:{code}` / `exploring:{code}` sorted sets, score = when the student's
  presence lapses unless a heartbeat renews it (a process that dies stops renewing);
- `questions:{code}` hash; `answers:{code}:{question}` one hash per question, field = student id (HSET
  replaces: one answer per student, never read-modify-write), the TTL on the whole key (Redis 7.0 has
  no per-field expiry);
- `rooms` sorted set of live codes (score = when the room lapses), `ended:{code}`, `joins:{address}:{minute}`.

Each process reads each room it serves with one XREAD BLOCK loop (`_RoomReader`) on its own connection,
reconnecting with back-off when Redis goes away (redis-py does not) and telling the service, which pauses
and resumes the room's pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.classroom.questions import Answer, Question
from app.classroom.store import (
    _TRANSITIONS, Delivery, Lifecycle, Listener, Presence, Room, RoomStore, StoreError,
)
from app.classroom.tokens import new_epoch, new_join_code, new_presenter_token, token_digest
from app.web.json import dumps

log = logging.getLogger(__name__)

PREFIX = "bp:"
VOLATILE_KEPT = 16  # latest-wins frames: only the newest matter
ENDED_SECONDS = 24 * 3600  # how long an ended room's code is remembered
CONNECT_TIMEOUT_S = 2.0
POOL_CONNECTIONS, POOL_WAIT_S = 32, 10.0  # shared connections per process; how long a call waits for one
BLOCK_MS = 1000  # one XREAD waits at most this long before asking again (and a stopped reader ends)
BACKOFF_FIRST_S, BACKOFF_MAX_S = 0.1, 2.0  # reconnect back-off, doubled per failure, with full jitter
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)

# KEYS: room, log. ARGV: frame without its closing brace, has_body, body, log size, ttl seconds.
# Returns the new seq, or 0 when the room is gone.
_APPEND = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'head', 1)
local frame = ARGV[1] .. ',"seq":' .. seq
if ARGV[2] == '1' then
  frame = frame .. ',"ref":true}'
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], seq .. '-0', 'frame', frame, 'body', ARGV[3])
else
  frame = frame .. '}'
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], seq .. '-0', 'frame', frame)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return seq
"""

# KEYS: room. ARGV: seq, ttl. Returns 1 when the state key may be written (seq not older than the kept one).
_SET_STATE = """
local kept = tonumber(redis.call('HGET', KEYS[1], 'state_seq') or '0')
if tonumber(ARGV[1]) < kept then return 0 end
redis.call('HSET', KEYS[1], 'state_seq', ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
return 1
"""


def _key(*parts: str) -> str:
    return PREFIX + ":".join(parts)


def _tuples(value: Any) -> Any:
    """JSON gives lists where questions and answers hold tuples (shapes, matrices): back to tuples."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _question_from_json(raw: bytes) -> Question:
    data = orjson.loads(raw)
    data["expected"], data["options"] = _tuples(data["expected"]), tuple(data["options"])
    return Question(**data)


def _answer_from_json(raw: bytes) -> Answer:
    data = orjson.loads(raw)
    return Answer(_tuples(data["value"]), data["correct"], data["name"], _tuples(data["cells_right"]))


def _delivery(frame: bytes, origin: bytes | None = None) -> Delivery:
    """A frame read back from a stream: its seq and type from the frame itself (encoded once, by its writer)."""
    text = frame.decode()
    message = orjson.loads(frame)
    audience = "all"
    if origin is not None and message.get("type") in ("tally", "presence"):
        audience = "presenters"
    return Delivery(text, message.get("seq") if origin is None else None, message.get("type", ""), audience)


@dataclass(eq=False)
class _RoomReader:
    """This process's reader of one room's streams, and the room's local listeners."""

    code: str
    last_seq: int
    listeners: list[Listener] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    volatile_id: str = "$"
    stopped: bool = False

    def stop(self) -> asyncio.Task[None] | None:
        """Stop reading; redis-py shields a blocked XREAD from cancellation, so the task ends within BLOCK_MS."""
        self.stopped = True
        self.listeners.clear()
        if self.task is not None:
            self.task.cancel()
        return self.task


class RedisRoomStore(RoomStore):
    """Rooms in Redis; see the module docstring. `on_link(up)` hears when Redis goes away and comes back."""

    unavailable_errors = REDIS_DOWN

    def __init__(self, url: str, log_size: int, room_seconds: float, presence_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.url, self.log_size, self.clock = url, log_size, clock
        self.room_seconds = max(1, int(room_seconds))
        self.presence_seconds = presence_seconds
        self.origin = secrets.token_hex(6)  # this process, so it skips its own volatile frames in the stream
        # Bursts (300 students joining or leaving at once) wait for one of a bounded set of connections.
        self.redis = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_CONNECTIONS, timeout=POOL_WAIT_S, socket_connect_timeout=CONNECT_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0)))
        self._append = self.redis.register_script(_APPEND)
        self._set_state = self.redis.register_script(_SET_STATE)
        self._readers: dict[str, _RoomReader] = {}
        self.link_up = True
        self.on_link: Callable[[bool], Awaitable[None] | None] | None = None

    def _client(self) -> redis.Redis:
        """A reader's own client; it fails at once while Redis is away (no silent retries)."""
        return redis.Redis.from_url(self.url, socket_connect_timeout=CONNECT_TIMEOUT_S, retry=Retry(NoBackoff(), 0),
                                    single_connection_client=True)

    async def close(self) -> None:
        tasks = [task for reader in self._readers.values() if (task := reader.stop()) is not None]
        self._readers.clear()
        if tasks:
            await asyncio.wait(tasks, timeout=BLOCK_MS / 1000 + CONNECT_TIMEOUT_S)  # each closes its own connection
        await self.redis.aclose()
        await self.redis.connection_pool.disconnect()  # a pool given to the client is not closed with it

    # ---- rooms ------------------------------------------------------------------------------------------

    async def create_room(self, max_rooms: int) -> tuple[Room, str]:
        now = self.clock()
        rooms = _key("rooms")
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
            room = Room(code, new_epoch(), token_digest(token), Lifecycle.CREATED, now)
            fields = {"epoch": room.epoch, "token": room.token_digest.hex(), "lifecycle": room.lifecycle.value,
                      "changed_at": repr(now), "head": 0, "state_seq": 0, "question_id": "", "questions": 0}
            if await self.redis.exists(_key("ended", code)):
                continue
            if await self.redis.hsetnx(_key("room", code), "epoch", room.epoch):
                break
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(_key("room", code), mapping=fields)
            pipe.expire(_key("room", code), self.room_seconds)
            pipe.zadd(rooms, {code: now + self.room_seconds})
            await pipe.execute()
        return room, token

    async def room(self, code: str) -> Room | None:
        data = await self.redis.hgetall(_key("room", code))
        if not data or b"token" not in data:
            return None
        return Room(
            code, data[b"epoch"].decode(), bytes.fromhex(data[b"token"].decode()), Lifecycle(data[b"lifecycle"].decode()),
            float(data[b"changed_at"]), int(data[b"head"]), int(data[b"state_seq"]), data[b"question_id"].decode() or None,
        )

    async def has_ended(self, code: str) -> bool:
        return bool(await self.redis.exists(_key("ended", code)))

    async def set_lifecycle(self, code: str, lifecycle: Lifecycle) -> None:
        room = await self.room(code)
        if room is None:
            raise StoreError("unknown_class", f"no class with code {code}")
        if lifecycle == room.lifecycle:
            return
        if lifecycle not in _TRANSITIONS[room.lifecycle]:
            raise StoreError("bad_transition", f"a {room.lifecycle.value} room cannot become {lifecycle.value}")
        await self.redis.hset(_key("room", code), mapping={"lifecycle": lifecycle.value,
                                                            "changed_at": repr(self.clock())})

    async def keep_alive(self, code: str) -> None:
        """Renew the TTL of a room a process still serves (its heartbeat calls this)."""
        keys = [_key(name, code) for name in ("room", "log", "vol", "state", "students", "questions",
                                               "present", "exploring")]
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.expire(key, self.room_seconds)
            pipe.zadd(_key("rooms"), {code: self.clock() + self.room_seconds}, xx=True)
            await pipe.execute()

    # ---- the ordered log --------------------------------------------------------------------------------

    async def append(self, code: str, message: dict[str, Any], body: bytes | None = None) -> Delivery:
        head = dumps(message)[:-1].decode()
        seq = int(await self._append(keys=[_key("room", code), _key("log", code)],
                                     args=[head, "1" if body is not None else "0", body or b"", self.log_size,
                                           self.room_seconds]))
        if seq == 0:
            raise StoreError("unknown_class", f"no class with code {code}")
        frame = f'{head},"seq":{seq},"ref":true}}' if body is not None else f'{head},"seq":{seq}}}'
        delivery = Delivery(frame, seq, message["type"])
        reader = self._readers.get(code)
        if reader is not None and reader.last_seq == seq - 1:
            self._deliver(reader, delivery)  # no wait for the round trip through the reader
        return delivery

    async def since(self, code: str, seq: int) -> list[Delivery] | None:
        room = await self.room(code)
        if room is None:
            raise StoreError("unknown_class", f"no class with code {code}")
        if seq >= room.head:
            return []
        entries = await self.redis.xrange(_key("log", code), f"{seq + 1}-0", "+")
        if not entries or int(entries[0][0].split(b"-")[0]) != seq + 1:
            return None
        return [_delivery(fields[b"frame"]) for _, fields in entries]

    async def command_body(self, code: str, seq: int) -> bytes | None:
        entries = await self.redis.xrange(_key("log", code), f"{seq}-0", f"{seq}-0")
        return entries[0][1].get(b"body") if entries else None

    async def set_state(self, code: str, seq: int, state: bytes) -> None:
        await self._set_state(keys=[_key("room", code), _key("state", code)], args=[seq, self.room_seconds, state])

    async def state(self, code: str) -> tuple[int, bytes | None]:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hget(_key("room", code), "state_seq")
            pipe.get(_key("state", code))
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
            reader = self._readers[code] = _RoomReader(code, room.head)
            reader.task = asyncio.get_running_loop().create_task(self._read_forever(reader), name=f"redis-{code}")
        reader.listeners.append(listener)

        def unsubscribe() -> None:
            if listener in reader.listeners:
                reader.listeners.remove(listener)
            if not reader.listeners and self._readers.get(code) is reader:
                del self._readers[code]
                reader.stop()

        return unsubscribe

    async def publish_volatile(self, code: str, message: dict[str, Any], audience: str = "all") -> None:
        frame = dumps(message)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(_key("vol", code), {"frame": frame, "origin": self.origin}, maxlen=VOLATILE_KEPT,
                      approximate=False)
            pipe.expire(_key("vol", code), self.room_seconds)
            await pipe.execute()
        reader = self._readers.get(code)
        if reader is not None:
            self._deliver(reader, Delivery(frame.decode(), None, message["type"], audience))

    @staticmethod
    def _deliver(reader: _RoomReader, delivery: Delivery) -> None:
        if delivery.seq is not None:
            reader.last_seq = delivery.seq
        for listener in list(reader.listeners):
            listener(delivery)

    async def _read_forever(self, reader: _RoomReader) -> None:
        """XREAD BLOCK from the last seq seen, in order; on a lost link: report, back off, reconnect."""
        connection = self._client()
        failures = 0
        try:
            while not reader.stopped:
                try:
                    streams = {_key("log", reader.code): f"{reader.last_seq}-0",
                               _key("vol", reader.code): reader.volatile_id}
                    if failures:
                        await connection.ping()  # back: say so now, not after the next entry or block timeout
                        failures = 0
                        await self._link(True)
                    answer = await connection.xread(streams, block=BLOCK_MS, count=500)
                    self._dispatch(reader, answer)
                except Exception as error:  # noqa: BLE001 - the reader must outlive anything Redis answers
                    if reader.stopped:
                        return  # redis-py may turn the cancellation of a blocked read into an error
                    if not isinstance(error, REDIS_DOWN):
                        log.warning("classroom: reading room %s from Redis failed: %r", reader.code, error)
                    if failures == 0:
                        await self._link(False)
                    failures += 1
                    ceiling = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** min(failures, 10))
                    await asyncio.sleep(random.uniform(BACKOFF_FIRST_S / 2, ceiling))
                    with contextlib.suppress(Exception):
                        await connection.aclose()
                    connection = self._client()
        finally:
            with contextlib.suppress(Exception):
                await connection.aclose()

    def _dispatch(self, reader: _RoomReader, answer: Any) -> None:
        for stream, entries in answer or []:
            volatile = stream.decode().startswith(_key("vol"))
            for entry_id, fields in entries:
                if volatile:
                    reader.volatile_id = entry_id.decode()
                    if fields.get(b"origin") != self.origin.encode():
                        self._deliver(reader, _delivery(fields[b"frame"], fields.get(b"origin")))
                    continue
                seq = int(entry_id.split(b"-")[0])
                if seq > reader.last_seq:
                    self._deliver(reader, _delivery(fields[b"frame"]))

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
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(_key("students", code), student_id)
            pipe.expire(_key("students", code), self.room_seconds)
            await pipe.execute()

    async def known_student(self, code: str, student_id: str) -> bool:
        return bool(await self.redis.sismember(_key("students", code), student_id))

    async def set_presence(self, code: str, student_id: str, exploring: bool) -> None:
        until = self.clock() + self.presence_seconds
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(_key("present", code), {student_id: until})
            if exploring:
                pipe.zadd(_key("exploring", code), {student_id: until})
            else:
                pipe.zrem(_key("exploring", code), student_id)
            for name in ("present", "exploring"):
                pipe.expire(_key(name, code), self.room_seconds)
            await pipe.execute()

    async def touch_presence(self, code: str, student_ids: list[str]) -> None:
        if not student_ids:
            return
        until = self.clock() + self.presence_seconds
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in ("present", "exploring"):
                pipe.zadd(_key(name, code), dict.fromkeys(student_ids, until), xx=True)
            await pipe.execute()

    async def drop_presence(self, code: str, student_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(_key("present", code), student_id)
            pipe.zrem(_key("exploring", code), student_id)
            await pipe.execute()

    async def presence(self, code: str) -> Presence:
        now = self.clock()
        async with self.redis.pipeline(transaction=True) as pipe:
            for name in ("present", "exploring"):
                pipe.zremrangebyscore(_key(name, code), "-inf", now)
                pipe.zcard(_key(name, code))
            _, students, _, exploring = await pipe.execute()
        return Presence(students, exploring)

    # ---- questions and answers --------------------------------------------------------------------------

    async def put_question(self, code: str, question: Question) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(_key("questions", code), question.id, dumps(asdict(question)))
            pipe.expire(_key("questions", code), self.room_seconds)
            pipe.hset(_key("room", code), "question_id", question.id)
            await pipe.execute()

    async def question(self, code: str, question_id: str) -> Question | None:
        raw = await self.redis.hget(_key("questions", code), question_id)
        return _question_from_json(raw) if raw is not None else None

    async def next_question_id(self, code: str) -> str:
        if not await self.redis.exists(_key("room", code)):
            raise StoreError("unknown_class", f"no class with code {code}")
        return f"q{await self.redis.hincrby(_key('room', code), 'questions', 1)}"

    async def put_answer(self, code: str, question_id: str, student_id: str, answer: Answer) -> None:
        key = _key("answers", code, question_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, student_id, dumps(asdict(answer)))
            pipe.expire(key, self.room_seconds)
            await pipe.execute()

    async def answers(self, code: str, question_id: str) -> dict[str, Answer]:
        raw = await self.redis.hgetall(_key("answers", code, question_id))
        return {student.decode(): _answer_from_json(value) for student, value in raw.items()}

    # ---- expiry and join limits -------------------------------------------------------------------------

    async def expire(self, code: str) -> None:
        room = await self.room(code)
        if room is None:
            return
        questions = [key.decode() for key in await self.redis.hkeys(_key("questions", code))]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(*[_key(name, code) for name in ("room", "log", "vol", "state", "students", "questions",
                                                        "present", "exploring")],
                        *[_key("answers", code, question) for question in questions])
            pipe.zrem(_key("rooms"), code)
            pipe.set(_key("ended", code), 1, ex=ENDED_SECONDS)
            await pipe.execute()
        reader = self._readers.pop(code, None)
        if reader is not None:
            reader.stop()

    async def expire_idle(self, idle_seconds: float) -> list[str]:
        cutoff = self.clock() - idle_seconds
        expired = []
        for raw in await self.redis.zrange(_key("rooms"), 0, -1):
            code = raw.decode()
            room = await self.room(code)
            if room is None:
                await self.redis.zrem(_key("rooms"), code)
            elif room.lifecycle in (Lifecycle.CREATED, Lifecycle.IDLE) and room.changed_at <= cutoff:
                await self.expire(code)
                expired.append(code)
        return expired

    async def allow_join(self, address: str, per_minute: int) -> bool:
        minute = int(self.clock() // 60)
        key = _key("joins", address, str(minute))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        return int(count) <= per_minute
