"""Reading rooms from Redis: one XREAD BLOCK loop per room this process serves, on its own connection,
reconnecting with back-off when Redis goes away (redis-py does not) and reporting the link's state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.classroom.redis_keys import key
from app.classroom.store import Delivery, Listener

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2.0
BLOCK_MS = 1000  # one XREAD waits at most this long before asking again (and a stopped reader ends)
BACKOFF_FIRST_S, BACKOFF_MAX_S = 0.1, 2.0  # reconnect back-off, doubled per failure, with full jitter
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def delivery_from(frame: bytes, origin: bytes | None = None) -> Delivery:
    """A frame read back from a stream: its seq and type from the frame itself (encoded once, by its writer)."""
    message = orjson.loads(frame)
    audience = "all"
    if origin is not None and message.get("type") in ("tally", "presence"):
        audience = "presenters"
    return Delivery(frame.decode(), message.get("seq") if origin is None else None, message.get("type", ""), audience)


@dataclass(eq=False)
class RoomReader:
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

    def deliver(self, delivery: Delivery) -> None:
        if delivery.seq is not None:
            self.last_seq = delivery.seq
        for listener in list(self.listeners):
            listener(delivery)


class StreamReaders:
    """The readers of every room this process serves; `link(up)` hears when Redis goes away and comes back."""

    def __init__(self, url: str, origin: str, link: Callable[[bool], Awaitable[None]]) -> None:
        self.url, self.origin, self.link = url, origin, link
        self.readers: dict[str, RoomReader] = {}

    def get(self, code: str) -> RoomReader | None:
        return self.readers.get(code)

    def start(self, code: str, head: int) -> RoomReader:
        reader = self.readers[code] = RoomReader(code, head)
        reader.task = asyncio.get_running_loop().create_task(self._read_forever(reader), name=f"redis-{code}")
        return reader

    def stop(self, code: str, reader: RoomReader | None = None) -> None:
        """Stop the room's reader (only if it is still `reader`, when given)."""
        current = self.readers.get(code)
        if current is not None and (reader is None or current is reader):
            del self.readers[code]
            current.stop()

    async def close(self) -> None:
        tasks = [task for reader in self.readers.values() if (task := reader.stop()) is not None]
        self.readers.clear()
        if tasks:
            await asyncio.wait(tasks, timeout=BLOCK_MS / 1000 + CONNECT_TIMEOUT_S)  # each closes its own connection

    def _client(self) -> redis.Redis:
        """A reader's own client; it fails at once while Redis is away (no silent retries)."""
        return redis.Redis.from_url(self.url, socket_connect_timeout=CONNECT_TIMEOUT_S, retry=Retry(NoBackoff(), 0),
                                    single_connection_client=True)

    async def _read_forever(self, reader: RoomReader) -> None:
        """XREAD BLOCK from the last seq seen, in order; on a lost link: report, back off, reconnect."""
        connection = self._client()
        failures = 0
        try:
            while not reader.stopped:
                try:
                    streams = {key("log", reader.code): f"{reader.last_seq}-0",
                               key("vol", reader.code): reader.volatile_id}
                    if failures:
                        await connection.ping()  # back: say so now, not after the next entry or block timeout
                        failures = 0
                        await self.link(True)
                    answer = await connection.xread(streams, block=BLOCK_MS, count=500)
                    self._dispatch(reader, answer)
                except Exception as error:  # noqa: BLE001 - the reader must outlive anything Redis answers
                    if reader.stopped:
                        return  # redis-py may turn the cancellation of a blocked read into an error
                    if not isinstance(error, REDIS_DOWN):
                        log.warning("classroom: reading room %s from Redis failed: %r", reader.code, error)
                    if failures == 0:
                        await self.link(False)
                    failures += 1
                    ceiling = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** min(failures, 10))
                    await asyncio.sleep(random.uniform(BACKOFF_FIRST_S / 2, ceiling))
                    with contextlib.suppress(Exception):
                        await connection.aclose()
                    connection = self._client()
        finally:
            with contextlib.suppress(Exception):
                await connection.aclose()

    def _dispatch(self, reader: RoomReader, answer: Any) -> None:
        for stream, entries in answer or []:
            volatile = stream.decode().startswith(key("vol"))
            for entry_id, fields in entries:
                if volatile:
                    reader.volatile_id = entry_id.decode()
                    if fields.get(b"origin") != self.origin.encode():
                        reader.deliver(delivery_from(fields[b"frame"], fields.get(b"origin")))
                    continue
                seq = int(entry_id.split(b"-")[0])
                if seq > reader.last_seq:
                    reader.deliver(delivery_from(fields[b"frame"]))
