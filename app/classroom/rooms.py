"""This process's side of each room: its connected sessions, the fan-out of the room's frames to them, and
the latest-wins frames (pointer, tally, presence) it publishes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.classroom import protocol
from app.classroom.budget import MessageBudget
from app.classroom.fanout import Connection, offer_all
from app.classroom.questions import tally, verdict_fields
from app.classroom.store import Delivery, RoomStore
from app.classroom.throttle import Throttle


@dataclass(eq=False)
class Session:
    """One connected page: a presenter or a student of one room."""

    code: str
    role: str
    connection: Connection
    budget: MessageBudget
    address: str = ""
    student_id: str | None = None
    opened_at: float = field(default_factory=time.monotonic)


@dataclass(eq=False)
class LocalRoom:
    """This process's connections to one room, and its latest-wins timers."""

    code: str
    presenters: set[Session] = field(default_factory=set)
    students: dict[str, Session] = field(default_factory=dict)
    unsubscribe: Callable[[], None] | None = None
    pointer: Any = None
    progress: Any = None  # the presenter's latest training progress, for a page that joins during a training
    throttles: dict[str, Throttle] = field(default_factory=dict)  # "pointer", "tally", "presence"
    snapshot: tuple[tuple[int, int], str] | None = None  # ((head, state_seq), encoded snapshot)

    def sessions(self) -> list[Session]:
        return [*self.presenters, *self.students.values()]


class LocalRooms:
    """The rooms this process serves (`rooms[code]`), subscribed to the store while someone is connected."""

    def __init__(self, store: RoomStore) -> None:
        self.store = store
        self.rooms: dict[str, LocalRoom] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def get(self, code: str) -> LocalRoom | None:
        return self.rooms.get(code)

    def __iter__(self) -> Any:
        return iter(list(self.rooms.values()))

    async def open(self, code: str) -> LocalRoom:
        local = self.rooms.get(code)
        if local is None:
            local = self.rooms[code] = LocalRoom(code)
            local.throttles = {
                "pointer": Throttle(protocol.POINTER_INTERVAL_SECONDS, lambda: self.spawn(self._send_pointer(local))),
                "tally": Throttle(protocol.TALLY_INTERVAL_SECONDS, lambda: self.spawn(self._send_tally(local))),
                "presence": Throttle(protocol.TALLY_INTERVAL_SECONDS, lambda: self.spawn(self._send_presence(local))),
            }
            local.unsubscribe = await self.store.subscribe(code, lambda delivery: self._fan_out(local, delivery))
        return local

    def poke(self, code: str, what: str) -> None:
        """Ask for a latest-wins frame ("pointer", "tally", "presence") of the room, if it is served here."""
        local = self.rooms.get(code)
        if local is not None:
            local.throttles[what].poke()

    def replace_student(self, local: LocalRoom, session: Session) -> None:
        """The same student on a new connection (a reload): the old one is closed."""
        assert session.student_id is not None
        previous = local.students.get(session.student_id)
        if previous is not None:
            previous.connection.push(protocol.error_frame("replaced", "this class was opened again in another tab"))
            previous.connection.close(protocol.CLOSE_REPLACED, "replaced by a newer connection")
        local.students[session.student_id] = session

    def _fan_out(self, local: LocalRoom, delivery: Delivery) -> None:
        """Offer one encoded frame to every connection of the room in this process (never waits)."""
        targets: Any = local.presenters if delivery.audience == "presenters" else local.sessions()
        offer_all((session.connection for session in targets), delivery.frame)
        if delivery.kind == "reveal":
            self.spawn(self._send_results(local, delivery.frame))
        elif delivery.kind == "ended":
            self.close_room(local, "ended_by_presenter")

    async def _send_results(self, local: LocalRoom, frame: str) -> None:
        """After a reveal, each student of this process hears whether their own answer was right."""
        question_id = orjson.loads(frame)["question_id"]
        answers = await self.store.answers(local.code, question_id)
        for student_id, session in list(local.students.items()):
            answer = answers.get(student_id)
            result: dict[str, Any] = {"type": "result", "question_id": question_id, "answered": answer is not None,
                                      "correct": False, **(verdict_fields(answer) if answer is not None else {})}
            session.connection.push(protocol.frame(result))

    def close_room(self, local: LocalRoom, reason: str) -> None:
        ended = protocol.frame({"type": "ended", "reason": reason})
        for session in local.sessions():
            if reason != "ended_by_presenter":
                session.connection.push(ended)
            session.connection.close(protocol.CLOSE_ENDED, "the class has ended")
        self.forget(local)

    def forget(self, local: LocalRoom) -> None:
        if self.rooms.get(local.code) is local:
            del self.rooms[local.code]
        if local.unsubscribe is not None:
            local.unsubscribe()
        for throttle in local.throttles.values():
            throttle.cancel()

    async def _send_pointer(self, local: LocalRoom) -> None:
        await self.store.publish_volatile(local.code, {"type": "pointer", "pointer": local.pointer})

    async def _send_tally(self, local: LocalRoom) -> None:
        room = await self.store.room(local.code)
        question = await self.store.question(local.code, room.question_id) if room and room.question_id else None
        if question is not None:
            summary = tally(question, await self.store.answers(local.code, question.id), await self.store.names(local.code))
            await self.store.publish_volatile(local.code, {"type": "tally", **summary}, audience="presenters")

    async def _send_presence(self, local: LocalRoom) -> None:
        presence = await self.store.presence(local.code)
        await self.store.publish_volatile(
            local.code, {"type": "presence", "students": presence.students, "exploring": presence.exploring},
            audience="presenters")

    def push_all(self, frame: str) -> None:
        """One frame to every connection of every room of this process (paused, resumed)."""
        for local in self:
            for session in local.sessions():
                session.connection.push(frame)

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
