"""The heartbeat: every `class_heartbeat_seconds`, expire idle rooms, renew the live ones in the store, and
send every connection the room's latest seq (a page that missed a frame sees the gap and resyncs)."""

from __future__ import annotations

import asyncio
import logging

from app.classroom import protocol
from app.classroom.fanout import offer_all
from app.classroom.rooms import LocalRooms
from app.classroom.store import RoomStore
from app.settings import Settings

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, settings: Settings, store: RoomStore, rooms: LocalRooms) -> None:
        self.settings, self.store, self.rooms = settings, store, rooms
        self._task: asyncio.Task[None] | None = None

    def ensure(self) -> None:
        """Start the heartbeat on the running loop (once per loop: tests run several)."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._beat_forever(), name="classroom-heartbeat")

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.class_heartbeat_seconds)
            try:
                await self.beat()
            except Exception:  # noqa: BLE001 - the heartbeat must outlive one bad room
                log.exception("classroom: heartbeat failed")

    async def beat(self) -> None:
        """Expire idle rooms, then send every connection the latest seq (exposes silent loss)."""
        if not self.store.link_up:
            return  # the pages were told "paused"; the store's reader reconnects
        for code in await self.store.expire_idle(self.settings.class_idle_seconds):
            local = self.rooms.get(code)
            if local is not None:
                self.rooms.close_room(local, "expired")
        for local in self.rooms:
            room = await self.store.room(local.code)
            if room is None:
                # Expired elsewhere (its code is remembered), or lost: a Redis that came back empty, a restart.
                self.rooms.close_room(local, "expired" if await self.store.has_ended(local.code) else "lost")
                continue
            await self.store.keep_alive(local.code, presenter=bool(local.presenters))
            await self.store.touch_presence(local.code, list(local.students))
            beat = protocol.frame({"type": "beat", "seq": room.head, "epoch": room.epoch})
            offer_all((session.connection for session in local.sessions()), beat)
            if local.presenters:
                local.throttles["presence"].poke()
