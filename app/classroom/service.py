"""One server process's side of its classes, the entry point the routes use (`app.state.classroom`).

The store (app/classroom/store.py) owns each room's state; this process keeps only what belongs to its own
connections. The work is split by responsibility:
- `admission`: who may join (codes, tokens, join rates, room size);
- `catchup`: the welcome, the frames a page missed, snapshots;
- `handlers`: what each message a page sends does;
- `rooms`: this process's sessions per room, fan-out, latest-wins frames (`throttle`);
- `heartbeat`: expiry, renewal, beats.
With a broker-backed store, every process runs one of these and they meet in the store.
"""

from __future__ import annotations

from typing import Any

from app.classroom import protocol
from app.classroom.admission import Admission
from app.classroom.budget import MessageBudget
from app.classroom.catchup import CatchUp
from app.classroom.fanout import Connection
from app.classroom.handlers import MessageHandlers
from app.classroom.heartbeat import Heartbeat
from app.classroom.own_numbers import StudentNumbers
from app.classroom.protocol import Hello, Refused
from app.classroom.rooms import LocalRoom, LocalRooms, Session
from app.classroom.store import Lifecycle, MemoryRoomStore, Presence, Results, Room, RoomStore
from app.classroom.tokens import normalize_join_code, token_matches
from app.api.answers import AnswerCache
from app.settings import Settings

PAUSED_REASON = "the server lost its link to Redis and is reconnecting"

__all__ = ["Classroom", "Session"]


class Classroom:
    """The classes served by this process."""

    def __init__(self, settings: Settings, store: RoomStore | None = None, answers: AnswerCache | None = None) -> None:
        self.settings = settings
        # Students' own numbers: the app's answer memory; its lifespan gives `numbers.compute` the compute pool.
        self.numbers = StudentNumbers(answers or AnswerCache(settings.answer_cache_bytes))
        self.store = store or MemoryRoomStore.for_settings(settings)
        self.store.on_link = self._on_link
        self.local = LocalRooms(self.store)
        self.admission = Admission(settings, self.store, self.local)
        self.catch_up = CatchUp(settings, self.store, self.local)
        self.handlers = MessageHandlers(settings, self.store, self.local, self.catch_up, self.numbers)
        self.heartbeat = Heartbeat(settings, self.store, self.local)

    # ---- rooms (the HTTP routes) --------------------------------------------------------------------------

    async def create_room(self) -> tuple[Room, str]:
        self.heartbeat.ensure()
        return await self.store.create_room(self.settings.class_max_rooms)

    async def find_room(self, text: str) -> Room | None:
        code = normalize_join_code(text)
        return await self.store.room(code) if code else None

    async def has_ended(self, code: str) -> bool:
        return await self.store.has_ended(code)

    async def presence(self, code: str) -> Presence:
        return await self.store.presence(code)

    async def state(self, code: str) -> tuple[int, bytes | None]:
        return await self.store.state(code)

    async def results(self, code: str) -> Results | None:
        return await self.store.results(code)

    async def upload_state(self, room: Room, token: str, state: bytes) -> int | None:
        """The presenter's shared state (PUT …/state); its seq, or None when `token` is not the presenter's."""
        if not token_matches(token, room.token_digest):
            return None
        return await self.handlers.upload_state(room.code, state)

    async def places(self, code: str) -> dict[str, int]:
        """Student id → place in the room (1, 2, 3 … in order of first join)."""
        return await self.store.places(code)

    async def names(self, code: str) -> dict[str, str]:
        """Student id → the name given at joining (issue 14, optional names at join)."""
        return await self.store.names(code)

    async def join_allowed(self, address: str) -> bool:
        return await self.admission.join_allowed(address)

    def join_limited(self, address: str) -> bool:
        return self.admission.join_limited(address)

    def join_refusal(self) -> str:
        return self.admission.join_refusal()

    # ---- sessions (the WebSocket endpoint) ----------------------------------------------------------------

    async def open_session(self, hello: Hello, connection: Connection, address: str) -> Session:
        """Admit a connection after its hello (Refused when it cannot join), then queue its catch-up. A store that
        cannot serve it now (Redis away, or its connection pool empty in a join burst) is a refusal to retry."""
        try:
            return await self._open_session(hello, connection, address)
        except self.store.unavailable_errors as error:
            raise Refused("try_again", f"the server could not reach its room store just now ({error}); this page "
                          "joins again in a few seconds", protocol.CLOSE_TRY_AGAIN) from None

    async def _open_session(self, hello: Hello, connection: Connection, address: str) -> Session:
        self.heartbeat.ensure()
        room, student_id = await self.admission.admit(hello, address)
        budget = MessageBudget(self.settings, hello.role)
        session = Session(room.code, hello.role, connection, budget, address, student_id)
        connection.snapshot = lambda: self.catch_up.snapshot_frame(room.code)
        local = await self.local.open(room.code)
        connection.hold()  # live frames wait until the welcome and the catch-up are queued ahead of them
        try:
            if session.role == "presenter":
                self._make_room_for_presenter(local)
                local.presenters.add(session)
                await self.store.set_lifecycle(room.code, Lifecycle.LIVE)
                local.throttles["tally"].poke()  # a reloaded presenter sees the open question's answers again
            else:
                if hello.name is not None:
                    await self.store.set_name(room.code, session.student_id or "", hello.name)
                self.local.replace_student(local, session)
                await self.store.set_presence(room.code, session.student_id or "", False)
                local.throttles["presence"].poke()
            room = await self.store.room(room.code) or room
            connection.push(await self.catch_up.welcome(room, session))
            await self.catch_up.send(session, hello.epoch, hello.last_seq)
        except self.store.unavailable_errors:
            self._drop_local(local, session)  # never admitted: no room of this process keeps it
            raise
        finally:
            connection.release()
        return session

    def _drop_local(self, local: LocalRoom, session: Session) -> None:
        local.presenters.discard(session)
        if session.student_id is not None and local.students.get(session.student_id) is session:
            del local.students[session.student_id]
        if not local.sessions():
            self.local.forget(local)

    def _make_room_for_presenter(self, local: LocalRoom) -> None:
        """At BACKPROP_CLASS_PRESENTERS_PER_ROOM, a new presenter socket (a reload, a second screen) replaces the oldest."""
        while len(local.presenters) >= self.settings.class_presenters_per_room:
            oldest = min(local.presenters, key=lambda presenter: presenter.opened_at)
            local.presenters.discard(oldest)
            oldest.connection.push(protocol.error_frame("replaced", "this class was opened as presenter elsewhere "
                                                        "(BACKPROP_CLASS_PRESENTERS_PER_ROOM)"))
            oldest.connection.close(protocol.CLOSE_REPLACED, "replaced by a newer presenter connection")

    async def handle(self, session: Session, text: str | bytes | None) -> None:
        await self.handlers.handle(session, text)

    def error_context(self, text: str | bytes | None) -> dict[str, Any]:
        return self.handlers.error_context(text)

    async def close_session(self, session: Session) -> None:
        local = self.local.get(session.code)
        if local is None:
            return
        if session.role == "presenter":
            local.presenters.discard(session)
            if not local.presenters and await self.store.room(session.code) is not None:
                await self.store.set_lifecycle(session.code, Lifecycle.IDLE)
        elif session.student_id is not None and local.students.get(session.student_id) is session:
            del local.students[session.student_id]
            await self.store.drop_presence(session.code, session.student_id)
            local.throttles["presence"].poke()
        if not local.sessions():
            self.local.forget(local)

    async def snapshot_frame(self, code: str) -> str:
        return await self.catch_up.snapshot_frame(code)

    # ---- the process ------------------------------------------------------------------------------------

    def ensure_heartbeat(self) -> None:
        self.heartbeat.ensure()

    async def beat(self) -> None:
        await self.heartbeat.beat()

    async def _on_link(self, up: bool) -> None:
        """Redis went away (every page hears "paused") or came back ("resumed"; followers then resync)."""
        self.local.push_all(protocol.frame({"type": "resumed"} if up else {"type": "paused", "reason": PAUSED_REASON}))
