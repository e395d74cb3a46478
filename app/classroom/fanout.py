"""One connection's outgoing side: a bounded queue and its own sender task.

Frames are encoded once per room (app/classroom/store.py) and offered to every connection; offering never
waits, so one slow phone never delays the others. A connection whose queue fills up has fallen behind: its
queue is dropped and it is sent a snapshot instead (which covers everything up to now). If it falls behind
again before it has caught up, it is closed (code 4008); its page resyncs when it reconnects.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from app.classroom.protocol import CLOSE_TOO_SLOW

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_SECONDS = 10.0  # for the closing frame to go out


class Connection:
    """A WebSocket's outgoing frames, sent in order by one task; `offer` and `push` never block."""

    def __init__(
        self,
        websocket: WebSocket,
        queue_size: int,
        snapshot: Callable[[], Awaitable[str]] | None = None,
        close_timeout: float = CLOSE_TIMEOUT_SECONDS,
    ) -> None:
        self.websocket = websocket
        self.queue_size = queue_size
        self.snapshot = snapshot  # builds the catch-up frame for a connection that fell behind
        self.close_timeout = close_timeout
        self._queue: deque[str] = deque()
        self._held: list[str] | None = None
        self._wake = asyncio.Event()
        self._close: tuple[int, str] | None = None
        self._wants_snapshot = False
        self._behind = False
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name="classroom-sender")

    def hold(self) -> None:
        """Keep offered frames aside until `release` (while a catch-up is being queued ahead of them)."""
        self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        for frame in held:
            self.offer(frame)

    def offer(self, frame: str) -> None:
        """Queue a room's frame (held while a catch-up is being queued); on overflow, a snapshot replaces the
        queue, or a second overflow closes."""
        if self._held is not None and not self.closed and self._close is None:
            self._held.append(frame)
            return
        self.push(frame)

    def push(self, frame: str) -> None:
        """Queue a frame meant for this connection (welcome, catch-up, acks, errors): never held, so the
        welcome and the catch-up go out before any room frame offered meanwhile."""
        if self.closed or self._close is not None:
            return
        if len(self._queue) >= self.queue_size:
            self._overflow()
            return
        self._queue.append(frame)
        self._wake.set()

    def _overflow(self) -> None:
        if self._behind or self.snapshot is None:
            log.info("classroom: closing a connection that fell behind twice")
            self._queue.clear()  # what it missed comes with its resync after reconnecting
            self.close(CLOSE_TOO_SLOW, "too slow: reconnect to catch up")
            return
        self._behind = True
        self._wants_snapshot = True
        self._queue.clear()
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        """Send what is queued, then close with `code`."""
        if self._close is None:
            self._close = (code, reason)
            self._wake.set()

    @property
    def queued(self) -> int:
        return len(self._queue)

    async def _run(self) -> None:
        send = self.websocket.send
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._wants_snapshot:
                    self._wants_snapshot = False
                    assert self.snapshot is not None
                    await self._send(send, await self.snapshot())
                while self._queue and not self._wants_snapshot:
                    await self._send(send, self._queue.popleft())
                if not self._queue and not self._wants_snapshot:
                    self._behind = False  # caught up: a later overflow gets a snapshot again
                if self._close is not None and not self._queue:
                    code, reason = self._close
                    await asyncio.wait_for(send({"type": "websocket.close", "code": code, "reason": reason}),
                                           self.close_timeout)
                    return
        except (OSError, RuntimeError, asyncio.TimeoutError, WebSocketDisconnect) as error:
            log.debug("classroom: sender stopped: %r", error)
        finally:
            self.closed = True

    @staticmethod
    async def _send(send: Callable[[dict[str, object]], Awaitable[None]], frame: str) -> None:
        # No timeout per frame (asyncio.wait_for would cost a task per frame per student): a peer that
        # stops reading fills its queue and is closed; one that vanishes fails uvicorn's ping (20 s).
        await send({"type": "websocket.send", "text": frame})

    async def stop(self) -> None:
        """Stop sending (the socket is gone or being closed); idempotent."""
        self.closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - a stopped sender's error is moot
                pass
