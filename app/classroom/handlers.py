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
from app.classroom import own_numbers
from app.classroom.own_numbers import StudentNumbers
from app.classroom.questions import (
    OWN_KINDS, Answer, Question, QuestionError, own_target, parse_answer, parse_name, parse_question, tally,
)
from app.core.variants import variant_presets
from app.classroom import results
from app.classroom.rooms import LocalRooms, Session
from app.classroom.store import Room, RoomStore, StoreError
from app.settings import Settings

STALL_SECONDS = 0.25  # a message that took this long waited on the store, not on the page
PAUSED_REFUSAL = "not sent, class paused: the server lost its link to Redis and is reconnecting; send it again"

Handler = Callable[["MessageHandlers", Session, dict[str, Any]], Awaitable[None]]


class MessageHandlers:
    def __init__(self, settings: Settings, store: RoomStore, rooms: LocalRooms, catch_up: CatchUp,
                 numbers: StudentNumbers) -> None:
        self.settings, self.store, self.rooms, self.catch_up = settings, store, rooms, catch_up
        self.numbers = numbers

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

    async def variants(self, session: Session, message: dict[str, Any]) -> None:
        """Each student their own numbers of `preset` (null: everyone the teacher's again): a room setting and a
        frame in the log; the students' pages then fetch their own numbers (GET …/numbers)."""
        preset_id = message.get("preset")
        if preset_id is not None and preset_id not in variant_presets():
            raise ProtocolError("no_variants", f"preset must be null or one with variants ({', '.join(variant_presets())}"
                                "): the others are too large to compute by hand", "preset")
        await self._live_room(session.code)
        await self.store.set_variants(session.code, preset_id or "")
        delivery = await self.store.append(session.code, {"type": "variants", "preset": preset_id})
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
        room = await self._live_room(session.code)
        if room.variants and question.kind in OWN_KINDS:
            question = replace(question, own=room.variants)
            self._check_own_target(question)
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
        counts = {key: summary[key] for key in ("answers", "right", "counts", "other", "cells_right", "verdicts")
                  if key in summary}
        delivery = await self.store.append(session.code, {"type": "reveal", "question_id": question.id,
                                                          "expected": revealed.expected, "tally": counts})
        session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message),
                                                "seq": delivery.seq}))
        self.rooms.poke(session.code, "tally")  # the presenter's names, now marked right or wrong

    async def answer(self, session: Session, message: dict[str, Any]) -> None:
        question = await self._question(session.code, message)
        if question.revealed:
            raise ProtocolError("question_closed", f"question {question.id} was already revealed", "question_id")
        assert session.student_id is not None
        if message.get("name"):  # pages from before names at joining send the name with each answer
            await self.store.set_name(session.code, session.student_id, parse_name(message["name"]))
        place = await self.store.place(session.code, session.student_id)
        assert place is not None  # every admitted student has one
        label = ""
        if question.own and question.kind in OWN_KINDS:
            room = await self._live_room(session.code)
            label = own_numbers.label(place)
            own, shown = await self._own_expected(room, question, place)
            answer = parse_answer(question, message.get("answer"), own, shown)
        else:
            answer = parse_answer(question, message.get("answer"))
        await self.store.put_answer(session.code, question.id, session.student_id, answer)
        await self.record_answer(session, question, answer, place, label)
        session.connection.push(protocol.frame({"type": "answered", "question_id": question.id}))
        self.rooms.poke(session.code, "tally")

    async def record_answer(self, session: Session, question: Question, answer: Answer, place: int,
                            variant_label: str) -> None:
        """The results log's call site (issue 14, "Results after class", h2-results's recorder): one record per
        answer with the per-student verdict (`answer.verdict`: right / close / wrong by the one judging rule, on
        the student's own numbers in variants mode), the student's place and own-numbers label ("" when
        variants are off)."""
        verdict = answer.verdict if answer.verdict in results.VERDICTS else None  # else right/wrong from `correct`
        await results.record_answer(self.store, session.code, question, answer, session.student_id,
                                    verdict=verdict, variant=variant_label, place=place)

    async def name(self, session: Session, message: dict[str, Any]) -> None:
        """The name a student gives (at joining, or changed in the class bar; "" takes it back)."""
        assert session.student_id is not None
        await self._live_room(session.code)
        await self.store.set_name(session.code, session.student_id, parse_name(message.get("name")))
        if message.get("id") is not None:
            session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message)}))
        self.rooms.poke(session.code, "tally")

    def _check_own_target(self, question: Question) -> None:
        """A question judged on each student's own numbers names a step and matrix of the preset's network."""
        step_id, matrix, row, col = own_target(question)
        steps, shapes = own_numbers.preset_network(question.own)
        if step_id not in steps or matrix not in shapes:
            raise QuestionError("question.target", f"question.target must name a step and matrix of {question.own}'s "
                                "network")
        rows, cols = shapes[matrix]
        if question.kind != "cells" and not (row < rows and col < cols):
            raise QuestionError("question.target", f"question.target's cell must be within the {rows}×{cols} matrix")

    async def _own_expected(self, room: Room, question: Question, place: int) -> tuple[Any, Any]:
        """The question's right answer on this student's own numbers, and the same from the shown inputs."""
        step_id, matrix, row, col = own_target(question)
        exact, shown = await self.numbers.expected(question.own, room.seed, place, question.iteration, step_id, matrix,
                                                   question.judged_at)
        if question.kind == "cells":
            return exact.tolist(), None if shown is None else shown.tolist()
        value = float(exact[row, col])
        if question.kind == "sign":
            return ("0" if abs(value) < 1e-12 else "+" if value > 0 else "-"), None
        return value, None if shown is None else float(shown[row, col])

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
    "variants": MessageHandlers.variants,
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
