"""What a page is sent to come (back) to the room's present: its welcome, the frames it missed, a snapshot."""

from __future__ import annotations

from typing import Any

import orjson

from app.web.json import dumps
from app.classroom import protocol
from app.classroom.questions import tally, verdict_fields
from app.classroom.rooms import LocalRooms, Session
from app.classroom.store import Room, RoomStore
from app.settings import Settings


class CatchUp:
    def __init__(self, settings: Settings, store: RoomStore, rooms: LocalRooms) -> None:
        self.settings, self.store, self.rooms = settings, store, rooms

    async def welcome(self, room: Room, session: Session) -> str:
        welcome: dict[str, Any] = {
            "type": "welcome",
            "protocol": protocol.PROTOCOL_VERSION,
            "role": session.role,
            "code": room.code,
            "epoch": room.epoch,
            "seq": room.head,
            "lifecycle": room.lifecycle.value,
            "heartbeat_seconds": self.settings.class_heartbeat_seconds,
            "max_message_bytes": self.settings.class_max_message_bytes,
            "state_every": max(1, self.settings.class_log_size // 4),  # log entries between state uploads
            "since_state": room.head - room.state_seq,  # entries already in the log after its last state
        }
        if session.student_id is not None:
            welcome["student_id"] = session.student_id
            welcome["name"] = await self.store.name(room.code, session.student_id)
            welcome["your_answer"] = await self._own_answer(room, session.student_id)
        return protocol.frame(welcome)

    async def _own_answer(self, room: Room, student_id: str) -> dict[str, Any] | None:
        """The student's answer to the current question (and whether it was right, once revealed)."""
        if room.question_id is None:
            return None
        question = await self.store.question(room.code, room.question_id)
        answer = (await self.store.answers(room.code, room.question_id)).get(student_id)
        if question is None or answer is None:
            return None
        own: dict[str, Any] = {"question_id": question.id, "answer": answer.value}
        if question.revealed:
            own.update(verdict_fields(answer))
        return own

    async def send(self, session: Session, epoch: str | None, last_seq: int | None) -> None:
        """The frames a page missed since `last_seq` of `epoch`, or a snapshot when the log cannot say."""
        room = await self.store.room(session.code)
        if room is None:
            return
        missed = None
        if epoch == room.epoch and last_seq is not None and last_seq <= room.head:
            missed = await self.store.since(room.code, last_seq)
        local = self.rooms.get(room.code)
        if missed is None:
            session.connection.push(await self.snapshot_frame(room.code))
        else:
            for delivery in missed:
                session.connection.push(delivery.frame)
            if local is not None and local.pointer is not None:
                session.connection.push(protocol.frame({"type": "pointer", "pointer": local.pointer}))
        if local is not None and local.progress is not None:
            session.connection.push(protocol.frame({"type": "progress", "training": local.progress}))

    async def snapshot_frame(self, code: str) -> str:
        """Everything a page needs to show the class now but the state itself (GET …/state, cached by ETag):
        the log's frames after that state, the room's flags, its question and the pointer.
        Encoded once per (head, state_seq)."""
        room = await self.store.room(code)
        if room is None:
            return protocol.frame({"type": "ended", "reason": "expired" if await self.store.has_ended(code) else "lost"})
        local = self.rooms.get(code)
        key = (room.head, room.state_seq)
        if local is not None and local.snapshot is not None and local.snapshot[0] == key:
            return local.snapshot[1]
        entries = await self.store.since(code, room.state_seq)
        complete = entries is not None
        if entries is None:  # never while the presenter uploads its state every `state_every` commands
            entries = await self.store.since(code, max(0, room.head - self.settings.class_log_size)) or []
        snapshot = {
            "type": "snapshot",
            "epoch": room.epoch,
            "seq": room.head,
            "lifecycle": room.lifecycle.value,
            "state_seq": room.state_seq,
            "entries": [orjson.Fragment(entry.frame.encode()) for entry in entries],
            "complete": complete,
            "locked": room.locked,
            "projector": room.projector,
            "variants": room.variants or None,
            "question": await self._question(room),
            "pointer": local.pointer if local else None,
        }
        encoded = dumps(snapshot).decode()
        if local is not None:
            local.snapshot = (key, encoded)
        return encoded

    async def _question(self, room: Room) -> dict[str, Any] | None:
        """The open question as students see it; once revealed, with the right answer and the final tally."""
        question = await self.store.question(room.code, room.question_id) if room.question_id else None
        if question is None:
            return None
        shown = question.public()
        if question.revealed:
            shown["tally"] = tally(question, await self.store.answers(room.code, question.id))  # counts: no names
        return shown
