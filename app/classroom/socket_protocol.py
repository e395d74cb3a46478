"""The WebSocket protocol every class socket runs on: uvicorn's websockets-sansio one, paced before parsing.

uvicorn's protocol parses a whole network read at once (up to 256 KiB) and queues every message in it for
the app, inflating each compressed one first: one read of 308-byte compressed frames became ~850 messages of
260 KB, parsed before any rate was checked. Here (compression is off in `uvicorn_config`):

- every frame a client sends, control frames included, is counted before it is parsed, against its socket's
  rate (BACKPROP_CLASS_FRAMES_PER_SECOND) and its address's (`AddressPace`: BACKPROP_CLASS_ADDRESS_FRAMES_PER_SECOND
  and FRAMES_PER_SOCKET more for each class socket the address has open), a large frame as one per
  FRAME_UNIT_BYTES; past either, the socket is not read until the rate allows: nothing is lost, the client is
  only slowed down;
- a message is parsed only once the app has taken the one before, and at most MESSAGES_PER_TURN frames
  (pings, say) per turn of the event loop: the rest of a read waits, and other sockets are served in between;
- a socket whose outgoing buffer stays full for BACKPROP_CLASS_SEND_TIMEOUT_SECONDS (it stopped reading) is
  closed;
- a room frame already framed for the wire (app/classroom/fanout.py) is written at once by `write_now`, offered
  to the app in the scope's extensions (WRITE_NOW), when the socket could take it through uvicorn's `send` now.

This relies on uvicorn's internals (`data_received`, `receive`, `read_paused`, `pause_writing`, `writable`,
`close_sent`, `conn`, `handle_connect`'s scope); uvicorn is pinned and tests/classroom/test_abuse_frames.py and
tests/classroom/test_fanout.py check the reliance.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, ClassVar

from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

from app.classroom.ratelimit import KeyedBuckets, TokenBucket
from app.classroom.socket_gate import SocketGate
from app.settings import Settings

log = logging.getLogger(__name__)

MESSAGES_PER_TURN = 16  # frames parsed before the event loop serves other sockets
FRAME_UNIT_BYTES = 4096  # a frame counts as one per this many bytes (a 256 KiB message as 64 small ones)
# An address's frame rate grows by this much per class socket it has open: a page's own pace (a hello, pongs, an
# answer now and then) with headroom, so a hall behind one NAT address is never slowed by the rate of a few.
FRAMES_PER_SOCKET = 2
WRITE_NOW = "backprop.write_now"  # the scope extension holding the socket's `write_now`


def paced_protocol(settings: Settings, gate: SocketGate) -> type[PacedWebSocketProtocol]:
    """A protocol class for one server: its rates, its own buckets per client address, and the gate that counts
    its class sockets (released here when one closes)."""
    attributes = {"frame_rate": settings.class_frames_per_second, "send_timeout": settings.class_send_timeout_seconds,
                  "addresses": AddressPace(settings.class_address_frames_per_second), "gate": gate}
    return type("PacedWebSocketProtocol", (PacedWebSocketProtocol,), attributes)


def frame_end(buffer: bytearray, max_size: int) -> int | None:
    """Where the first frame in `buffer` ends (RFC 6455 §5.2), None while it is incomplete. A frame over
    `max_size` ends "now": the parser refuses it from its header (close 1009) without waiting for its payload."""
    if len(buffer) < 2:
        return None
    length, start = buffer[1] & 0x7F, 2
    if length == 126:
        length, start = int.from_bytes(buffer[2:4], "big"), 4
    elif length == 127:
        length, start = int.from_bytes(buffer[2:10], "big"), 10
    if len(buffer) < start:
        return None
    if length > max_size:
        return len(buffer)
    end = start + (4 if buffer[1] & 0x80 else 0) + length
    return end if len(buffer) >= end else None


class AddressPace:
    """The frame rate of each client address: `base` a second, and FRAMES_PER_SOCKET more for each of its class
    sockets open in this process (counted from its first frame), with bursts of twice the rate. One client gains
    little by opening sockets (BACKPROP_CLASS_SOCKETS_PER_ADDRESS caps them); a hall behind one address gets
    a share per student."""

    def __init__(self, base: float) -> None:
        self.base = base
        self.buckets = KeyedBuckets(base, 2 * base)
        self.sockets: Counter[str] = Counter()

    def opened(self, address: str) -> TokenBucket:
        """A socket of `address` sends its first frame: the address's bucket, its rate grown by one socket's share."""
        self.sockets[address] += 1
        return self._resize(address)

    def closed(self, address: str) -> None:
        self.sockets[address] -= 1
        self._resize(address)
        if self.sockets[address] <= 0:
            del self.sockets[address]

    def _resize(self, address: str) -> TokenBucket:
        bucket = self.buckets.bucket(address)
        bucket.refill()  # the tokens earned at the old rate
        bucket.rate = self.base + FRAMES_PER_SOCKET * max(0, self.sockets[address])
        bucket.burst = 2 * bucket.rate
        return bucket


class PacedWebSocketProtocol(WebSocketsSansIOProtocol):
    """See the module docstring; use `paced_protocol(settings, gate)`."""

    frame_rate: ClassVar[int]
    send_timeout: ClassVar[float]
    addresses: ClassVar[AddressPace]
    gate: ClassVar[SocketGate]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unread = bytearray()  # received, not parsed yet
        self.upgrade_seen = False
        self.pacing: asyncio.Handle | None = None  # the next turn of parsing, while one is due
        self.bucket = TokenBucket(self.frame_rate, 2 * self.frame_rate)
        self.address_bucket: TokenBucket | None = None
        self.address = ""
        self.gated: str | None = None  # the address the gate counted this socket against (class sockets)
        self.stall: asyncio.TimerHandle | None = None

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if hasattr(self, "scope"):  # upgraded (a refused handshake has no scope)
            self.scope["extensions"][WRITE_NOW] = self.write_now  # type: ignore[index]

    # Incoming frames

    def data_received(self, data: bytes) -> None:
        if not self.upgrade_seen:  # the upgrade request itself, handed over by the HTTP protocol
            self.upgrade_seen = True
            super().data_received(data)
            return
        self.unread += data
        if self.pacing is None:
            self._parse_turn()

    def _parse_turn(self) -> None:
        self.pacing = None
        for _ in range(MESSAGES_PER_TURN):
            if self.read_paused or self.transport.is_closing():
                return  # the app has a message to take first: `receive` goes on from here
            end = frame_end(self.unread, self.config.ws_max_size)
            if end is None:
                self._read_more()
                return
            wait = self._frame_wait(end)
            if wait > 0:
                self._pause(self.loop.call_later(wait, self._parse_turn))
                return
            frame, self.unread = bytes(self.unread[:end]), self.unread[end:]
            super().data_received(frame)
        self._pause(self.loop.call_soon(self._parse_turn))

    def _frame_wait(self, size: int) -> float:
        """0 when a frame of `size` bytes fits both the socket's and the address's rate (and takes it), else
        seconds to wait."""
        if self.address_bucket is None:
            client = self.scope.get("client") if hasattr(self, "scope") else None  # after the proxy headers
            self.address = client[0] if client else "unknown"
            self.address_bucket = self.addresses.opened(self.address)
        cost = min(1 + size // FRAME_UNIT_BYTES, self.bucket.burst, self.address_bucket.burst)
        wait = max(self.bucket.retry_after(cost), self.address_bucket.retry_after(cost))
        if wait == 0:
            self.bucket.allow(cost)
            self.address_bucket.allow(cost)
        return wait

    def _pause(self, handle: asyncio.Handle) -> None:
        self.pacing = handle
        if not self.transport.is_closing():
            self.transport.pause_reading()

    def _read_more(self) -> None:
        if not self.read_paused and not self.transport.is_closing():
            self.transport.resume_reading()

    async def receive(self) -> ASGIReceiveEvent:
        """uvicorn's, except that the app takes one message at a time: the next is parsed once this one is taken."""
        message = await self.queue.get()
        if self.read_paused and self.queue.empty():
            self.read_paused = False
            if self.pacing is None:
                self._parse_turn()
        return message

    def connection_lost(self, exc: Exception | None) -> None:
        for handle in (self.pacing, self.stall):
            if handle is not None:
                handle.cancel()
        self.pacing = self.stall = None
        if self.address_bucket is not None:
            self.addresses.closed(self.address)
            self.address_bucket = None
        if self.gated is not None:
            self.gate.release(self.gated)
            self.gated = None
        super().connection_lost(exc)

    # Outgoing frames

    def write_now(self, wire: bytes) -> bool:
        """Write a text message framed for the wire (fanout.wire_frame) if uvicorn's `send` would write it now: the
        socket open, its buffer under the high-water mark, no extension to apply. False: send it through `send`."""
        if (self.close_sent or self.disconnected or not self.handshake_complete or not self.writable.is_set()
                or self.transport.is_closing() or self.conn.state is not State.OPEN or self.conn.extensions):
            return False
        self.transport.write(wire)
        return True

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.stall is None:
            self.stall = self.loop.call_later(self.send_timeout, self._stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.stall is not None:
            self.stall.cancel()
            self.stall = None

    def _stalled(self) -> None:
        self.stall = None
        log.info("classroom: closing a socket that read nothing for %g s", self.send_timeout)
        self.transport.abort()
