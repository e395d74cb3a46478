"""One server process's side of its classes: sessions, local fan-out, heartbeats and expiry.

The store (app/classroom/store.py) owns each room's state; this module keeps only what belongs to the
connections of this process: who is connected to which room, their send queues, and timers. With a
broker-backed store, every process runs one of these and they meet in the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from app.classroom import protocol
from app.classroom.fanout import Connection
from app.classroom.protocol import Hello, ProtocolError, Refused
from app.classroom.questions import QuestionError, parse_answer, parse_question, tally
from app.classroom.ratelimit import TokenBucket
from app.classroom.store import Delivery, Lifecycle, MemoryRoomStore, Room, RoomStore, StoreError
from app.classroom.tokens import new_student_id, normalize_join_code, token_matches
from app.settings import Settings
from app.web.json import dumps

log = logging.getLogger(__name__)

POINTER_INTERVAL_SECONDS = 1 / 30  # pointer moves reach students at most 30 times a second, the latest one wins
TALLY_INTERVAL_SECONDS = 0.2  # the presenter's live tally and student count, at most 5 times a second
PAUSED_REFUSAL = "not sent, class paused: the server lost its link to Redis and is reconnecting; send it again"
PAUSED_REASON = "the server lost its link to Redis and is reconnecting"


@dataclass(eq=False)
class Session:
    """One connected page: a presenter or a student of one room."""

    code: str
    role: str
    connection: Connection
    bucket: TokenBucket
    student_id: str | None = None


@dataclass(eq=False)
class LocalRoom:
    """This process's connections to one room, and its latest-wins timers."""

    code: str
    presenters: set[Session] = field(default_factory=set)
    students: dict[str, Session] = field(default_factory=dict)
    unsubscribe: Callable[[], None] | None = None
    pointer: Any = None
    pointer_sent_at: float = 0.0
    pointer_timer: asyncio.TimerHandle | None = None
    tally_timer: asyncio.TimerHandle | None = None
    presence_timer: asyncio.TimerHandle | None = None
    snapshot: tuple[tuple[int, int], str] | None = None  # ((head, state_seq), encoded snapshot)

    def sessions(self) -> list[Session]:
        return [*self.presenters, *self.students.values()]


class Classroom:
    """The classes served by this process; `app.state.classroom`."""

    def __init__(self, settings: Settings, store: RoomStore | None = None) -> None:
        self.settings = settings
        self.store = store or MemoryRoomStore(settings.class_log_size)
        self.store.on_link = self._on_link
        self.rooms: dict[str, LocalRoom] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    # ---- rooms ------------------------------------------------------------------------------------------

    async def create_room(self) -> tuple[Room, str]:
        self.ensure_heartbeat()
        return await self.store.create_room(self.settings.class_max_rooms)

    async def find_room(self, text: str) -> Room | None:
        code = normalize_join_code(text)
        return await self.store.room(code) if code else None

    async def join_allowed(self, address: str) -> bool:
        """A join attempt from `address` (a code lookup, a new student): within BACKPROP_CLASS_JOINS_PER_MINUTE?
        Counted in the store, so the limit holds across every process sharing it."""
        return await self.store.allow_join(address, self.settings.class_joins_per_minute)

    def join_refusal(self) -> str:
        return (f"too many join attempts from this address (limit {self.settings.class_joins_per_minute} a minute, "
                "BACKPROP_CLASS_JOINS_PER_MINUTE); wait a little and try again")

    # ---- sessions ---------------------------------------------------------------------------------------

    async def open_session(self, hello: Hello, connection: Connection, address: str) -> Session:
        """Admit a connection after its hello (Refused when it cannot join), then queue its catch-up."""
        self.ensure_heartbeat()
        room = await self._room_for(hello, address)
        rate = self.settings.class_messages_per_second
        session = Session(room.code, hello.role, connection, TokenBucket(rate, 2 * rate))
        if hello.role == "presenter":
            if not token_matches(hello.token or "", room.token_digest):
                await self.join_allowed(address)  # a wrong token uses up one of the address's join attempts
                raise Refused("bad_token", "this is not the class's presenter token", protocol.CLOSE_BAD_TOKEN, "token")
        else:
            session.student_id = await self._admit_student(room, hello, address)
        connection.snapshot = lambda: self.snapshot_frame(room.code)
        local = await self._local_room(room.code)
        connection.hold()  # live frames wait until the welcome and the catch-up are queued ahead of them
        try:
            if session.role == "presenter":
                local.presenters.add(session)
                await self.store.set_lifecycle(room.code, Lifecycle.LIVE)
            else:
                self._replace_student(local, session)
                await self.store.set_presence(room.code, session.student_id or "", False)
                self._schedule_presence(local)
            room = await self.store.room(room.code) or room
            connection.push(await self._welcome(room, session))
            await self._catch_up(session, hello.epoch, hello.last_seq)
        finally:
            connection.release()
        return session

    async def _room_for(self, hello: Hello, address: str) -> Room:
        code = normalize_join_code(hello.code)
        room = await self.store.room(code) if code else None
        if room is not None:
            return room
        # A miss is a join attempt whatever the hello says, so codes cannot be probed faster than joins.
        if not await self.join_allowed(address):
            raise Refused("rate_limited", self.join_refusal(), protocol.CLOSE_RATE_LIMITED)
        if code and (hello.epoch is not None or await self.store.has_ended(code)):
            # A page that was in a class (it knows an epoch) or a code that existed: the class is over.
            raise Refused("class_ended", "this class has ended (or the server was restarted)", protocol.CLOSE_ENDED)
        raise Refused("unknown_class", f"no class with code {hello.code.strip().upper()[:16]!r}: check the code",
                      protocol.CLOSE_UNKNOWN_CLASS, "code")

    async def _admit_student(self, room: Room, hello: Hello, address: str) -> str:
        known = hello.student_id is not None and await self.store.known_student(room.code, hello.student_id)
        if known and hello.student_id:
            return hello.student_id  # a reconnect, not a join
        if not await self.join_allowed(address):
            raise Refused("rate_limited", self.join_refusal(), protocol.CLOSE_RATE_LIMITED)
        presence = await self.store.presence(room.code)
        limit = self.settings.class_max_students
        if presence.students >= limit:
            raise Refused("room_full", f"this class is full ({limit} students, BACKPROP_CLASS_MAX_STUDENTS)",
                          protocol.CLOSE_ROOM_FULL)
        student_id = new_student_id()
        await self.store.add_student(room.code, student_id)
        return student_id

    def _replace_student(self, local: LocalRoom, session: Session) -> None:
        """The same student on a new connection (a reload): the old one is closed."""
        assert session.student_id is not None
        previous = local.students.get(session.student_id)
        if previous is not None:
            previous.connection.push(protocol.error_frame("replaced", "this class was opened again in another tab"))
            previous.connection.close(protocol.CLOSE_REPLACED, "replaced by a newer connection")
        local.students[session.student_id] = session

    async def _welcome(self, room: Room, session: Session) -> str:
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
        }
        if session.student_id is not None:
            welcome["student_id"] = session.student_id
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
            own["correct"] = answer.correct
        return own

    async def _catch_up(self, session: Session, epoch: str | None, last_seq: int | None) -> None:
        """The frames a page missed since `last_seq` of `epoch`, or a snapshot when the log cannot say."""
        room = await self.store.room(session.code)
        if room is None:
            return
        missed = None
        if epoch == room.epoch and last_seq is not None and last_seq <= room.head:
            missed = await self.store.since(room.code, last_seq)
        if missed is None:
            session.connection.push(await self.snapshot_frame(room.code))
            return
        for delivery in missed:
            session.connection.push(delivery.frame)
        local = self.rooms.get(room.code)
        if local is not None and local.pointer is not None:
            session.connection.push(protocol.frame({"type": "pointer", "pointer": local.pointer}))

    async def snapshot_frame(self, code: str) -> str:
        """Everything a page needs to show the class now; encoded once per (head, state_seq)."""
        room = await self.store.room(code)
        if room is None:
            return protocol.frame({"type": "ended", "reason": "expired"})
        local = self.rooms.get(code)
        key = (room.head, room.state_seq)
        if local is not None and local.snapshot is not None and local.snapshot[0] == key:
            return local.snapshot[1]
        state_seq, state = await self.store.state(code)
        entries = await self.store.since(code, state_seq)
        complete = entries is not None
        if entries is None:  # never happens while the presenter sends its state when asked (state_wanted)
            entries = await self.store.since(code, max(0, room.head - self.settings.class_log_size)) or []
        inline = state is not None and len(state) <= protocol.INLINE_COMMAND_BYTES
        question = await self.store.question(code, room.question_id) if room.question_id else None
        snapshot = {
            "type": "snapshot",
            "epoch": room.epoch,
            "seq": room.head,
            "lifecycle": room.lifecycle.value,
            "state_seq": state_seq,
            "state": orjson.Fragment(state) if inline and state is not None else None,
            "state_ref": state is not None and not inline,
            "entries": [orjson.Fragment(entry.frame.encode()) for entry in entries],
            "complete": complete,
            "question": question.public() if question else None,
            "pointer": local.pointer if local else None,
        }
        encoded = dumps(snapshot).decode()
        if local is not None:
            local.snapshot = (key, encoded)
        return encoded

    async def close_session(self, session: Session) -> None:
        local = self.rooms.get(session.code)
        if local is None:
            return
        if session.role == "presenter":
            local.presenters.discard(session)
            if not local.presenters and await self.store.room(session.code) is not None:
                await self.store.set_lifecycle(session.code, Lifecycle.IDLE)
        elif session.student_id is not None and local.students.get(session.student_id) is session:
            del local.students[session.student_id]
            await self.store.drop_presence(session.code, session.student_id)
            self._schedule_presence(local)
        if not local.sessions():
            self._forget_local(local)

    # ---- messages ---------------------------------------------------------------------------------------

    async def handle(self, session: Session, text: str | bytes | None) -> None:
        """One message from a connected page; a broken rule is answered with an error frame, nothing changes."""
        try:
            message = protocol.parse_message(text, self.settings.class_max_message_bytes)
            kind = message["type"]
            if kind != "pointer" and not session.bucket.allow():
                raise ProtocolError("rate_limited", f"too many messages (limit {self.settings.class_messages_per_second} "
                                    "a second, BACKPROP_CLASS_MESSAGES_PER_SECOND): this one was ignored")
            if not self.store.link_up:
                raise ProtocolError("paused", PAUSED_REFUSAL)
            try:
                await self._dispatch(session, kind, message)
            except self.store.unavailable_errors:
                raise ProtocolError("paused", PAUSED_REFUSAL) from None
        except (ProtocolError, QuestionError, StoreError) as error:
            code = getattr(error, "code", "bad_answer" if isinstance(error, QuestionError) else "refused")
            session.connection.push(protocol.error_frame(code, str(error), getattr(error, "field", None),
                                                         **self._error_context(text)))

    @staticmethod
    def _error_context(text: str | bytes | None) -> dict[str, Any]:
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
        handler = self._handlers.get(kind)
        if handler is None:
            known = ", ".join(sorted(self._handlers))
            raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}; known: {known}", "type")
        await handler(self, session, message)

    async def _on_command(self, session: Session, message: dict[str, Any]) -> None:
        command, state = protocol.parse_command(message)
        ref = protocol.command_id(message)
        room = await self._live_room(session.code)
        log_size = self.settings.class_log_size
        if state is None and room.head - room.state_seq >= log_size - 1:
            raise ProtocolError("state_required", "send this command with the page's whole state (\"state\"): "
                                "the log no longer reaches back to the last state", "state")
        body = dumps(command)
        if len(body) > protocol.INLINE_COMMAND_BYTES:
            delivery = await self.store.append(session.code, {"type": "command"}, body)
        else:
            delivery = await self.store.append(session.code, {"type": "command", "command": orjson.Fragment(body)})
        assert delivery.seq is not None
        if state is not None:
            await self.store.set_state(session.code, delivery.seq, dumps(state))
        session.connection.push(protocol.frame({"type": "ack", "id": ref, "seq": delivery.seq}))
        if state is None and delivery.seq - room.state_seq == log_size // 2:  # once per state
            session.connection.push(protocol.frame({"type": "state_wanted", "seq": delivery.seq}))

    async def _on_ask(self, session: Session, message: dict[str, Any]) -> None:
        raw = message.get("question")
        target = raw.get("target") if isinstance(raw, dict) else None
        question_id = await self.store.next_question_id(session.code)
        question = parse_question(question_id, raw, len(dumps(target)))
        await self._live_room(session.code)
        await self.store.put_question(session.code, question)
        delivery = await self.store.append(session.code, {"type": "question", "question": question.public()})
        session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message),
                                                "seq": delivery.seq, "question_id": question_id}))
        self._schedule_tally(session.code)

    async def _on_reveal(self, session: Session, message: dict[str, Any]) -> None:
        question = await self._question(session.code, message)
        if question.revealed:
            raise ProtocolError("already_revealed", f"question {question.id} was already revealed", "question_id")
        revealed = replace(question, revealed=True)
        await self.store.put_question(session.code, revealed)
        summary = tally(revealed, await self.store.answers(session.code, question.id))
        counts = {key: summary[key] for key in ("answers", "right", "counts", "other", "cells_right") if key in summary}
        delivery = await self.store.append(session.code, {"type": "reveal", "question_id": question.id,
                                                          "expected": revealed.expected, "tally": counts})
        session.connection.push(protocol.frame({"type": "ack", "id": protocol.command_id(message),
                                                "seq": delivery.seq}))

    async def _on_answer(self, session: Session, message: dict[str, Any]) -> None:
        question = await self._question(session.code, message)
        if question.revealed:
            raise ProtocolError("question_closed", f"question {question.id} was already revealed", "question_id")
        answer = parse_answer(question, message.get("answer"), message.get("name"))
        assert session.student_id is not None
        await self.store.put_answer(session.code, question.id, session.student_id, answer)
        session.connection.push(protocol.frame({"type": "answered", "question_id": question.id}))
        self._schedule_tally(session.code)

    async def _on_pointer(self, session: Session, message: dict[str, Any]) -> None:
        local = self.rooms.get(session.code)
        if local is None:
            return
        local.pointer = protocol.parse_pointer(message)
        if local.pointer_timer is None:
            wait = max(0.0, local.pointer_sent_at + POINTER_INTERVAL_SECONDS - time.monotonic())
            local.pointer_timer = asyncio.get_running_loop().call_later(wait, self._send_pointer, local)

    def _send_pointer(self, local: LocalRoom) -> None:
        local.pointer_timer = None
        local.pointer_sent_at = time.monotonic()
        self._spawn(self.store.publish_volatile(local.code, {"type": "pointer", "pointer": local.pointer}))

    async def _on_end(self, session: Session, message: dict[str, Any]) -> None:
        await self.store.append(session.code, {"type": "ended", "reason": "ended_by_presenter"})
        await self.store.expire(session.code)

    async def _on_mode(self, session: Session, message: dict[str, Any]) -> None:
        exploring = message.get("exploring")
        if not isinstance(exploring, bool):
            raise ProtocolError("bad_field", "exploring must be true or false", "exploring")
        await self.store.set_presence(session.code, session.student_id or "", exploring)
        local = self.rooms.get(session.code)
        if local is not None:
            self._schedule_presence(local)

    async def _on_resync(self, session: Session, message: dict[str, Any]) -> None:
        last_seq = message.get("last_seq")
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            raise ProtocolError("bad_field", "last_seq must be a whole number, 0 or more", "last_seq")
        epoch = message.get("epoch")
        session.connection.hold()
        try:
            await self._catch_up(session, epoch if isinstance(epoch, str) else None, last_seq)
        finally:
            session.connection.release()

    async def _on_ping(self, session: Session, message: dict[str, Any]) -> None:
        room = await self.store.room(session.code)
        session.connection.push(protocol.frame({"type": "pong", "seq": room.head if room else None}))

    _handlers: dict[str, Callable[[Classroom, Session, dict[str, Any]], Any]] = {
        "command": _on_command,
        "ask": _on_ask,
        "reveal": _on_reveal,
        "answer": _on_answer,
        "pointer": _on_pointer,
        "end": _on_end,
        "mode": _on_mode,
        "resync": _on_resync,
        "ping": _on_ping,
    }

    async def _live_room(self, code: str) -> Room:
        room = await self.store.room(code)
        if room is None:
            raise ProtocolError("class_ended", "this class has ended")
        return room

    async def _question(self, code: str, message: dict[str, Any]) -> Any:
        question_id = message.get("question_id")
        question = await self.store.question(code, question_id) if isinstance(question_id, str) else None
        if question is None:
            raise ProtocolError("unknown_question", "question_id must name a question asked in this class", "question_id")
        return question

    # ---- fan-out ----------------------------------------------------------------------------------------

    async def _local_room(self, code: str) -> LocalRoom:
        local = self.rooms.get(code)
        if local is None:
            local = self.rooms[code] = LocalRoom(code)
            local.unsubscribe = await self.store.subscribe(code, lambda delivery: self._fan_out(local, delivery))
        return local

    def _fan_out(self, local: LocalRoom, delivery: Delivery) -> None:
        """Offer one encoded frame to every connection of the room in this process (never waits)."""
        if delivery.audience == "presenters":
            targets: Any = local.presenters
        else:
            targets = local.sessions()
        for session in targets:
            session.connection.offer(delivery.frame)
        if delivery.kind == "reveal":
            self._spawn(self._send_results(local, delivery.frame))
        elif delivery.kind == "ended":
            self._close_room(local, "ended_by_presenter")

    async def _send_results(self, local: LocalRoom, frame: str) -> None:
        """After a reveal, each student of this process hears whether their own answer was right."""
        question_id = orjson.loads(frame)["question_id"]
        answers = await self.store.answers(local.code, question_id)
        for student_id, session in list(local.students.items()):
            answer = answers.get(student_id)
            result: dict[str, Any] = {"type": "result", "question_id": question_id, "answered": answer is not None,
                                      "correct": bool(answer and answer.correct)}
            if answer is not None and answer.cells_right:
                result["cells_right"] = answer.cells_right
            session.connection.push(protocol.frame(result))

    def _close_room(self, local: LocalRoom, reason: str) -> None:
        ended = protocol.frame({"type": "ended", "reason": reason})
        for session in local.sessions():
            if reason != "ended_by_presenter":
                session.connection.push(ended)
            session.connection.close(protocol.CLOSE_ENDED, "the class has ended")
        self._forget_local(local)

    def _forget_local(self, local: LocalRoom) -> None:
        if self.rooms.get(local.code) is local:
            del self.rooms[local.code]
        if local.unsubscribe is not None:
            local.unsubscribe()
        for timer in (local.pointer_timer, local.tally_timer, local.presence_timer):
            if timer is not None:
                timer.cancel()

    def _schedule_tally(self, code: str) -> None:
        local = self.rooms.get(code)
        if local is not None and local.tally_timer is None:
            local.tally_timer = asyncio.get_running_loop().call_later(
                TALLY_INTERVAL_SECONDS, lambda: self._spawn(self._send_tally(local)))

    async def _send_tally(self, local: LocalRoom) -> None:
        local.tally_timer = None
        room = await self.store.room(local.code)
        question = await self.store.question(local.code, room.question_id) if room and room.question_id else None
        if question is not None:
            summary = tally(question, await self.store.answers(local.code, question.id))
            await self.store.publish_volatile(local.code, {"type": "tally", **summary}, audience="presenters")

    def _schedule_presence(self, local: LocalRoom) -> None:
        if local.presence_timer is None:
            local.presence_timer = asyncio.get_running_loop().call_later(
                TALLY_INTERVAL_SECONDS, lambda: self._spawn(self._send_presence(local)))

    async def _send_presence(self, local: LocalRoom) -> None:
        local.presence_timer = None
        presence = await self.store.presence(local.code)
        await self.store.publish_volatile(
            local.code, {"type": "presence", "students": presence.students, "exploring": presence.exploring},
            audience="presenters")

    async def _on_link(self, up: bool) -> None:
        """Redis went away (every page hears "paused") or came back ("resumed"; followers then resync)."""
        frame = protocol.frame({"type": "resumed"} if up else {"type": "paused", "reason": PAUSED_REASON})
        for local in list(self.rooms.values()):
            for session in local.sessions():
                session.connection.push(frame)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- heartbeat and expiry ---------------------------------------------------------------------------

    def ensure_heartbeat(self) -> None:
        """Start the heartbeat on the running loop (once per loop: tests run several)."""
        loop = asyncio.get_running_loop()
        if self._heartbeat is None or self._heartbeat.done() or self._heartbeat.get_loop() is not loop:
            self._heartbeat = loop.create_task(self._beat_forever(), name="classroom-heartbeat")

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
                self._close_room(local, "expired")
        for local in list(self.rooms.values()):
            room = await self.store.room(local.code)
            if room is None:
                self._close_room(local, "expired")
                continue
            await self.store.keep_alive(local.code)
            await self.store.touch_presence(local.code, list(local.students))
            beat = protocol.frame({"type": "beat", "seq": room.head, "epoch": room.epoch})
            for session in local.sessions():
                session.connection.offer(beat)
            if local.presenters:
                self._schedule_presence(local)
