"""What each message a connected page sends does (one method per message type); a broken rule is answered
with an error frame and changes nothing."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import orjson

from app.web.json import dumps
from app.classroom import protocol
from app.classroom.catchup import CatchUp
from app.classroom.protocol import ProtocolError
from app.classroom.questions import Question, QuestionError, parse_answer, parse_name, parse_question, tally
from app.classroom.results import record_answer
from app.classroom.rooms import LocalRooms, Session
from app.classroom.store import Room, RoomStore, StoreError
from app.settings import Settings

STALL_SECONDS = 0.25  # a message that took this long waited on the store, not on the page
PAUSED_REFUSAL = "not sent, class paused: the server lost its link to Redis and is reconnecting; send it again"

Handler = Callable[["MessageHandlers", Session, dict[str, Any]], Awaitable[None]]


class MessageHandlers:
    def __init__(self, settings: Settings, store: RoomStore, rooms: LocalRooms, catch_up: CatchUp) -> None:
        self.settings, self.store, self.rooms, self.catch_up = settings, store, rooms, catch_up

    async def handle(self, session: Session, text: str | bytes | None) -> None:
        """One message from a connected page. A message over its budget raises OverBudget
        (app/classroom/budget.py) for the socket to act on."""
        try:
            try:
                message = protocol.parse_message(text, self.settings.class_max_message_bytes)
            except ProtocolError:
                session.budget.spend(None)  # an unreadable message counts too
                raise
            kind = message["type"]
            session.budget.spend(kind)
            if not self.store.link_up:
                raise ProtocolError("paused", PAUSED_REFUSAL)
            started = time.monotonic()
            try:
                await self._dispatch(session, kind, message)
            except self.store.unavailable_errors:
                raise ProtocolError("paused", PAUSED_REFUSAL) from None
            finally:
                waited = time.monotonic() - started
                if waited >= STALL_SECONDS:  # the store stalled: what the page sent meanwhile is not a burst
                    session.budget.credit(kind, waited)
        except (ProtocolError, QuestionError, StoreError) as error:
            code = getattr(error, "code", "bad_answer" if isinstance(error, QuestionError) else "refused")
            session.connection.push(protocol.error_frame(code, str(error), getattr(error, "field", None),
                                                         **self.error_context(text)))

    @staticmethod
    def error_context(text: str | bytes | None) -> dict[str, Any]:
        """The refused message's "id" and type ("about") when they can be read: the page knows which one failed."""
        try:
            message = orjson.loads(text) if text is not None and len(text) <= 4096 else None
        except orjson.JSONDecodeError:
            return {}
        if not isinstance(message, dict):
            return {}
        context = {"id": message.get("id"), "about": message.get("type")}
        return {key: value for key, value in context.items() if isinstance(value, (str, int))}

    async def _dispatch(self, session: Session, kind: str, message: dict[str, Any]) -> None:
        if kind in protocol.PRESENTER_TYPES and session.role != "presenter":
            raise ProtocolError("not_presenter", f"only the presenter can send {kind!r}; nothing was changed", "type")
        if kind in protocol.STUDENT_TYPES and session.role != "student":
            raise ProtocolError("not_student", f"only a student sends {kind!r}", "type")
        handler = HANDLERS.get(kind)
        if handler is None:
            known = ", ".join(sorted(HANDLERS))
            raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}; known: {known}", "type")
        await handler(self, session, message)

    async def command(self, session: Session, message: dict[str, Any]) -> None:
        """A small shared command (a step, an option, a selection): logged and fanned out as it is."""
        command = protocol.parse_command(message)
        room = await self._live_room(session.code)
        if room.head - room.state_seq >= self.settings.class_log_size - 1:
            raise ProtocolError("state_required", "upload the page's shared state first (PUT …/state): the log no "
                                "longer reaches back to the last state", "state")
        await self._close_revealed(room)
        delivery = await self.store.append(session.code, {"type": "command", "command": orjson.Fragment(dumps(command))})
        session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message), "seq": delivery.seq}))

    async def upload_state(self, code: str, state: bytes) -> int:
        """The presenter's whole shared state (PUT …/state): one `state` frame in the log; its seq."""
        room = await self._live_room(code)
        await self._close_revealed(room)
        delivery = await self.store.append_state(code, state)
        assert delivery.seq is not None
        return delivery.seq

    async def _close_revealed(self, room: Room) -> None:
        """The teacher moves on after a reveal: the question is over (it leaves every page's bar)."""
        if room.question_id is not None:
            question = await self.store.question(room.code, room.question_id)
            if question is not None and question.revealed:
                await self.store.clear_question(room.code)

    async def lock(self, session: Session, message: dict[str, Any]) -> None:
        """Students follow only (or may explore again): a room flag, and a frame in the log."""
        locked = protocol.parse_flag(message, "locked")
        await self._flag(session, message, "locked", locked, {"type": "lock", "locked": locked})

    async def projector(self, session: Session, message: dict[str, Any]) -> None:
        projector = protocol.parse_flag(message, "projector")
        await self._flag(session, message, "projector", projector, {"type": "projector", "projector": projector})

    async def _flag(self, session: Session, message: dict[str, Any], name: str, value: bool,
                    frame: dict[str, Any]) -> None:
        await self._live_room(session.code)
        await self.store.set_flag(session.code, name, value)
        delivery = await self.store.append(session.code, frame)
        session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message), "seq": delivery.seq}))

    async def progress(self, session: Session, message: dict[str, Any]) -> None:
        """The presenter's training progress: latest wins, not logged (the finished run arrives as a state)."""
        training = protocol.parse_progress(message)
        local = self.rooms.get(session.code)
        if local is not None:
            local.progress = training
        await self.store.publish_volatile(session.code, {"type": "progress", "training": training})

    async def ask(self, session: Session, message: dict[str, Any]) -> None:
        raw = message.get("question")
        target = raw.get("target") if isinstance(raw, dict) else None
        question_id = await self.store.next_question_id(session.code)
        question = parse_question(question_id, raw, len(dumps(target)))
        await self._live_room(session.code)
        await self.store.put_question(session.code, question)
        delivery = await self.store.append(session.code, {"type": "question", "question": question.public()})
        session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message),
                                                "seq": delivery.seq, "question_id": question_id}))
        self.rooms.poke(session.code, "tally")

    async def reveal(self, session: Session, message: dict[str, Any]) -> None:
        question = await self._question(session.code, message)
        if question.revealed:
            raise ProtocolError("already_revealed", f"question {question.id} was already revealed", "question_id")
        revealed = replace(question, revealed=True)
        await self.store.put_question(session.code, revealed)
        summary = tally(revealed, await self.store.answers(session.code, question.id))  # counts only: no names
        counts = {key: summary[key] for key in ("answers", "right", "counts", "other", "cells_right") if key in summary}
        delivery = await self.store.append(session.code, {"type": "reveal", "question_id": question.id,
                                                          "expected": revealed.expected, "tally": counts})
        session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message),
                                                "seq": delivery.seq}))
        self.rooms.poke(session.code, "tally")  # the presenter's names, now marked right or wrong

    async def answer(self, session: Session, message: dict[str, Any]) -> None:
        question = await self._question(session.code, message)
        if question.revealed:
            raise ProtocolError("question_closed", f"question {question.id} was already revealed", "question_id")
        answer = parse_answer(question, message.get("answer"))
        assert session.student_id is not None
        if message.get("name"):  # pages from before names at joining send the name with each answer
            await self.store.set_name(session.code, session.student_id, parse_name(message["name"]))
        await self.store.put_answer(session.code, question.id, session.student_id, answer)
        await record_answer(self.store, session.code, question, answer, session.student_id)
        session.connection.push(protocol.frame({"type": "answered", "question_id": question.id}))
        self.rooms.poke(session.code, "tally")

    async def name(self, session: Session, message: dict[str, Any]) -> None:
        """The name a student gives (at joining, or changed in the class bar; "" takes it back)."""
        assert session.student_id is not None
        await self._live_room(session.code)
        await self.store.set_name(session.code, session.student_id, parse_name(message.get("name")))
        if message.get("id") is not None:
            session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message)}))
        self.rooms.poke(session.code, "tally")

    async def pointer(self, session: Session, message: dict[str, Any]) -> None:
        local = self.rooms.get(session.code)
        if local is not None:
            local.pointer = protocol.parse_pointer(message)
            local.throttles["pointer"].poke()

    async def end(self, session: Session, message: dict[str, Any]) -> None:
        await self.store.append(session.code, {"type": "ended", "reason": "ended_by_presenter"})
        await self.store.expire(session.code)

    async def mode(self, session: Session, message: dict[str, Any]) -> None:
        exploring = message.get("exploring")
        if not isinstance(exploring, bool):
            raise ProtocolError("bad_field", "exploring must be true or false", "exploring")
        await self.store.set_presence(session.code, session.student_id or "", exploring)
        self.rooms.poke(session.code, "presence")

    async def resync(self, session: Session, message: dict[str, Any]) -> None:
        last_seq = message.get("last_seq")
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            raise ProtocolError("bad_field", "last_seq must be a whole number, 0 or more", "last_seq")
        epoch = message.get("epoch")
        session.connection.hold()
        try:
            await self.catch_up.send(session, epoch if isinstance(epoch, str) else None, last_seq)
        finally:
            session.connection.release()

    async def ping(self, session: Session, message: dict[str, Any]) -> None:
        room = await self.store.room(session.code)
        session.connection.push(protocol.frame({"type": "pong", "seq": room.head if room else None}))

    async def _live_room(self, code: str) -> Room:
        room = await self.store.room(code)
        if room is None:
            raise ProtocolError("class_ended", "this class has ended")
        return room

    async def _question(self, code: str, message: dict[str, Any]) -> Question:
        question_id = message.get("question_id")
        question = await self.store.question(code, question_id) if isinstance(question_id, str) else None
        if question is None:
            raise ProtocolError("unknown_question", "question_id must name a question asked in this class", "question_id")
        return question


HANDLERS: dict[str, Handler] = {
    "command": MessageHandlers.command,
    "lock": MessageHandlers.lock,
    "projector": MessageHandlers.projector,
    "progress": MessageHandlers.progress,
    "ask": MessageHandlers.ask,
    "reveal": MessageHandlers.reveal,
    "answer": MessageHandlers.answer,
    "name": MessageHandlers.name,
    "pointer": MessageHandlers.pointer,
    "end": MessageHandlers.end,
    "mode": MessageHandlers.mode,
    "resync": MessageHandlers.resync,
    "ping": MessageHandlers.ping,
}
