"""One connection's outgoing side: a bounded queue and its own sender task.

Frames are encoded once per room (app/classroom/store.py) and offered to every connection; offering never
waits, so one slow phone never delays the others. A room frame is also framed for the wire once (`offer_all`):
a connection with nothing queued whose socket can take it now gets those bytes written at once
(app/classroom/socket_protocol.py's `write_now`), without a task switch or a framing per student: that is most
of what fanning a command out to a hall costs. A connection whose queue fills up has fallen behind: its
queue is dropped and it is sent a snapshot instead (which covers everything up to now). If it falls behind
again before it has caught up, it is closed (code 4008); its page resyncs when it reconnects.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.frames import Frame, Opcode

from app.classroom.protocol import CLOSE_TOO_SLOW

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_SECONDS = 10.0  # for the closing frame to go out

WriteNow = Callable[[bytes], bool]  # writes a framed message at once if the socket can take it now, else False


def wire_frame(text: str) -> bytes:
    """A text message as a server sends it (RFC 6455: unmasked, uncompressed): the same bytes for every socket."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


def offer_all(connections: Iterable[Connection], frame: str) -> None:
    """Offer one room frame to many connections, framed for the wire once."""
    wire = None
    for connection in connections:
        if wire is None:
            wire = wire_frame(frame)
        connection.offer(frame, wire)


class Connection:
    """A WebSocket's outgoing frames, sent in order by one task; `offer` and `push` never block."""

    def __init__(
        self,
        websocket: WebSocket,
        queue_size: int,
        snapshot: Callable[[], Awaitable[str]] | None = None,
        close_timeout: float = CLOSE_TIMEOUT_SECONDS,
        write_now: WriteNow | None = None,
    ) -> None:
        self.websocket = websocket
        self.write_now = write_now  # the socket's own writer, where the server has one (socket_protocol.py)
        self.queue_size = queue_size
        self.snapshot = snapshot  # builds the catch-up frame for a connection that fell behind
        self.close_timeout = close_timeout
        self._queue: deque[str] = deque()
        self._held: list[str] | None = None
        self._wake = asyncio.Event()
        self._close: tuple[int, str] | None = None
        self._wants_snapshot = False
        self._behind = False
        self._sending = False  # the sender task is between its wake-up and its next wait
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

    def offer(self, frame: str, wire: bytes | None = None) -> None:
        """Queue a room's frame (held while a catch-up is being queued); on overflow, a snapshot replaces the
        queue, or a second overflow closes. With its `wire` bytes, a connection with nothing ahead of the frame
        writes it at once when its socket can take it."""
        if self._held is not None and not self.closed and self._close is None:
            self._held.append(frame)
            return
        if wire is not None and self.write_now is not None and self._idle() and self.write_now(wire):
            return
        self.push(frame)

    def _idle(self) -> bool:
        """Nothing queued or being sent: a frame written now keeps its order."""
        return not (self._queue or self._sending or self._wants_snapshot or self._close or self.closed)

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
                self._sending = False
                await self._wake.wait()
                self._wake.clear()
                self._sending = True
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
